// End to end: `run ... --json R --html H` writes a self-contained HTML report with inline SVG,
// `report R --html H2` writes it from the saved run (and nothing on stdout), a bad --html path
// is refused before any work, and when Debian's chromium is installed a headless browser loads
// the page, finds the svg elements in the DOM, renders a non-empty screenshot and a PDF, and
// lays the page out at a phone's 390 px and a desktop's 1280 px, light and dark, with nothing
// wider than the window. Everything happens in a private directory under $TMPDIR (or /tmp),
// removed at the end.
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <fmt/format.h>

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
  EXPECT_TRUE(has(html, "<th scope=\"row\">getppid_raw</th>"));
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
  EXPECT_TRUE(has(d.out, "<rect class=\"bar s0\"")) << "the ladder's bars are in the DOM";
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

// What a test-only copy of the report measures in the browser once laid out: the right edge
// of the rightmost box that no scrolling box clips (a wide table inside its own scroller does
// not count; one that widens the page does), and the computed page and chart-text colours.
// The report itself has no script; the copy appends one that writes its findings into the DOM,
// which --dump-dom prints. Headless Chromium's window is at least 500 px wide, so a narrower
// width is set on the root element instead: the page then lays out as on a phone that wide.
struct Layout {
  int right_edge = -1;
  std::string background, chart_text;
};

constexpr const char* kProbe =
    "<script>const clipped=e=>{for(let a=e.parentElement;a&&a!==document.body;"
    "a=a.parentElement)if(getComputedStyle(a).overflowX!=='visible')return true;return false;};"
    "let right=0;for(const e of document.body.querySelectorAll('*')){"
    "const r=e.getBoundingClientRect();if(r.width>0&&r.right>right&&!clipped(e))right=r.right;}"
    "const t=document.querySelector('svg text');"
    "document.body.setAttribute('data-probe',[Math.ceil(right),"
    "getComputedStyle(document.body).backgroundColor,t?getComputedStyle(t).fill:''].join('|'));"
    "</script>";

Layout lay_out(const std::string& html_path, const ScratchDir& dir, int width, bool dark) {
  const std::string copy =
      dir.file(fmt::format("layout-{}-{}.html", width, dark ? "dark" : "light"));
  std::string page = slurp(html_path);
  std::string probe = kProbe;
  if (width < 500) probe = fmt::format("<style>html{{width:{}px}}</style>", width) + probe;
  page.insert(page.rfind("</body>"), probe);
  { std::ofstream(copy) << page; }
  std::vector<std::string> cmd = {"timeout",
                                  "60",
                                  kChromium,
                                  "--headless",
                                  "--no-sandbox",
                                  "--disable-gpu",
                                  "--no-first-run",
                                  "--hide-scrollbars",
                                  "--user-data-dir=" + dir.file("chromium-profile"),
                                  fmt::format("--window-size={},900", std::max(width, 500)),
                                  "--dump-dom"};
  // Blink's preferred colour scheme: 0 is dark (what prefers-color-scheme then matches).
  if (dark) cmd.push_back("--blink-settings=preferredColorScheme=0");
  cmd.push_back("file://" + copy);
  const Outcome o = run_program(cmd, {"HOME=" + dir.path()});
  std::filesystem::remove(copy);
  Layout l;
  const std::size_t at = o.out.find("data-probe=\"");
  if (o.exit_code != 0 || at == std::string::npos) return l;
  std::stringstream fields(o.out.substr(at + 12, o.out.find('"', at + 12) - at - 12));
  std::string f;
  std::getline(fields, f, '|');
  l.right_edge = std::stoi(f);
  std::getline(fields, l.background, '|');
  std::getline(fields, l.chart_text, '|');
  return l;
}

TEST_F(HtmlCli, FitsAPhoneAndADesktopInLightAndDark) {
  if (access(kChromium, X_OK) != 0)
    GTEST_SKIP() << kChromium << " is absent (Debian package 'chromium'): no layout check";
  ASSERT_EQ(run_->exit_code, 0) << run_->err;
  for (int width : {390, 1280})
    for (bool dark : {false, true}) {
      SCOPED_TRACE(fmt::format("{} px, {}", width, dark ? "dark" : "light"));
      const Layout l = lay_out(html_, *dir_, width, dark);
      ASSERT_GT(l.right_edge, 0) << "the browser reported no layout";
      // Nothing widens the page: wide tables scroll in their own box, charts shrink.
      EXPECT_LE(l.right_edge, width);
      if (dark) {
        EXPECT_EQ(l.background, "rgb(20, 20, 20)");
        EXPECT_EQ(l.chart_text, "rgb(232, 232, 232)") << "chart text stays readable on dark";
      } else {
        EXPECT_EQ(l.background, "rgb(255, 255, 255)");
        EXPECT_EQ(l.chart_text, "rgb(27, 27, 27)");
      }
    }
}

TEST_F(HtmlCli, PrintsToPdf) {
  if (access(kChromium, X_OK) != 0)
    GTEST_SKIP() << kChromium << " is absent (Debian package 'chromium'): no print check";
  ASSERT_EQ(run_->exit_code, 0) << run_->err;
  const std::string pdf = dir_->file("report.pdf");
  const Outcome o =
      run_program({"timeout", "60", kChromium, "--headless", "--no-sandbox", "--disable-gpu",
                   "--no-first-run", "--user-data-dir=" + dir_->file("chromium-profile"),
                   "--print-to-pdf=" + pdf, "file://" + html_},
                  {"HOME=" + dir_->path()});
  ASSERT_EQ(o.exit_code, 0) << o.err;
  EXPECT_EQ(slurp(pdf).substr(0, 5), "%PDF-");
}

}  // namespace
