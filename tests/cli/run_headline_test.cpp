// End to end: the main job, `illusion run --quick --json --html --md`, on this machine. One run
// (about 11 s here) feeds every check: the console's ladder and commentary, the three files, the
// round trip through `report` and `compare`, and a temp directory left as it was found. One test,
// not one per check: ctest runs each test in its own process, so each would repeat the run.
// Structure and counts only; never a timing.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <memory>
#include <set>
#include <string>

#include "core/runner.h"
#include "mmap_vs_read/lab.h"
#include "processes/lab.h"
#include "scheduling/lab.h"
#include "support/files.h"
#include "support/subprocess.h"
#include "syscalls/lab.h"
#include "vm/lab.h"

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
  const std::vector<illusion::core::Lab> labs = {
      illusion::labs::processes::lab(), illusion::labs::syscalls::lab(), illusion::labs::vm::lab(),
      illusion::labs::mmap_vs_read::lab(), illusion::labs::scheduling::lab()};
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
  for (const char* id :
       {"syscall_vs_call", "process_vs_thread", "first_touch", "page_cache_illusion",
        "context_switch_cost", "amortised_costs", "kernel_bypass", "hot_path"})
    EXPECT_TRUE(insights.count(id)) << "no " << id << " insight";
}

void expect_markdown_and_html(const HeadlineRun& run) {
  const std::string md = slurp(run.dir.file("run.md"));
  EXPECT_NE(md.find("## Cost ladder"), std::string::npos);
  EXPECT_NE(md.find("## Commentary"), std::string::npos);
  EXPECT_NE(md.find("| operation |"), std::string::npos);
  const std::string html = slurp(run.dir.file("run.html"));
  EXPECT_EQ(html.rfind("<!DOCTYPE html>", 0), 0u);
  EXPECT_NE(html.find("<h2>Cost ladder</h2>"), std::string::npos);
  // The ladder, wake-up CDFs, first touch, throughput vs buffer, fork vs size, working set.
  EXPECT_GE(count_of(html, "<svg"), 6u);
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
  EXPECT_NE(compare.out.find("within noise"), std::string::npos);
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
