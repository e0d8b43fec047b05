// `illusion verify --peers` end to end: structure only, never a timing. One run with whatever
// peers this machine has (--rounds 1 --quick), one with none on PATH, one with peers that fail
// or print garbage, and the usage errors.
#include <sys/stat.h>

#include <set>
#include <string>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "core/command.h"
#include "support/files.h"
#include "support/subprocess.h"

using illusion::testing::run_illusion;
using illusion::testing::ScratchDir;

namespace {

const std::set<std::string> kIds{"getppid",
                                 "pipe_threads_round_trip",
                                 "pipe_procs_round_trip",
                                 "posix_spawn_true",
                                 "read_1m_warm",
                                 "rand_pread_warm",
                                 "rand_mmap_copy_warm",
                                 "wakeup_p50",
                                 "wakeup_p99",
                                 "wakeup_max"};

nlohmann::json read_json(const std::string& path) {
  return nlohmann::json::parse(illusion::testing::slurp(path), nullptr, false);
}

void write_script(const ScratchDir& dir, const std::string& name, const std::string& body) {
  const std::string path = dir.file(name);
  illusion::testing::write_file(path, "#!/bin/sh\n" + body + "\n");
  chmod(path.c_str(), 0755);
}

// The program a comparison's peer needs, from its tool's name.
std::string program_of(const std::string& tool) {
  return tool.substr(0, tool.find(' '));
}

TEST(VerifyPeersCli, OneRoundWithThePeersThisMachineHas) {
  ScratchDir tmp;
  const std::string json = tmp.file("peers.json");
  const auto o = run_illusion(
      {"verify", "--peers", "--rounds", "1", "--quick", "--file-size", "16M", "--json", json},
      {"TMPDIR=" + tmp.path()});
  ASSERT_EQ(o.exit_code, 0) << o.err;
  EXPECT_NE(o.out.find("illusion beside the peer tools: 1 round on CPU"), std::string::npos)
      << o.out;
  EXPECT_NE(o.out.find(" agree, "), std::string::npos);
  const auto doc = read_json(json);
  ASSERT_FALSE(doc.is_discarded());
  EXPECT_EQ(doc["schema"], "illusion.verify/1");
  EXPECT_EQ(doc["rounds"], 1);
  EXPECT_EQ(doc["complete"], true);
  EXPECT_TRUE(doc["cpu"].is_number_integer());
  std::set<std::string> ids;
  for (const auto& c : doc["comparisons"]) {
    const std::string id = c["id"];
    ids.insert(id);
    const std::string verdict = c["verdict"];
    EXPECT_TRUE(verdict == "agrees" || verdict == "differs" || verdict == "not compared") << id;
    const std::string tool = c["peer"]["tool"];
    if (!illusion::core::program_in_path(program_of(tool))) {
      EXPECT_EQ(verdict, "not compared") << id;
      EXPECT_NE(c["reason"].get<std::string>().find("is not installed"), std::string::npos);
      continue;
    }
    // Installed: the peer ran on the chosen CPU, and each side either gave a figure or a note.
    EXPECT_NE(c["peer"]["command"].get<std::string>().find("taskset -c "), std::string::npos) << id;
    if (verdict == "not compared") {
      EXPECT_FALSE(c["round_notes"].empty()) << id;
    } else {
      EXPECT_GT(c["illusion"]["median_ns"].get<double>(), 0) << id;
      EXPECT_GT(c["peer"]["median_ns"].get<double>(), 0) << id;
      EXPECT_GT(c["ratio"].get<double>(), 0) << id;
    }
  }
  EXPECT_EQ(ids, kIds);
  // Only the JSON is left: the test file and the peers' outputs went with the run.
  EXPECT_EQ(tmp.entries(), std::vector<std::string>{"peers.json"});
}

TEST(VerifyPeersCli, NoPeerOnPathMeansEveryPairSaysSoAndNothingRuns) {
  ScratchDir tmp;
  const std::string json = tmp.file("peers.json");
  const auto o = run_illusion({"verify", "--peers", "--json", json},
                              {"PATH=" + tmp.path(), "TMPDIR=" + tmp.path()});
  ASSERT_EQ(o.exit_code, 0) << o.err;
  EXPECT_EQ(o.err.find("round 1/"), std::string::npos) << o.err;  // no row was run
  const auto doc = read_json(json);
  ASSERT_FALSE(doc.is_discarded());
  ASSERT_EQ(doc["comparisons"].size(), kIds.size());
  for (const auto& c : doc["comparisons"]) {
    EXPECT_EQ(c["verdict"], "not compared");
    EXPECT_NE(c["reason"].get<std::string>().find("is not installed (Debian package "),
              std::string::npos)
        << c["reason"];
    EXPECT_TRUE(c["ratio"].is_null());
    EXPECT_TRUE(c["illusion"]["median_ns"].is_null());
  }
  EXPECT_NE(o.out.find("0 agree, 0 differ, 10 not compared"), std::string::npos) << o.out;
}

TEST(VerifyPeersCli, PeersThatFailOrPrintGarbageAreNotComparedWithTheirWords) {
  ScratchDir bin, tmp;
  write_script(bin, "taskset", "shift 2; exec \"$@\"");
  write_script(bin, "perf", "echo 'nothing a parser could use'");
  write_script(bin, "hyperfine", "echo boom >&2; exit 1");
  write_script(bin, "fio", "echo '{\"jobs\": ['");
  write_script(bin, "cyclictest", "exit 0");
  const std::string json = tmp.file("peers.json");
  const auto o = run_illusion(
      {"verify", "--peers", "--rounds", "1", "--quick", "--file-size", "16M", "--json", json},
      {"PATH=" + bin.path(), "TMPDIR=" + tmp.path()});
  ASSERT_EQ(o.exit_code, 0) << o.err;
  const auto doc = read_json(json);
  ASSERT_FALSE(doc.is_discarded());
  for (const auto& c : doc["comparisons"]) {
    EXPECT_EQ(c["verdict"], "not compared") << c["id"];
    EXPECT_TRUE(c["peer"]["median_ns"].is_null()) << c["id"];
    std::string notes;
    for (const auto& n : c["round_notes"]) notes += n.get<std::string>() + "\n";
    const std::string id = c["id"];
    if (id == "posix_spawn_true")
      EXPECT_NE(notes.find("hyperfine exited with status 1: boom"), std::string::npos) << notes;
    else if (id == "getppid" || id.rfind("pipe_", 0) == 0)
      EXPECT_NE(notes.find("perf's output could not be read"), std::string::npos) << notes;
    else if (id.rfind("wakeup_", 0) == 0)
      EXPECT_NE(notes.find("cyclictest's output could not be read"), std::string::npos) << notes;
    else
      EXPECT_NE(notes.find("fio's output could not be read"), std::string::npos) << notes;
  }
}

TEST(VerifyPeersCli, UsageErrorsExitTwoBeforeAnyWork) {
  for (const auto& args :
       std::vector<std::vector<std::string>>{{"verify", "--peers", "--rounds", "0"},
                                             {"verify", "--peers", "--rounds", "21"},
                                             {"verify", "--peers", "--rounds", "x"},
                                             {"verify", "--peers", "--cpu", "4095"},
                                             {"verify", "--rounds", "2"},
                                             {"verify", "--json", "x.json"},
                                             {"verify", "--quick"}}) {
    const auto o = run_illusion(args);
    std::string line;
    for (const auto& a : args) line += a + " ";
    EXPECT_EQ(o.exit_code, 2) << line << o.err;
    EXPECT_EQ(o.err.find("round 1/"), std::string::npos) << line;
    EXPECT_FALSE(o.err.empty()) << line;
  }
  const auto o = run_illusion({"verify", "--json", "x.json"});
  EXPECT_NE(o.err.find("--json goes with --peers"), std::string::npos) << o.err;
}

}  // namespace
