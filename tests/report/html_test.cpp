// The HTML report: the same content as the Markdown one, escaped, self-contained, with one
// inline <svg> per chart whose data the run holds and none for the others.
#include "report/html.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "report/svg_chart.h"
#include "report/synthetic.h"

namespace illusion::report {
namespace {

using testing::has;
using testing::make_result;
using testing::make_skipped;

std::size_t count(const std::string& text, const std::string& part) {
  std::size_t n = 0;
  for (std::size_t at = text.find(part); at != std::string::npos; at = text.find(part, at + 1)) ++n;
  return n;
}

std::string html_of(const RunRecord& record) {
  std::ostringstream out;
  write_html(out, record);
  return out.str();
}

RunRecord base_record() {
  RunRecord r;
  r.tool_version = "9.9.9";
  r.profile = "quick";
  r.started_at = "2026-01-01T00:00:00Z";
  r.duration_s = 1.5;
  r.env.kernel = "6.1.0-test";
  r.env.cpu_model = "Test CPU";
  r.env.online_cpus = 4;
  r.env.allowed_cpus = 4;
  r.labs = {{"syscalls", "Syscalls", "What does a syscall cost?"}};
  return r;
}

core::Result with_series(core::Result r, const std::string& name,
                         std::vector<std::pair<double, double>> points,
                         const std::string& x_unit = "ns", const std::string& y_unit = "ns") {
  r.series.push_back({name, x_unit, y_unit, std::move(points)});
  return r;
}

std::vector<std::pair<double, double>> cdf_points() {
  return {{1e3, 0.1}, {5e3, 0.5}, {2e4, 0.9}, {1e5, 1.0}};
}

TEST(EscapeHtml, EscapesTheFiveCharacters) {
  EXPECT_EQ(escape_html("a&b<c>d\"e'f"), "a&amp;b&lt;c&gt;d&quot;e&#39;f");
  EXPECT_EQ(escape_html("plain"), "plain");
}

TEST(Html, IsOneDocumentWithTheTablesAndNoCharts) {
  RunRecord record = base_record();
  core::Result r = make_result("syscalls.other_call", 50);
  r.meaning = "fifty nanoseconds";
  record.results = {r, make_skipped("syscalls.skipped_one", "no perf here")};
  const std::string html = html_of(record);
  EXPECT_EQ(html.rfind("<!DOCTYPE html>", 0), 0u);
  EXPECT_TRUE(has(html, "</html>"));
  EXPECT_TRUE(has(html, "illusion 9.9.9")) << html;
  EXPECT_TRUE(has(html, "6.1.0-test"));
  EXPECT_TRUE(has(html, "Syscalls (syscalls)"));
  // Column headers and row headers are marked as such, for screen readers.
  EXPECT_TRUE(has(html, "<th scope=\"col\">experiment</th>")) << html;
  EXPECT_TRUE(has(html, "<th scope=\"row\">other_call</th>")) << html;
  EXPECT_TRUE(has(html, "<caption>Syscalls: one row per experiment</caption>")) << html;
  EXPECT_TRUE(has(html, "fifty nanoseconds"));
  EXPECT_TRUE(has(html, "skipped: no perf here"));
  // No chart data: no svg at all (other_call is not on the ladder).
  EXPECT_EQ(count(html, "<svg"), 0u) << html;
  EXPECT_FALSE(has(html, "<script"));
}

TEST(Html, OneSvgPerChartWhoseDataIsPresent) {
  RunRecord record = base_record();
  record.results = {make_result("syscalls.function_call", 1.2),
                    make_result("syscalls.getppid_raw", 80)};
  EXPECT_EQ(count(html_of(record), "<svg"), 1u);  // the ladder only

  record.results.push_back(
      with_series(make_result("scheduling.wakeup_idle", 60000), "cdf", cdf_points()));
  record.results.push_back(
      with_series(make_result("scheduling.wakeup_loaded", 90000), "cdf", cdf_points()));
  EXPECT_EQ(count(html_of(record), "<svg"), 2u);

  record.results.push_back(with_series(make_result("vm.first_touch", 300), "first_touch_timeline",
                                       {{0, 250}, {1, 300}, {2, 4000}}, "page", "ns"));
  record.results.push_back(with_series(make_result("mmap_vs_read.read_sweep_warm", 100),
                                       "throughput_vs_buffer", {{4, 1.0}, {64, 5.0}, {1024, 8.0}},
                                       "KiB", "GB/s"));
  record.results.push_back(with_series(make_result("processes.fork_vs_size", 100000),
                                       "latency_vs_size", {{0, 50}, {256, 900}, {1024, 3500}},
                                       "MiB", "us"));
  core::Result reach = make_result("vm.tlb_reach", 5);
  reach.series.push_back({"latency_vs_working_set_4k", "KiB", "ns", {{16, 1.5}, {65536, 90}}});
  reach.series.push_back({"latency_vs_working_set_huge", "KiB", "ns", {{16, 1.5}, {65536, 40}}});
  record.results.push_back(reach);
  const std::string html = html_of(record);
  EXPECT_EQ(count(html, "<svg"), 6u) << html;
  EXPECT_EQ(count(html, "</svg>"), 6u);
  for (const char* title : {"Cost ladder", "Wake-up lateness", "First-touch fault timeline",
                            "Read throughput vs buffer size", "latency vs parent size",
                            "Load latency vs working-set size"})
    EXPECT_TRUE(has(html, title)) << title;
  // Several lines: a legend naming them.
  EXPECT_TRUE(has(html, ">wakeup_idle</text>")) << html;
  EXPECT_TRUE(has(html, ">wakeup_loaded</text>"));
  EXPECT_TRUE(has(html, ">huge pages</text>"));
  EXPECT_TRUE(has(html, "(log scale)"));
}

TEST(Html, ASeriesWithOnlyNonFinitePointsDrawsNothing) {
  RunRecord record = base_record();
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const double inf = std::numeric_limits<double>::infinity();
  core::Result wake = with_series(make_result("scheduling.wakeup_idle", 1), "cdf",
                                  {{nan, 0.5}, {inf, 1.0}, {-5, 0.2}});
  // The wake-up chart plots the row's percentiles: none of them finite either.
  for (double* v : {&wake.stats->p50, &wake.stats->p90, &wake.stats->p99, &wake.stats->p999,
                    &wake.stats->max})
    *v = nan;
  record.results = {wake};
  EXPECT_EQ(count(html_of(record), "<svg"), 0u);
}

TEST(Html, NonFiniteValuesAreSkippedNeverDrawn) {
  RunRecord record = base_record();
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const double inf = std::numeric_limits<double>::infinity();
  core::Result wake = with_series(make_result("scheduling.wakeup_idle", 1000), "cdf",
                                  {{1e3, 0.1}, {nan, 0.5}, {inf, 0.7}, {1e4, nan}, {1e5, 1.0}});
  core::Result nan_ladder = make_result("syscalls.getppid_raw", 1);
  nan_ladder.stats->p50 = nan;
  record.results = {wake, nan_ladder, make_result("syscalls.function_call", 1.0),
                    make_result("syscalls.vdso_clock_gettime", 20)};
  const std::string html = html_of(record);
  EXPECT_EQ(count(html, "<svg"), 2u) << html;
  std::string svg;
  for (std::size_t at = html.find("<svg"); at != std::string::npos; at = html.find("<svg", at + 1))
    svg += html.substr(at, html.find("</svg>", at) - at);
  std::string lower = svg;
  std::transform(lower.begin(), lower.end(), lower.begin(), ::tolower);
  EXPECT_FALSE(has(lower, "nan")) << svg;
  EXPECT_FALSE(has(lower, "inf")) << svg;
}

TEST(Html, HostileStringsAreEscaped) {
  const std::string evil = "<script>alert('x')</script>&\"";
  RunRecord record = base_record();
  record.env.kernel = evil;
  record.env.cpu_model = evil;
  record.env.caveats = {evil};
  record.selection = {evil};
  record.labs = {{"syscalls", evil, evil}};
  core::Result ok = make_result("syscalls.function_call", 2);
  ok.meaning = evil;
  ok.warnings = {evil};
  core::Result skipped = make_skipped("syscalls.x", evil);
  core::Result wake =
      with_series(make_result("scheduling.wakeup_idle", 1000), "cdf", cdf_points(), evil, evil);
  record.results = {ok, skipped, wake};
  record.insights = {{"id", evil, {}}};
  const std::string html = html_of(record);
  EXPECT_FALSE(has(html, "<script")) << html;
  EXPECT_FALSE(has(html, "alert('x')"));
  EXPECT_TRUE(has(html, "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;&amp;&quot;")) << html;
  EXPECT_GE(count(html, "&lt;script&gt;"), 7u);
}

TEST(Html, ReferencesNoExternalResource) {
  RunRecord record = base_record();
  record.results = {make_result("syscalls.function_call", 1.2),
                    with_series(make_result("scheduling.wakeup_idle", 1000), "cdf", cdf_points())};
  const std::string html = html_of(record);
  EXPECT_FALSE(has(html, "http://")) << html;
  EXPECT_FALSE(has(html, "https://"));
  EXPECT_FALSE(has(html, "<script"));
  EXPECT_FALSE(has(html, "<link"));
  EXPECT_FALSE(has(html, "@import"));
  EXPECT_FALSE(has(html, "src="));
}

TEST(Html, ReadsOnPhonesInDarkModeAndInPrint) {
  RunRecord record = base_record();
  record.results = {make_result("syscalls.function_call", 1.2),
                    make_result("syscalls.getppid_raw", 80),
                    with_series(make_result("scheduling.wakeup_idle", 1000), "cdf", cdf_points()),
                    with_series(make_result("scheduling.wakeup_loaded", 900), "cdf", cdf_points())};
  const std::string html = html_of(record);
  // Phones: the page lays out at the device's width, charts shrink with their viewBox and
  // tables scroll in their own box.
  EXPECT_TRUE(
      has(html, "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"));
  EXPECT_TRUE(has(html, "svg.chart { max-width: 100%; height: auto;"));
  EXPECT_EQ(count(html, "<div class=\"scroll\"><table>"), count(html, "<table>"));
  // Dark mode: colours come from custom properties with a dark palette on screen; the charts'
  // markup names classes, never a colour of its own.
  EXPECT_TRUE(has(html, "color-scheme: light dark"));
  EXPECT_TRUE(has(html, "@media screen and (prefers-color-scheme: dark)"));
  std::string svg;
  for (std::size_t at = html.find("<svg"); at != std::string::npos; at = html.find("<svg", at + 1))
    svg += html.substr(at, html.find("</svg>", at) - at);
  EXPECT_FALSE(std::regex_search(svg, std::regex("#[0-9a-fA-F]{3,6}\\b"))) << svg;
  // Print: light, a lab per page, charts whole.
  EXPECT_TRUE(has(html, "@media print"));
  // Every chart says what it shows in text, and a line chart carries its numbers as a table.
  EXPECT_EQ(count(html, "<desc>"), count(html, "<svg"));
  EXPECT_TRUE(has(html, "<desc>2 series; x: percentile")) << html;
  EXPECT_EQ(count(html, "<details class=\"data\">"), 1u);  // the CDF; the ladder has its table
  // Series differ by dash and marker too, not by colour alone.
  EXPECT_TRUE(has(svg, "class=\"line s0\""));
  EXPECT_TRUE(has(svg, "class=\"line s1\""));
  EXPECT_TRUE(has(html, "svg .line.s1, svg .key.s1 { stroke-dasharray"));
}

TEST(Html, SpreadShowsSampleSizeAndMarksTailsTheSamplesCannotReach) {
  RunRecord record = base_record();
  core::Result many = make_result("syscalls.other_call", 50);  // n = 100: p99 reachable
  core::Result few = make_result("syscalls.slow_call", 5000);
  few.stats->n = 30;  // a p99 of 30 samples is their largest
  record.results = {many, few};
  const std::string html = html_of(record);
  EXPECT_TRUE(has(html, "<caption>Syscalls: spread and sample size</caption>")) << html;
  for (const char* column : {">n</th>", ">p90</th>", ">p99.9</th>", ">mean ± sd</th>",
                             ">outliers</th>", ">samples are</th>"})
    EXPECT_TRUE(has(html, column)) << column;
  EXPECT_TRUE(has(html, "<th scope=\"row\">slow_call</th><td class=\"num\">single ops</td>"
                        "<td class=\"num\">30</td>"))
      << html;
  // p99 of 30 samples and p99.9 of 100 are marked, in the spread table and the main table.
  EXPECT_TRUE(has(html, "7.50 µs†")) << html;   // slow_call's p99
  EXPECT_TRUE(has(html, "82.5 ns†")) << html;   // other_call's p99.9 (n = 100)
  EXPECT_FALSE(has(html, "75.0 ns†")) << html;  // other_call's p99 is reachable
  EXPECT_TRUE(has(html, "fewer than 100 single-operation samples")) << html;
}

TEST(Html, ContentsChartsInTheirLabWarningsUnderTheirRowLongTextFolded) {
  RunRecord record = base_record();
  record.labs.push_back({"scheduling", "Scheduling", "Who runs when?"});
  core::Result call = make_result("syscalls.function_call", 1.2);
  call.warnings = {"only this row saw it", "every row saw it"};
  core::Result ppid = make_result("syscalls.getppid_raw", 80);
  ppid.warnings = {"every row saw it"};
  core::Result wake = with_series(make_result("scheduling.wakeup_idle", 1000), "cdf", cdf_points());
  wake.warnings = {"every row saw it"};
  record.results = {call, ppid, wake};
  const std::string long_text =
      "The first clause of a long paragraph, which is the summary: then many more words follow "
      "that only a reader who opens it needs, about the figures, their causes and what to do.";
  record.insights = {{"long", long_text, {}}, {"short", "A short one.", {}}};
  const std::string html = html_of(record);
  for (const char* link : {"href=\"#ladder\"", "href=\"#commentary\"", "href=\"#lab-syscalls\"",
                           "href=\"#lab-scheduling\"", "href=\"#warnings\""})
    EXPECT_TRUE(has(html, link)) << link << "\n" << html;
  for (const char* anchor : {"id=\"ladder\"", "id=\"lab-syscalls\"", "id=\"lab-scheduling\"",
                             "id=\"commentary\"", "id=\"warnings\""})
    EXPECT_TRUE(has(html, anchor)) << anchor;
  // The wake-up chart sits in the scheduling lab's section, the ladder chart with the ladder.
  const std::size_t lab = html.find("id=\"lab-scheduling\"");
  const std::size_t chart = html.find("Wake-up lateness by percentile</title>");
  ASSERT_NE(chart, std::string::npos);
  EXPECT_GT(chart, lab);
  EXPECT_LT(html.find("Cost ladder: p50 per operation"), html.find("id=\"commentary\""));
  // A warning of one row sits under that row; one that three rows gave is listed once at the
  // end with where it came from.
  EXPECT_LT(html.find("only this row saw it"), html.find("id=\"lab-scheduling\""));
  EXPECT_EQ(count(html, "every row saw it"), 1u);
  EXPECT_GT(html.find("every row saw it"), html.find("id=\"warnings\""));
  // A long paragraph folds behind its first clause; a short one does not.
  EXPECT_TRUE(has(html, "<details><summary>The first clause of a long paragraph, which is the "
                        "summary …</summary>"))
      << html;
  EXPECT_TRUE(has(html, "<li>A short one.</li>"));
}

TEST(Html, WakeUpTailsAsANinesPlotOfWhatTheSamplesReach) {
  RunRecord record = base_record();
  core::Result many = with_series(make_result("scheduling.wakeup_idle", 30e3), "cdf", cdf_points());
  many.stats->n = 1000;  // reaches p99.9
  core::Result fewer =
      with_series(make_result("scheduling.wakeup_loaded", 20e3), "cdf", cdf_points());
  fewer.stats->n = 995;  // does not
  record.results = {many, fewer};
  const std::string html = html_of(record);
  for (const char* tick : {">p50</text>", ">p90</text>", ">p99</text>", ">p99.9</text>",
                           ">max</text>", ">10 µs</text>"})
    EXPECT_TRUE(has(html, tick)) << tick << "\n" << html;
  // The folded data: idle has p50, p90, p99, p99.9 and max; loaded stops at p99, then max.
  EXPECT_TRUE(has(html, "<th scope=\"row\">wakeup_idle</th><td class=\"num\">p99.9</td>"));
  EXPECT_FALSE(has(html, "<th scope=\"row\">wakeup_loaded</th><td class=\"num\">p99.9</td>"));
  EXPECT_TRUE(has(html, "<th scope=\"row\">wakeup_loaded</th><td class=\"num\">max</td>"));
}

// One number format everywhere: a rare counter is "1 in …", never scientific notation; the
// JSON's ASCII "us" unit reads "µs"; no column is all dashes.
TEST(Html, NoScientificNotationNoAsciiMicroseconds) {
  RunRecord record = base_record();
  core::Result rare = make_result("syscalls.function_call", 1.2);
  rare.counters = {{"page_faults", 7e-07}, {"context_switches", 1e-05}};
  core::Result fork = make_result("processes.fork_vs_size", 300e3);
  fork.series.push_back({"latency_vs_size", "MiB", "us", {{0, 200}, {512, 15e3}, {1024, 30e3}}});
  core::Result vfork = make_result("processes.vfork_vs_size", 30e3);
  vfork.series.push_back({"latency_vs_size", "MiB", "us", {{0, 30}, {1024, 31}}});
  record.results = {rare, make_result("syscalls.getppid_raw", 80), fork, vfork};
  const std::string html = html_of(record);
  EXPECT_FALSE(std::regex_search(html, std::regex("[0-9]e[-+][0-9]"))) << html;
  EXPECT_FALSE(std::regex_search(html, std::regex("[0-9] us\\b|\\(us\\)"))) << html;
  EXPECT_TRUE(has(html, "1 in 1.43M")) << html;
  EXPECT_FALSE(has(html, ">syscalls</th>")) << "no row counted syscalls";
}

// The ladder's bars, in chart order: (label, width).
std::vector<std::pair<std::string, double>> bars_of(const std::string& html) {
  std::vector<std::pair<std::string, double>> out;
  const std::regex bar(
      "<text class=\"bar-label\"[^>]*>([^<]*)</text><rect class=\"bar[^\"]*\"[^>]* "
      "width=\"([0-9.]+)\"");
  for (auto it = std::sregex_iterator(html.begin(), html.end(), bar); it != std::sregex_iterator();
       ++it)
    out.emplace_back((*it)[1].str(), std::stod((*it)[2].str()));
  return out;
}

TEST(Html, LadderUsesALogScale) {
  RunRecord record = base_record();
  record.results = {
      make_result("syscalls.function_call", 1), make_result("syscalls.vdso_clock_gettime", 20),
      make_result("syscalls.getppid_raw", 100), make_result("processes.fork_exit", 100000),
      make_result("vm.major_fault", 1000000)};
  const std::string html = html_of(record);
  const auto bars = bars_of(html);
  ASSERT_EQ(bars.size(), 5u) << html;
  // Named as the ladder table names them.
  EXPECT_EQ(bars[0].first, "function call");
  EXPECT_EQ(bars[4].first, "major fault (file page from disk)");
  for (std::size_t i = 1; i < bars.size(); ++i) EXPECT_LT(bars[i - 1].second, bars[i].second);
  EXPECT_GT(bars[0].second, 0);
  // Log scale: equal ratios give equal steps (100 -> 100000 is 3 decades, 1 -> 1000 would be
  // too); linear would make the first three bars invisible next to the last.
  const double per_decade = (bars[4].second - bars[2].second) / 4;
  EXPECT_NEAR(bars[3].second - bars[2].second, 3 * per_decade, 1.0);
  EXPECT_NEAR(bars[2].second - bars[0].second, 2 * per_decade, 1.0);
  // A time axis: ticks in time units, not SI-scaled nanoseconds.
  EXPECT_TRUE(has(html, "p50 (log scale)"));
  EXPECT_TRUE(has(html, ">1 µs</text>")) << html;
  EXPECT_TRUE(has(html, ">1 ms</text>"));
  EXPECT_FALSE(has(html, ">1k</text>"));
}

TEST(Html, LadderBarsRunCheapestFirst) {
  RunRecord record = base_record();
  record.results = {make_result("syscalls.function_call", 5000),
                    make_result("syscalls.getppid_raw", 100), make_result("vm.major_fault", 7)};
  const auto bars = bars_of(html_of(record));
  ASSERT_EQ(bars.size(), 3u);
  EXPECT_EQ(bars[0].first, "major fault (file page from disk)");
  EXPECT_EQ(bars[1].first, "syscall (getppid)");
  EXPECT_EQ(bars[2].first, "function call");
}

TEST(SvgChart, LinearAxesEndAtTheDataAndTimeAxesReadAsTimes) {
  LineChart chart;
  chart.title = "t";
  chart.x_label = "parent size (MiB)";
  chart.y_label = "p50 latency";
  chart.y_time = true;
  chart.log_y = true;
  chart.lines = {{"fork", {{0, 200e3}, {512, 15e6}, {1024, 30e6}}},
                 {"vfork", {{0, 30e3}, {1024, 31e3}}}};
  std::ostringstream out;
  write_line_chart(out, chart);
  const std::string svg = out.str();
  EXPECT_TRUE(has(svg, ">1k</text>")) << svg;  // a tick inside the data...
  EXPECT_FALSE(has(svg, ">1.5k</text>")) << svg;  // ...and none past it
  EXPECT_TRUE(has(svg, ">10 µs</text>")) << svg;
  EXPECT_TRUE(has(svg, ">100 ms</text>")) << svg;
}

TEST(SvgChart, AxesHaveTicksAndUnits) {
  LineChart chart;
  chart.title = "T";
  chart.x_label = "buffer (KiB)";
  chart.y_label = "throughput (GB/s)";
  chart.log_x = true;
  chart.lines = {{"a", {{4, 1}, {4096, 9}}}};
  std::ostringstream out;
  write_line_chart(out, chart);
  const std::string svg = out.str();
  EXPECT_TRUE(has(svg, "buffer (KiB) (log scale)")) << svg;
  EXPECT_TRUE(has(svg, "throughput (GB/s)"));
  EXPECT_TRUE(has(svg, ">1</text>")) << svg;
  EXPECT_TRUE(has(svg, ">10k</text>")) << svg;
  EXPECT_TRUE(has(svg, ">0</text>")) << svg;
  EXPECT_TRUE(has(svg, ">10</text>")) << svg;
  EXPECT_FALSE(has(svg, "class=\"legend\""));  // one line: no legend
}

}  // namespace
}  // namespace illusion::report
