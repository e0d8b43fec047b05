// The legend lists what the report uses, once: a mark only when some row carries it, a term only
// when some row's text names it (issue 22: the same notes sat under every lab table).
#include "report/legend.h"

#include <gtest/gtest.h>

#include <sstream>
#include <string>

#include "report/console.h"
#include "report/markdown.h"
#include "synthetic.h"

namespace illusion::report {
namespace {

bool lists(const std::vector<LegendEntry>& entries, const std::string& term) {
  for (const LegendEntry& e : entries)
    if (e.term == term) return true;
  return false;
}

RunRecord run_of(std::vector<core::Result> results) {
  RunRecord r;
  r.results = std::move(results);
  return r;
}

TEST(Legend, ListsOnlyWhatTheReportUses) {
  core::Result plain = testing::make_result("syscalls.a", 100);
  plain.meaning = "a plain row";
  const auto bare = legend(run_of({plain}));
  EXPECT_TRUE(lists(bare, "p50, p99, max"));
  EXPECT_FALSE(lists(bare, "PSS"));
  EXPECT_FALSE(lists(bare, "VmPTE"));
  EXPECT_FALSE(lists(bare, "*"));  // no counter fell back to getrusage
  core::Result pss = plain;
  pss.id = "processes.b";
  pss.lab = "processes";
  pss.meaning = "children's PSS grows while VmPTE stays";
  const auto named = legend(run_of({plain, pss}));
  EXPECT_TRUE(lists(named, "PSS"));
  EXPECT_TRUE(lists(named, "VmPTE"));
  EXPECT_FALSE(lists(named, "fault-around"));
}

// The console and the Markdown open with it, before the first table.
TEST(Legend, OpensTheConsoleAndTheMarkdown) {
  core::Result r = testing::make_result("syscalls.a", 100);
  r.meaning = "a plain row";
  const RunRecord run = run_of({r});
  std::ostringstream console, markdown;
  write_console(console, run);
  write_markdown(markdown, run);
  EXPECT_LT(console.str().find("Legend\n  p50, p99, max:"), console.str().find("syscalls"));
  EXPECT_LT(markdown.str().find("**Legend.** p50, p99, max:"), markdown.str().find("## "));
}

TEST(Legend, RunHelpListsTheMarks) {
  const std::string text = legend_help_text();
  EXPECT_NE(text.find("p50, p99, max"), std::string::npos);
  EXPECT_NE(text.find("† after a p99"), std::string::npos);
}

}  // namespace
}  // namespace illusion::report
