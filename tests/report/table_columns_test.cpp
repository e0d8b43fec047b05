// The lab table shows a counter column only when some row has that counter: on a host without
// tracefs no row counts syscalls, and a column of "—" in every row says nothing. The note under
// the table says which columns were left out; with one row counting, the column is back and
// the rows without a count show "—".
#include <algorithm>

#include <gtest/gtest.h>

#include "report/cells.h"

namespace illusion::report {
namespace {

core::Result row(const std::string& name, std::vector<core::CounterValue> counters) {
  core::Result r;
  r.id = "lab." + name;
  r.lab = "lab";
  r.unit = "ns/op";
  r.stats = core::compute_stats(std::vector<double>(50, 100.0));
  r.counters = std::move(counters);
  return r;
}

bool has_header(const std::vector<std::string>& headers, const std::string& name) {
  return std::find(headers.begin(), headers.end(), name) != headers.end();
}

TEST(TableColumns, ACounterNoRowHasIsLeftOutAndNamed) {
  const core::Result a = row("a", {{"page_faults", 0.0}, {"context_switches", 1.0}});
  const core::Result b = row("b", {{"page_faults", 2.0}, {"syscalls", std::nullopt}});
  const std::vector<const core::Result*> results{&a, &b};
  const TableColumns columns = table_columns(results);
  EXPECT_TRUE(columns.faults);
  EXPECT_TRUE(columns.switches);
  EXPECT_FALSE(columns.syscalls);
  EXPECT_FALSE(columns.throughput);
  const auto headers = lab_table_headers(columns);
  EXPECT_FALSE(has_header(headers, "syscalls"));
  EXPECT_FALSE(has_header(headers, "GB/s"));
  std::vector<RowCells> rows;
  for (const core::Result* r : results) {
    rows.push_back(lab_table_row(*r, columns));
    EXPECT_EQ(rows.back().cells.size(), headers.size());
  }
  EXPECT_NE(lab_table_note(rows, columns).find("no row counted syscalls, so that column is left out"),
            std::string::npos)
      << lab_table_note(rows, columns);
}

TEST(TableColumns, OneRowWithACountBringsTheColumnBack) {
  const core::Result a = row("a", {{"syscalls", 1.0}});
  const core::Result b = row("b", {});
  const std::vector<const core::Result*> results{&a, &b};
  const TableColumns columns = table_columns(results);
  ASSERT_TRUE(columns.syscalls);
  const auto headers = lab_table_headers(columns);
  ASSERT_TRUE(has_header(headers, "syscalls"));
  EXPECT_EQ(lab_table_row(a, columns).cells.back(), "1.00");
  EXPECT_EQ(lab_table_row(b, columns).cells.back(), "—");
  EXPECT_EQ(lab_table_row(b, columns).cells.size(), headers.size());
  const std::string note = lab_table_note({lab_table_row(a, columns)}, columns);
  EXPECT_EQ(note.find("syscalls, so"), std::string::npos) << note;
  EXPECT_NE(note.find("no row counted faults or context switches, so those columns"),
            std::string::npos)
      << note;
}

}  // namespace
}  // namespace illusion::report
