// `illusion compare` end to end: a real quick run compared with itself, and the files it must
// refuse (exit 2, naming the file). One run of two cheap experiments serves every test.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "support/files.h"
#include "support/subprocess.h"

namespace {

using illusion::testing::run_illusion;

bool has(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

class CompareCli : public ::testing::Test {
 protected:
  // The run is made once for the suite: it is the slow part, and every test only reads it.
  static void SetUpTestSuite() {
    dir_ = new illusion::testing::ScratchDir();
    run_ = new illusion::testing::Outcome(
        run_illusion({"run", "syscalls.getppid_raw", "syscalls.function_call", "--quick", "--json",
                      file("run.json")}));
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
  static std::string write(const std::string& name, const std::string& text) {
    std::ofstream(file(name)) << text;
    return file(name);
  }

  static void expect_refused(const std::string& bad) {
    const auto o = run_illusion({"compare", file("run.json"), bad});
    EXPECT_EQ(o.exit_code, 2) << o.err;
    EXPECT_TRUE(has(o.err, bad)) << "the message must name the file: " << o.err;
    EXPECT_TRUE(o.out.empty()) << o.out;
  }

  static illusion::testing::ScratchDir* dir_;
  static illusion::testing::Outcome* run_;
};

illusion::testing::ScratchDir* CompareCli::dir_ = nullptr;
illusion::testing::Outcome* CompareCli::run_ = nullptr;

TEST_F(CompareCli, RunAgainstItselfIsWithinNoiseOnEveryRow) {
  const auto o = run_illusion({"compare", file("run.json"), file("run.json")});
  ASSERT_EQ(o.exit_code, 0) << o.err;
  int rows = 0;
  std::istringstream lines(o.out);
  for (std::string line; std::getline(lines, line);) {
    if (!has(line, "syscalls.getppid_raw") && !has(line, "syscalls.function_call")) continue;
    ++rows;
    EXPECT_TRUE(has(line, "no clear change")) << line;
    EXPECT_TRUE(has(line, "1.0x")) << line;
  }
  EXPECT_EQ(rows, 2) << o.out;
  EXPECT_FALSE(has(o.out, "Warnings")) << o.out;
}

TEST_F(CompareCli, MissingFileIsRefusedByName) {
  expect_refused("/nonexistent-illusion/run.json");
}

TEST_F(CompareCli, EmptyFileIsRefusedByName) {
  expect_refused(write("empty.json", ""));
}

TEST_F(CompareCli, WrongSchemaIsRefusedByName) {
  expect_refused(write("other.json", R"({"schema": "something.else/7"})"));
}

TEST_F(CompareCli, MissingFirstFileIsRefusedByName) {
  const auto o = run_illusion({"compare", "/nonexistent-illusion/a.json", file("run.json")});
  EXPECT_EQ(o.exit_code, 2) << o.err;
  EXPECT_TRUE(has(o.err, "/nonexistent-illusion/a.json")) << o.err;
}

}  // namespace

// `illusion stability`: two or more run files, every one read before anything is printed.
TEST(StabilityCli, TwoCopiesOfARunRepeatExactly) {
  const std::string run = std::string(ILLUSION_SOURCE_DIR) + "/docs/results/dev-vm.json";
  const auto o = illusion::testing::run_illusion({"stability", run, run});
  ASSERT_EQ(o.exit_code, 0) << o.err;
  EXPECT_NE(o.out.find("rows within 3% CV"), std::string::npos) << o.out;
  EXPECT_NE(o.out.find("median CV 0.0%"), std::string::npos) << o.out;
  EXPECT_NE(o.out.find("Wall time by lab"), std::string::npos);
}

TEST(StabilityCli, OneFileOrABadFileIsAUsageError) {
  const std::string run = std::string(ILLUSION_SOURCE_DIR) + "/docs/results/dev-vm.json";
  EXPECT_EQ(illusion::testing::run_illusion({"stability", run}).exit_code, 2);
  const auto o = illusion::testing::run_illusion({"stability", run, "/nonexistent.json"});
  EXPECT_EQ(o.exit_code, 2);
  EXPECT_TRUE(o.out.empty()) << o.out;
}
