// One rule for the room a run's files need (issue 20): a row whose files cannot be written is
// skipped with the reason and the arithmetic, the rows that write nothing still run, and a
// selection of nothing but such rows exits 2 naming them. RLIMIT_FSIZE is part of the room;
// past it a write fails with EFBIG (SIGXFSZ is ignored), so the run never dies of the signal
// and leaves no temp file behind.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "support/files.h"
#include "support/subprocess.h"

namespace {

using illusion::testing::run_illusion;
using illusion::testing::run_program;
using illusion::testing::ScratchDir;
using illusion::testing::slurp;

bool has(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

const nlohmann::json* row(const nlohmann::json& doc, const std::string& id) {
  for (const auto& e : doc.at("experiments"))
    if (e.at("id") == id) return &e;
  return nullptr;
}

// `illusion args…` with RLIMIT_FSIZE set to `bytes` by prlimit(1) (util-linux): exact bytes,
// where the shells' `ulimit -f` counts blocks of 512 (dash) or 1024 (bash) bytes.
illusion::testing::Outcome run_under_file_limit(std::uint64_t bytes,
                                                std::vector<std::string> args) {
  std::vector<std::string> argv = {"prlimit", "--fsize=" + std::to_string(bytes), "--",
                                   ILLUSION_BINARY};
  argv.insert(argv.end(), args.begin(), args.end());
  return run_program(argv);
}

}  // namespace

// procfs refuses new files even to root: the rows that write one are skipped, the rest run.
TEST(DiskRoomRule, RowsThatWriteNothingStillRunWhereNoFileCanBeMade) {
  const ScratchDir dir;
  const std::string json = dir.file("run.json");
  const auto o = run_illusion({"run", "syscalls.getppid_raw", "syscalls.read_4k", "syscalls.stat",
                               "--quick", "--json", json},
                              {"TMPDIR=/proc"});
  ASSERT_EQ(o.exit_code, 0) << o.err;
  EXPECT_TRUE(has(o.err, "skipping 2 row(s)")) << o.err;
  const auto doc = nlohmann::json::parse(slurp(json));
  ASSERT_NE(row(doc, "syscalls.getppid_raw"), nullptr);
  EXPECT_EQ(row(doc, "syscalls.getppid_raw")->at("status"), "ok");
  for (const char* id : {"syscalls.read_4k", "syscalls.stat"}) {
    ASSERT_NE(row(doc, id), nullptr) << id;
    EXPECT_EQ(row(doc, id)->at("status"), "skipped") << id;
    EXPECT_TRUE(has(row(doc, id)->at("reason"), "cannot create files in /proc")) << id;
  }
}

TEST(DiskRoomRule, ASelectionOfOnlyWritingRowsIsRefusedNamingThem) {
  const auto o = run_illusion({"run", "syscalls.read_4k", "vm.major_fault"}, {"TMPDIR=/proc"});
  EXPECT_EQ(o.exit_code, 2) << o.err;
  EXPECT_TRUE(has(o.err, "nothing to run")) << o.err;
  EXPECT_TRUE(has(o.err, "syscalls.read_4k")) << o.err;
  EXPECT_TRUE(has(o.err, "vm.major_fault")) << o.err;
  EXPECT_TRUE(o.out.empty()) << o.out;
}

// `ulimit -f 10240` (10 MiB) used to kill the run with SIGXFSZ (exit 153, no JSON, a scratch
// file left): the 16 MiB file rows are now skipped with the arithmetic.
TEST(DiskRoomRule, RowsPastTheFileSizeLimitAreSkippedWithTheArithmetic) {
  const ScratchDir dir;
  const std::string json = dir.file("run.json"), tmp = dir.file("tmp");
  std::filesystem::create_directory(tmp);
  const auto o = run_under_file_limit(10u << 20, {"run", "syscalls.getppid_raw", "syscalls.read_4k",
                                                  "--quick", "--dir", tmp, "--json", json});
  ASSERT_EQ(o.exit_code, 0) << o.err;
  const auto doc = nlohmann::json::parse(slurp(json));
  ASSERT_NE(row(doc, "syscalls.read_4k"), nullptr);
  EXPECT_EQ(row(doc, "syscalls.read_4k")->at("status"), "skipped");
  const std::string reason = row(doc, "syscalls.read_4k")->at("reason");
  EXPECT_TRUE(has(reason, "16 MiB file")) << reason;
  EXPECT_TRUE(has(reason, "allows at most 10 MiB")) << reason;
  EXPECT_EQ(row(doc, "syscalls.getppid_raw")->at("status"), "ok");
  EXPECT_TRUE(illusion::testing::dir_entries(tmp).empty());
}

// Under a 1 KiB RLIMIT_FSIZE the output cannot be written: the run fails with EFBIG's words (exit
// 1, not death by SIGXFSZ) and removes its temp output file.
TEST(DiskRoomRule, AnOutputPastTheFileSizeLimitFailsAndLeavesNothing) {
  const ScratchDir dir;
  const std::string out = dir.file("out");
  std::filesystem::create_directory(out);
  const auto o = run_under_file_limit(
      1024, {"run", "syscalls.getppid_raw", "--quick", "--json", out + "/r.json"});
  EXPECT_EQ(o.exit_code, 1) << o.err;
  EXPECT_TRUE(has(o.err, "File too large")) << o.err;
  EXPECT_TRUE(illusion::testing::dir_entries(out).empty())
      << "a temp output file was left in the output directory";
}
