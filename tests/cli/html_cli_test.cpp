// End to end: `run ... --json R --html H` writes a self-contained HTML report with inline SVG,
// `report R --html H2` writes it from the saved run (and nothing on stdout), a bad --html path
// is refused before any work, and when Debian's chromium is installed a headless browser loads
// the page, finds the svg elements in the DOM and renders a non-empty screenshot. Everything
// happens in a private directory under $TMPDIR (or /tmp), removed at the end.
#include <unistd.h>

#include <filesystem>
#include <string>

#include <gtest/gtest.h>

#include "report/synthetic.h"
#include "support/subprocess.h"

using illusion::testing::has;
using illusion::testing::Outcome;
using illusion::testing::run_illusion;
using illusion::testing::run_program;
using illusion::testing::ScratchDir;
using illusion::testing::slurp;

namespace {

constexpr const char* kChromium = "/usr/bin/chromium";

std::size_t count(const std::string& text, const std::string& part) {
  std::size_t n = 0;
  for (std::size_t at = text.find(part); at != std::string::npos; at = text.find(part, at + 1)) ++n;
  return n;
}

class HtmlCli : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new ScratchDir();
    json_ = dir_->file("run.json");
    html_ = dir_->file("run.html");
    run_ = new Outcome(run_illusion({"run", "syscalls.function_call", "syscalls.getppid_raw",
                                     "vm.first_touch", "--quick", "--json", json_, "--html", html_},
                                    {"TMPDIR=" + dir_->path()}));
  }
  static void TearDownTestSuite() {
    delete run_;
    delete dir_;  // removes everything written below it
    run_ = nullptr;
    dir_ = nullptr;
  }

  static inline ScratchDir* dir_ = nullptr;
  static inline Outcome* run_ = nullptr;
  static inline std::string json_, html_;
};

TEST_F(HtmlCli, RunWritesTheHtmlReport) {
  ASSERT_EQ(run_->exit_code, 0) << run_->err;
  EXPECT_TRUE(has(run_->err, "Wrote " + html_)) << run_->err;
  const std::string html = slurp(html_);
  EXPECT_EQ(html.rfind("<!DOCTYPE html>", 0), 0u) << html.substr(0, 200);
  EXPECT_TRUE(has(html, "<svg")) << html;
  EXPECT_TRUE(has(html, "Cost ladder"));
  EXPECT_TRUE(has(html, "First-touch fault timeline"));
  EXPECT_TRUE(has(html, "<td>getppid_raw</td>"));
  EXPECT_FALSE(has(html, "http://"));
  EXPECT_FALSE(has(html, "https://"));
  EXPECT_FALSE(has(html, "<script"));
  for (const std::string& name : dir_->entries()) EXPECT_FALSE(has(name, ".tmp.")) << name;
}

TEST_F(HtmlCli, ReportWritesOnlyTheHtml) {
  ASSERT_EQ(run_->exit_code, 0) << run_->err;
  const std::string html2 = dir_->file("report.html");
  const Outcome o = run_illusion({"report", json_, "--html", html2});
  ASSERT_EQ(o.exit_code, 0) << o.err;
  EXPECT_TRUE(o.out.empty()) << o.out;
  EXPECT_TRUE(has(o.err, "Wrote " + html2)) << o.err;
  const std::string html = slurp(html2);
  EXPECT_TRUE(has(html, "<svg")) << html;
  EXPECT_EQ(count(html, "<svg"), count(slurp(html_), "<svg"));
}

TEST_F(HtmlCli, BadHtmlPathIsAUsageErrorBeforeAnyWork) {
  const std::string bad = dir_->file("no-such-dir/out.html");
  const Outcome run = run_illusion({"run", "syscalls.getppid_raw", "--quick", "--html", bad});
  EXPECT_EQ(run.exit_code, 2) << run.err;
  EXPECT_TRUE(has(run.err, "--html")) << run.err;
  EXPECT_TRUE(run.out.empty()) << run.out;
  const Outcome report = run_illusion({"report", dir_->file("missing.json"), "--html", bad});
  EXPECT_EQ(report.exit_code, 2) << report.err;
  EXPECT_TRUE(has(report.err, "--html")) << report.err;
}

TEST_F(HtmlCli, HeadlessChromiumRendersTheCharts) {
  if (access(kChromium, X_OK) != 0)
    GTEST_SKIP() << kChromium << " is absent (Debian package 'chromium'): no browser check";
  ASSERT_EQ(run_->exit_code, 0) << run_->err;
  // A profile dir of its own, inside the scratch dir, so nothing is left in $HOME.
  const std::string profile = dir_->file("chromium-profile");
  const std::vector<std::string> common = {"timeout",        "60",
                                           kChromium,        "--headless",
                                           "--no-sandbox",   "--disable-gpu",
                                           "--no-first-run", "--user-data-dir=" + profile};
  std::vector<std::string> dump = common;
  dump.push_back("--dump-dom");
  dump.push_back("file://" + html_);
  const Outcome d = run_program(dump, {"HOME=" + dir_->path()});
  ASSERT_EQ(d.exit_code, 0) << d.err;
  EXPECT_TRUE(has(d.out, "<svg")) << d.out.substr(0, 500);
  EXPECT_TRUE(has(d.out, "<rect class=\"bar\"")) << "the ladder's bars are in the DOM";
  EXPECT_TRUE(has(d.out, "</svg>"));

  const std::string png = dir_->file("shot.png");
  std::vector<std::string> shot = common;
  shot.push_back("--screenshot=" + png);
  shot.push_back("--window-size=1200,2000");
  shot.push_back("file://" + html_);
  const Outcome s = run_program(shot, {"HOME=" + dir_->path()});
  ASSERT_EQ(s.exit_code, 0) << s.err;
  std::error_code ec;
  const auto size = std::filesystem::file_size(png, ec);
  ASSERT_FALSE(ec) << "no screenshot at " << png << ": " << s.err;
  EXPECT_GT(size, 1000u);
  EXPECT_EQ(slurp(png).substr(1, 3), "PNG");
}

}  // namespace
