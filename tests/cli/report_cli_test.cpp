// End to end: `run --json R --md M` writes both files, `report R` prints the saved run,
// `report R --md M2` writes it as Markdown, and every bad input is a usage error (exit 2)
// naming the file, before any work. Everything happens in a private directory removed at the
// end.
#include <fstream>
#include <string>

#include <gtest/gtest.h>

#include "report/synthetic.h"
#include "support/subprocess.h"

using illusion::testing::has;
using illusion::testing::Outcome;
using illusion::testing::run_illusion;
using illusion::testing::ScratchDir;
using illusion::testing::slurp;
using illusion::testing::write_file;

namespace {

class ReportCli : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new ScratchDir();
    run_json_ = dir_->file("run.json");
    run_md_ = dir_->file("run.md");
    run_ = new Outcome(run_illusion(
        {"run", "syscalls.getppid_raw", "--quick", "--json", run_json_, "--md", run_md_},
        {"TMPDIR=" + dir_->path()}));
  }
  static void TearDownTestSuite() {
    delete run_;
    delete dir_;  // removes everything written below it
    run_ = nullptr;
    dir_ = nullptr;
  }

  static void expect_usage_error(const Outcome& o, const std::string& mention) {
    EXPECT_EQ(o.exit_code, 2) << "stderr: " << o.err;
    EXPECT_TRUE(has(o.err, "illusion: error:")) << o.err;
    EXPECT_TRUE(has(o.err, mention)) << "expected " << mention << " in: " << o.err;
    EXPECT_TRUE(o.out.empty()) << o.out;
  }

  static inline ScratchDir* dir_ = nullptr;
  static inline Outcome* run_ = nullptr;
  static inline std::string run_json_, run_md_;
};

TEST_F(ReportCli, RunWritesJsonAndMarkdown) {
  ASSERT_EQ(run_->exit_code, 0) << run_->err;
  EXPECT_TRUE(has(run_->err, "Wrote " + run_json_)) << run_->err;
  EXPECT_TRUE(has(run_->err, "Wrote " + run_md_)) << run_->err;
  EXPECT_TRUE(has(slurp(run_json_), "\"syscalls.getppid_raw\""));
  const std::string md = slurp(run_md_);
  EXPECT_EQ(md.rfind("# illusion ", 0), 0u) << md;
  EXPECT_TRUE(has(md, "\n## ")) << md;
  EXPECT_TRUE(has(md, "| experiment |")) << md;
  EXPECT_TRUE(has(md, "| getppid\\_raw |")) << md;
  // Neither the atomic writes' temporary files nor the run's temp dir are left behind.
  for (const std::string& name : dir_->entries()) {
    EXPECT_FALSE(has(name, ".tmp.")) << name;
    EXPECT_NE(name.rfind("illusion-", 0), 0u) << name;
  }
}

TEST_F(ReportCli, ReportPrintsTheSavedRun) {
  ASSERT_EQ(run_->exit_code, 0) << run_->err;
  const Outcome o = run_illusion({"report", run_json_});
  ASSERT_EQ(o.exit_code, 0) << o.err;
  EXPECT_TRUE(has(o.out, "getppid_raw")) << o.out;
  EXPECT_TRUE(has(o.out, "experiment")) << o.out;
  EXPECT_TRUE(has(o.out, "p50")) << o.out;
}

TEST_F(ReportCli, ReportWritesMarkdown) {
  ASSERT_EQ(run_->exit_code, 0) << run_->err;
  const std::string md2 = dir_->file("again.md");
  const Outcome o = run_illusion({"report", run_json_, "--md", md2});
  ASSERT_EQ(o.exit_code, 0) << o.err;
  EXPECT_TRUE(has(o.err, "Wrote " + md2)) << o.err;
  const std::string md = slurp(md2);
  EXPECT_TRUE(has(md, "| getppid\\_raw |")) << md;
  EXPECT_TRUE(has(md, "| experiment |")) << md;
}

TEST_F(ReportCli, MissingFile) {
  const std::string path = dir_->file("no-such-run.json");
  expect_usage_error(run_illusion({"report", path}), path);
}

TEST_F(ReportCli, EmptyFile) {
  const std::string path = dir_->file("empty.json");
  write_file(path, "");
  expect_usage_error(run_illusion({"report", path}), path);
}

TEST_F(ReportCli, TruncatedFile) {
  ASSERT_EQ(run_->exit_code, 0) << run_->err;
  const std::string whole = slurp(run_json_);
  const std::string path = dir_->file("truncated.json");
  write_file(path, whole.substr(0, whole.size() / 2));
  expect_usage_error(run_illusion({"report", path}), path);
}

TEST_F(ReportCli, WrongSchema) {
  const std::string path = dir_->file("other.json");
  write_file(path, R"({"schema": "something.else/7", "experiments": []})");
  const Outcome o = run_illusion({"report", path});
  expect_usage_error(o, path);
  EXPECT_TRUE(has(o.err, "schema")) << o.err;
}

TEST_F(ReportCli, ReportMarkdownIntoMissingDirectory) {
  const std::string path = dir_->file("no-such-run.json");
  // The output path is checked first: the (missing) input is never read.
  expect_usage_error(run_illusion({"report", path, "--md", "/nonexistent-illusion-dir/x.md"}),
                     "/nonexistent-illusion-dir");
}

TEST_F(ReportCli, RunMarkdownIntoMissingDirectoryBeforeAnyWork) {
  const Outcome o = run_illusion({"run", "syscalls", "--md", "/nonexistent-illusion-dir/x.md"},
                                 {"TMPDIR=" + dir_->path()});
  expect_usage_error(o, "/nonexistent-illusion-dir");
  EXPECT_TRUE(has(o.err, "--md")) << o.err;
  // No experiment ran: no progress on stderr beyond the error line.
  EXPECT_FALSE(has(o.err, "getppid")) << o.err;
}

// The README's results come from docs/results/dev-vm.json and invite readers to compare their
// own run with it: the committed file must stay readable by this version's reader.
TEST(CommittedResults, ReadBackReportAndCompare) {
  const std::string file = std::string(ILLUSION_SOURCE_DIR) + "/docs/results/dev-vm.json";
  const Outcome report = run_illusion({"report", file});
  ASSERT_EQ(report.exit_code, 0) << report.err;
  EXPECT_TRUE(has(report.out, "Cost ladder")) << report.out;
  const Outcome compare = run_illusion({"compare", file, file});
  EXPECT_EQ(compare.exit_code, 0) << compare.err;
  EXPECT_TRUE(has(compare.out, "no clear change")) << compare.out;
}

}  // namespace
