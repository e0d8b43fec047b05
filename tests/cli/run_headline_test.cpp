// End to end: the main job, `illusion run --quick --json --html --md`, on this machine. One run
// (about 11 s here) feeds every check: the console's ladder and commentary, the three files, the
// round trip through `report` and `compare`, and a temp directory left as it was found. One test,
// not one per check: ctest runs each test in its own process, so each would repeat the run.
// Structure and counts only; never a timing.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <cmath>
#include <memory>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "core/runner.h"
#include "labs/all_labs.h"
#include "support/files.h"
#include "support/subprocess.h"

using illusion::testing::run_illusion;
using illusion::testing::ScratchDir;
using illusion::testing::slurp;
using nlohmann::json;

namespace {

std::size_t count_of(const std::string& text, const std::string& part) {
  std::size_t n = 0;
  for (auto at = text.find(part); at != std::string::npos; at = text.find(part, at + 1)) ++n;
  return n;
}

bool row_ok(const json& doc, const std::string& id) {
  for (const json& e : doc.at("experiments"))
    if (e.at("id") == id) return e.at("status") == "ok";
  return false;
}

bool all_ok(const json& doc, const std::vector<std::string>& ids) {
  for (const std::string& id : ids)
    if (!row_ok(doc, id)) return false;
  return true;
}

// What each insight reads (src/report/commentary*.cpp): each group is a set of rows that must
// all be ok for that part of the sentence, and the rule speaks when at least `needed` groups
// have theirs. A row the host cannot run (the cold IO rows on tmpfs, a 1 GiB row on a small
// machine) is skipped, and the insights that need it stay silent.
struct InsightInputs {
  const char* id;
  std::vector<std::vector<std::string>> groups;
  std::size_t needed;
};

const std::vector<InsightInputs>& insight_inputs() {
  static const std::vector<InsightInputs> table = {
      {"syscall_vs_call", {{"syscalls.function_call", "syscalls.getppid_raw"}}, 1},
      {"process_vs_thread", {{"processes.pthread_create", "processes.fork_exit"}}, 1},
      {"first_touch", {{"vm.first_touch"}}, 1},
      {"page_cache_illusion", {{"mmap_vs_read.read_1m_warm", "mmap_vs_read.read_1m_cold"}}, 1},
      {"context_switch_cost",
       {{"scheduling.futex_same_cpu", "scheduling.pipe_threads_same_cpu"}},
       1},
      {"kernel_bypass", {{"mmap_vs_read.rand_pread_warm", "mmap_vs_read.rand_copy_warm"}}, 1},
      {"amortised_costs",
       {{"processes.pthread_create", "scheduling.futex_same_cpu"},
        {"syscalls.read_4k", "syscalls.read_1m"},
        {"syscalls.uring_batch_1", "syscalls.uring_batch_64"},
        {"vm.thp_fault"},
        {"vm.first_touch", "vm.map_populate"}},
       2},
      // The rule speaks only when some wait reaches 1% of a 90 Hz frame (111 µs): the first
      // touch of a fresh 64 MiB buffer, 16,384 faults, always does (6.8 ns a fault would not),
      // and it needs a second wait to set beside it.
      {"hot_path", {{"vm.fresh_64m_first_touch", "processes.pthread_create"}}, 1},
  };
  return table;
}

bool finite_positive(const json& v) {
  return v.is_number() && std::isfinite(v.get<double>()) && v.get<double>() > 0;
}

// Whether some row whose id starts with `prefix` carries a series named `series` (or starting
// with it, when `series_prefix`) with a point a chart with these axes can draw
// (src/report/svg_chart.cpp: finite, and positive on a log axis).
bool has_series(const json& doc, const std::string& prefix, const std::string& series,
                bool series_prefix, bool log_x, bool log_y) {
  auto drawable = [](const json& v, bool log) {
    return log ? finite_positive(v) : v.is_number() && std::isfinite(v.get<double>());
  };
  for (const json& e : doc.at("experiments")) {
    if (e.at("id").get<std::string>().rfind(prefix, 0) != 0 || !e.contains("series")) continue;
    for (const json& s : e.at("series")) {
      const std::string name = s.at("name");
      if (series_prefix ? name.rfind(series, 0) != 0 : name != series) continue;
      for (const json& p : s.at("points"))
        if (drawable(p.at(0), log_x) && drawable(p.at(1), log_y)) return true;
    }
  }
  return false;
}

// The charts the HTML report draws for this run (src/report/html_charts.cpp): the ladder
// when at least two rung rows have a median in ns (it is drawn beside its table), the
// wake-up percentiles when a wake-up row with its series has a finite positive p50, each other
// line chart when a row carries its series.
std::size_t charts_expected(const json& doc) {
  std::size_t n = 0, rungs = 0;
  for (const char* rung :
       {"syscalls.function_call", "syscalls.vdso_clock_gettime", "syscalls.getppid_raw",
        "scheduling.futex_same_cpu", "vm.first_touch", "processes.pthread_create",
        "processes.fork_exit", "mmap_vs_read.rand_pread_cold", "vm.major_fault"}) {
    for (const json& e : doc.at("experiments"))
      if (e.at("id") == rung && e.at("status") == "ok" && e.at("stats").is_object() &&
          e.at("unit").get<std::string>().rfind("ns", 0) == 0 &&
          finite_positive(e.at("stats").value("p50", json())))
        ++rungs;
  }
  n += rungs >= 2;
  bool wake = false;
  for (const json& e : doc.at("experiments"))
    wake = wake || (e.at("id").get<std::string>().rfind("scheduling.wakeup_", 0) == 0 &&
                    e.at("status") == "ok" && e.contains("series") && e.at("stats").is_object() &&
                    finite_positive(e.at("stats").value("p50", json())));
  n += wake;
  n += has_series(doc, "vm.", "first_touch_timeline", false, false, true);
  n += has_series(doc, "mmap_vs_read.read_sweep_", "throughput_vs_buffer", false, true, false);
  n += has_series(doc, "processes.", "latency_vs_size", false, false, true);
  n += has_series(doc, "vm.tlb_reach", "latency_vs_working_set", true, true, true);
  return n;
}

struct HeadlineRun {
  ScratchDir dir;
  illusion::testing::Outcome outcome;
  json doc;
};

void expect_console(const HeadlineRun& run) {
  const std::string& out = run.outcome.out;
  EXPECT_NE(out.find("Cost ladder"), std::string::npos) << out;
  EXPECT_NE(out.find("Commentary"), std::string::npos) << out;
  for (const char* title : {"Process vs Thread Reality Lab", "Syscall Cost Microscope",
                            "Virtual Memory & Page Fault Lab", "mmap vs read() IO Experiment",
                            "Scheduling & Affinity Lab"})
    EXPECT_NE(out.find(title), std::string::npos) << title;
  // Progress and the files written go to stderr, never into the results.
  EXPECT_NE(run.outcome.err.find("ETA"), std::string::npos) << run.outcome.err;
  EXPECT_EQ(out.find("ETA"), std::string::npos);
}

void expect_json(const HeadlineRun& run) {
  const json& doc = run.doc;
  ASSERT_FALSE(doc.is_discarded()) << "run.json is not valid JSON";
  EXPECT_EQ(doc.at("profile"), "quick");
  EXPECT_EQ(doc.at("complete"), true);
  const std::vector<illusion::core::Lab> labs = illusion::labs::all_labs();
  std::set<std::string> want, got, labs_seen;
  for (const auto& s : illusion::core::select_experiments(labs, {})) want.insert(s.experiment->id);
  for (const json& e : doc.at("experiments")) {
    const std::string id = e.at("id");
    got.insert(id);
    labs_seen.insert(e.at("lab").get<std::string>());
    EXPECT_NE(e.at("status"), "failed") << id << ": " << e.at("reason");
    if (e.at("status") == "skipped") {
      EXPECT_FALSE(e.at("reason").get<std::string>().empty()) << id;
    }
    EXPECT_GT(e.at("wall_s").get<double>(), 0) << id;
  }
  EXPECT_EQ(got, want);
  EXPECT_EQ(labs_seen.size(), 5u);
  std::set<std::string> insights;
  for (const json& in : doc.at("insights")) insights.insert(in.at("id").get<std::string>());
  // An insight speaks exactly when the rows it reads ran.
  for (const InsightInputs& in : insight_inputs()) {
    std::size_t ready = 0;
    for (const auto& group : in.groups) ready += all_ok(doc, group);
    const bool expected = ready >= in.needed;
    EXPECT_EQ(insights.count(in.id) == 1, expected)
        << in.id << ": " << ready << " of its input groups ran ok, " << in.needed << " needed";
  }
}

void expect_markdown_and_html(const HeadlineRun& run) {
  const std::string md = slurp(run.dir.file("run.md"));
  EXPECT_NE(md.find("## Cost ladder"), std::string::npos);
  EXPECT_NE(md.find("## Commentary"), std::string::npos);
  EXPECT_NE(md.find("| operation |"), std::string::npos);
  const std::string html = slurp(run.dir.file("run.html"));
  EXPECT_EQ(html.rfind("<!DOCTYPE html>", 0), 0u);
  EXPECT_NE(html.find("<h2>Cost ladder</h2>"), std::string::npos);
  // The ladder, wake-up CDFs, first touch, throughput vs buffer, fork vs size, working set:
  // each drawn when the JSON holds its rows' figures.
  EXPECT_EQ(count_of(html, "<svg"), charts_expected(run.doc));
  // A chart's row that ran carries its series, so a chart is missing only with its row.
  for (const auto& [row, series] : {std::pair{"vm.first_touch", "first_touch_timeline"},
                                    std::pair{"processes.fork_vs_size", "latency_vs_size"},
                                    std::pair{"vm.tlb_reach", "latency_vs_working_set"}})
    if (row_ok(run.doc, row)) {
      EXPECT_TRUE(has_series(run.doc, row, series, true, false, false)) << row << ": no " << series;
    }
  // Self-contained: no script, and nothing fetched from elsewhere.
  EXPECT_EQ(html.find("<script"), std::string::npos);
  EXPECT_EQ(html.find("src=\"http"), std::string::npos);
  EXPECT_EQ(html.find("href=\"http"), std::string::npos);
}

void expect_report_and_compare(const HeadlineRun& run) {
  const auto report = run_illusion({"report", run.dir.file("run.json")});
  ASSERT_EQ(report.exit_code, 0) << report.err;
  EXPECT_NE(report.out.find("Cost ladder"), std::string::npos);
  const auto compare =
      run_illusion({"compare", run.dir.file("run.json"), run.dir.file("run.json")});
  ASSERT_EQ(compare.exit_code, 0) << compare.err;
  EXPECT_NE(compare.out.find("no clear change"), std::string::npos);
  // A verdict ends its row; the footer's "Faster/slower" explains them.
  EXPECT_EQ(compare.out.find(" slower\n"), std::string::npos) << compare.out;
  EXPECT_EQ(compare.out.find(" faster\n"), std::string::npos) << compare.out;
}

}  // namespace

TEST(RunHeadline, QuickRunWritesEveryReportAndLeavesNothingBehind) {
  HeadlineRun run;
  std::filesystem::create_directory(run.dir.file("tmp"));
  run.outcome = run_illusion({"run", "--quick", "--json", run.dir.file("run.json"), "--html",
                              run.dir.file("run.html"), "--md", run.dir.file("run.md")},
                             {"TMPDIR=" + run.dir.file("tmp")});
  ASSERT_EQ(run.outcome.exit_code, 0) << run.outcome.err;
  run.doc = json::parse(slurp(run.dir.file("run.json")), nullptr, false);
  {
    SCOPED_TRACE("console");
    expect_console(run);
  }
  {
    SCOPED_TRACE("json");
    expect_json(run);
  }
  {
    SCOPED_TRACE("markdown and html");
    expect_markdown_and_html(run);
  }
  {
    SCOPED_TRACE("report and compare");
    expect_report_and_compare(run);
  }
  EXPECT_TRUE(illusion::testing::dir_entries(run.dir.file("tmp")).empty());
}
