// `illusion stability` end to end with verify files mixed among the run files: each file told
// apart by its "schema", the peer table only from two verify files, a bad verify file refused
// before anything is printed. The run files are the repo's saved dev-VM run; the verify files
// are written by hand here, so nothing is measured.
#include <gtest/gtest.h>

#include <string>

#include "support/files.h"
#include "support/subprocess.h"

namespace {

using illusion::testing::run_illusion;
using illusion::testing::ScratchDir;
using illusion::testing::write_file;

bool has(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

const std::string kRun = std::string(ILLUSION_SOURCE_DIR) + "/docs/results/dev-vm.json";

std::string verify_json(double illusion_ns, double peer_ns) {
  return R"({"schema": "illusion.verify/1", "started_at": "2026-12-07T06:00:00Z",
    "profile": "quick", "complete": true, "comparisons": [{"id": "getppid", "statistic": "mean",
    "illusion": {"experiment": "syscalls.getppid_raw", "figure": "mean per call", "median_ns": )" +
         std::to_string(illusion_ns) +
         R"(}, "peer": {"tool": "perf bench syscall basic", "median_ns": )" +
         std::to_string(peer_ns) + "}}]}";
}

TEST(StabilityCli, VerifyFilesMixedWithRunFilesGiveThePeerTable) {
  ScratchDir dir;
  write_file(dir.file("v1.json"), verify_json(100, 200));
  write_file(dir.file("v2.json"), verify_json(110, 220));
  const auto o = run_illusion({"stability", dir.file("v1.json"), kRun, dir.file("v2.json"), kRun,
                               "--md", dir.file("s.md")});
  ASSERT_EQ(o.exit_code, 0) << o.err;
  EXPECT_TRUE(has(o.out, "2 runs: ")) << o.out;  // the verify files are not counted as runs
  EXPECT_TRUE(has(o.out, "±within")) << o.out;
  EXPECT_TRUE(has(o.out, "Peer tools in the same slots (2 verify runs): Peer tools varied 6.7%"))
      << o.out;
  EXPECT_TRUE(has(o.out, "#V1: " + dir.file("v1.json"))) << o.out;
  EXPECT_TRUE(has(illusion::testing::slurp(dir.file("s.md")), "## Peer tools in the same slots"));
}

TEST(StabilityCli, OneVerifyFileSaysSoAndPrintsNoPeerTable) {
  ScratchDir dir;
  write_file(dir.file("v1.json"), verify_json(100, 200));
  const auto o = run_illusion({"stability", kRun, kRun, dir.file("v1.json")});
  ASSERT_EQ(o.exit_code, 0) << o.err;
  EXPECT_FALSE(has(o.out, "Peer tools")) << o.out;
  EXPECT_TRUE(has(o.err, "one verify file")) << o.err;
}

TEST(StabilityCli, ABadVerifyFileOrTooFewRunFilesIsAUsageError) {
  ScratchDir dir;
  write_file(dir.file("bad.json"), R"({"schema": "illusion.verify/1", "comparisons": [{}]})");
  auto o = run_illusion({"stability", kRun, kRun, dir.file("bad.json")});
  EXPECT_EQ(o.exit_code, 2);
  EXPECT_TRUE(o.out.empty()) << o.out;
  EXPECT_TRUE(has(o.err, dir.file("bad.json") + ": comparisons[0]: the field \"id\" is missing"))
      << o.err;
  write_file(dir.file("v1.json"), verify_json(100, 200));
  write_file(dir.file("v2.json"), verify_json(110, 220));
  o = run_illusion({"stability", kRun, dir.file("v1.json"), dir.file("v2.json")});
  EXPECT_EQ(o.exit_code, 2);
  EXPECT_TRUE(has(o.err, "two run files at least")) << o.err;
}

}  // namespace
