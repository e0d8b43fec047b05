// `illusion budget` end to end: a saved quick run of the syscall row fed back with --from, the
// rates and files it must refuse (exit 2, naming them), and one short measuring run.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <chrono>
#include <filesystem>
#include <sstream>
#include <string>

#include "support/files.h"
#include "support/subprocess.h"

namespace {

using illusion::testing::run_illusion;

bool has(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

// The table line of an operation, or "" when there is none.
std::string line_with(const std::string& text, const std::string& part) {
  std::istringstream lines(text);
  for (std::string line; std::getline(lines, line);)
    if (has(line, part)) return line;
  return "";
}

bool has_digit(const std::string& s) {
  return s.find_first_of("0123456789") != std::string::npos;
}

class BudgetCli : public ::testing::Test {
 protected:
  // One saved run for the suite: it is the slow part, and the tests only read it.
  static void SetUpTestSuite() {
    dir_ = new illusion::testing::ScratchDir();
    run_ = new illusion::testing::Outcome(
        run_illusion({"run", "syscalls.getppid_raw", "--quick", "--json", file("run.json")}));
  }
  static void TearDownTestSuite() {
    delete dir_;  // removes the directory and the files in it
    delete run_;
    dir_ = nullptr;
    run_ = nullptr;
  }
  void SetUp() override {
    ASSERT_NE(dir_, nullptr) << "mkdtemp failed";
    ASSERT_EQ(run_->exit_code, 0) << run_->err;
  }

  static std::string file(const std::string& name) { return dir_->file(name); }

  static void expect_hz_refused(const std::string& hz) {
    const auto o = run_illusion({"budget", "--hz", hz, "--from", file("run.json")});
    EXPECT_EQ(o.exit_code, 2) << o.err;
    EXPECT_TRUE(has(o.err, "--hz")) << "the message must name --hz: " << o.err;
    EXPECT_TRUE(o.out.empty()) << o.out;
  }

  static illusion::testing::ScratchDir* dir_;
  static illusion::testing::Outcome* run_;
};

illusion::testing::ScratchDir* BudgetCli::dir_ = nullptr;
illusion::testing::Outcome* BudgetCli::run_ = nullptr;

TEST_F(BudgetCli, FromSavedRunPrintsTheSyscallRowWithCounts) {
  const auto o = run_illusion({"budget", "--from", file("run.json"), "--hz", "90"});
  ASSERT_EQ(o.exit_code, 0) << o.err;
  const std::string row = line_with(o.out, "syscall (getppid)");
  ASSERT_FALSE(row.empty()) << o.out;
  EXPECT_TRUE(has(row, " / ")) << row;
  EXPECT_TRUE(has_digit(row)) << row;
  // A p99 is a single call's: getppid, timed in batches too short to time one call alone,
  // has none where the clock cannot resolve one call, and the footer says why.
  if (has(row, "—")) {
    EXPECT_TRUE(has(o.out, "syscall (getppid): no p99, because the operation is too short"))
        << o.out;
  }
  EXPECT_TRUE(has(o.out, "per 90 Hz frame")) << o.out;
  EXPECT_TRUE(has(o.out, "in 1% (111 µs)")) << o.out;
  // The footer: what the figures are and where they came from.
  EXPECT_TRUE(has(o.out, "At 90 Hz a frame lasts 11.1 ms; 1% of it is 111 µs.")) << o.out;
  EXPECT_TRUE(has(o.out, "taken from " + file("run.json"))) << o.out;
  EXPECT_TRUE(has(o.out, "quick profile")) << o.out;
  // Everything else was not in that run.
  EXPECT_TRUE(has(o.out, "processes.fork_exit")) << o.out;
  EXPECT_TRUE(has(o.out, "Not in this run")) << o.out;
  EXPECT_FALSE(has(line_with(o.out, "process creation"), " / ")) << o.out;
}

TEST_F(BudgetCli, SeveralRatesGiveColumnsForEach) {
  const auto o = run_illusion({"budget", "--from", file("run.json"), "--hz", "90", "--hz", "120"});
  ASSERT_EQ(o.exit_code, 0) << o.err;
  EXPECT_TRUE(has(o.out, "per 90 Hz frame")) << o.out;
  EXPECT_TRUE(has(o.out, "per 120 Hz frame")) << o.out;
  EXPECT_TRUE(has(o.out, "in 1% (83.3 µs)")) << o.out;
  EXPECT_TRUE(has(o.out, "At 120 Hz a frame lasts 8.33 ms")) << o.out;
}

TEST_F(BudgetCli, ZeroHzIsRefused) {
  expect_hz_refused("0");
}

TEST_F(BudgetCli, NegativeHzIsRefused) {
  expect_hz_refused("-5");
}

TEST_F(BudgetCli, TooHighHzIsRefused) {
  expect_hz_refused("200000");
}

TEST_F(BudgetCli, BadHzIsRefusedBeforeAnyMeasuring) {
  // Without --from this would measure; the refusal must come first, and fast.
  const auto t0 = std::chrono::steady_clock::now();
  const auto o = run_illusion({"budget", "--hz", "0"});
  const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  EXPECT_EQ(o.exit_code, 2) << o.err;
  EXPECT_TRUE(has(o.err, "--hz")) << o.err;
  EXPECT_TRUE(o.out.empty()) << o.out;
  EXPECT_LT(s, 5.0);
}

TEST_F(BudgetCli, MissingFromFileIsRefusedByName) {
  const auto o = run_illusion({"budget", "--from", "/nonexistent-illusion/run.json"});
  EXPECT_EQ(o.exit_code, 2) << o.err;
  EXPECT_TRUE(has(o.err, "/nonexistent-illusion/run.json")) << o.err;
  EXPECT_TRUE(o.out.empty()) << o.out;
}

// The measuring path, once: the seven experiments at the quick profile (about 1.5 s here),
// under a private TMPDIR that must be empty again afterwards.
TEST_F(BudgetCli, MeasuresWhatItNeedsAndCleansUp) {
  const std::string tmp = file("measure-tmp");
  ASSERT_TRUE(std::filesystem::create_directory(tmp));
  const auto t0 = std::chrono::steady_clock::now();
  const auto o = run_illusion({"budget", "--hz", "90"}, {"TMPDIR=" + tmp});
  const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  ASSERT_EQ(o.exit_code, 0) << o.err;
  const std::string row = line_with(o.out, "syscall (getppid)");
  ASSERT_FALSE(row.empty()) << o.out;
  EXPECT_TRUE(has(row, " / ")) << row;
  EXPECT_TRUE(has(o.out, "measured in this run (quick profile")) << o.out;
  EXPECT_TRUE(has(o.err, "syscalls.getppid_raw")) << "progress goes to stderr: " << o.err;
  EXPECT_TRUE(std::filesystem::is_empty(tmp)) << "the temp dir must be removed";
  EXPECT_LT(s, 30.0) << "the measuring path is meant to be short";
}

}  // namespace
