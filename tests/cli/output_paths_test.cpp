// Two outputs on one file, or an output on its own input, are refused before any work (exit
// 2), comparing the directory entries the paths name, not their spelling.
#include <unistd.h>

#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <vector>

#include "support/files.h"
#include "support/subprocess.h"

namespace {

using illusion::testing::run_illusion;
using illusion::testing::ScratchDir;
using illusion::testing::slurp;

bool has(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

void expect_refused(const std::vector<std::string>& args, const std::string& mention) {
  const auto o = run_illusion(args);
  EXPECT_EQ(o.exit_code, 2) << o.err;
  EXPECT_TRUE(has(o.err, mention)) << o.err;
  EXPECT_TRUE(has(o.err, "the same file as")) << o.err;
  EXPECT_TRUE(o.out.empty()) << "nothing may run or print: " << o.out;
}

// A saved run to report on: the committed dev-VM run.
std::string copy_of_a_run(const ScratchDir& dir, const std::string& name) {
  const std::string path = dir.file(name);
  std::filesystem::copy_file(std::string(ILLUSION_SOURCE_DIR) + "/docs/results/dev-vm.json", path);
  return path;
}

}  // namespace

TEST(OutputPaths, TwoOutputsOfARunOnOneFileAreRefused) {
  const ScratchDir dir;
  const std::string same = dir.file("same.out");
  expect_refused({"run", "syscalls.getppid_raw", "--json", same, "--md", same}, "--md");
  expect_refused({"run", "syscalls.getppid_raw", "--json", same, "--html", same}, "--html");
  EXPECT_TRUE(dir.entries().empty());
}

// The same entry spelled differently: "dir/./same.out", "dir/sub/../same.out".
TEST(OutputPaths, SpellingsOfOnePathCollide) {
  const ScratchDir dir;
  std::filesystem::create_directory(dir.file("sub"));
  expect_refused({"run", "syscalls.getppid_raw", "--json", dir.file("same.out"), "--md",
                  dir.path() + "/./same.out"},
                 dir.path() + "/./same.out");
  expect_refused({"run", "syscalls.getppid_raw", "--json", dir.file("same.out"), "--html",
                  dir.path() + "/sub/../same.out"},
                 "--html");
}

TEST(OutputPaths, ReportRefusesTwoOutputsOnOneFile) {
  const ScratchDir dir;
  const std::string run = copy_of_a_run(dir, "a.json"), x = dir.file("x");
  expect_refused({"report", run, "--md", x, "--html", x}, "--html");
  EXPECT_FALSE(std::filesystem::exists(x));
}

// `report self.json --md self.json` used to replace the run with its Markdown.
TEST(OutputPaths, ReportRefusesToOverwriteItsInput) {
  const ScratchDir dir;
  const std::string run = copy_of_a_run(dir, "self.json");
  const std::string before = slurp(run);
  expect_refused({"report", run, "--md", run}, "the input");
  EXPECT_EQ(slurp(run), before) << "the input was changed";
}

// Through a symlink the input is the file it points at: writing over that file loses the run.
TEST(OutputPaths, ReportRefusesToOverwriteTheFileItsInputLinksTo) {
  const ScratchDir dir;
  const std::string run = copy_of_a_run(dir, "real.json"), link = dir.file("link.json");
  ASSERT_EQ(symlink(run.c_str(), link.c_str()), 0);
  const std::string before = slurp(run);
  expect_refused({"report", link, "--json", run}, "the input");
  EXPECT_EQ(slurp(run), before);
}

// Distinct files are fine, and a symlinked output is replaced, not written through.
TEST(OutputPaths, DistinctOutputsAreWritten) {
  const ScratchDir dir;
  const std::string run = copy_of_a_run(dir, "a.json");
  const auto o =
      run_illusion({"report", run, "--md", dir.file("a.md"), "--html", dir.file("a.html")});
  EXPECT_EQ(o.exit_code, 0) << o.err;
  EXPECT_TRUE(std::filesystem::exists(dir.file("a.md")));
  EXPECT_TRUE(std::filesystem::exists(dir.file("a.html")));
}
