// The lab table marks a p50 whose 95% interval is wider than ±1% ("~"), says so under the
// table, and the interval survives a JSON round trip.
#include <gtest/gtest.h>

#include "report/cells.h"
#include "report/json.h"

namespace illusion::report {
namespace {

core::Result row_with(std::vector<double> samples) {
  core::Result r;
  r.id = "lab.row";
  r.lab = "lab";
  r.title = "row";
  r.unit = "ns/op";
  r.stats = core::compute_stats(std::move(samples));
  return r;
}

TEST(MedianMark, ALooseMedianIsMarkedAndExplained) {
  std::vector<double> spread;
  for (int i = 0; i < 1000; ++i) spread.push_back(50 + i % 100);
  const RowCells loose = lab_table_row(row_with(spread), {});
  EXPECT_TRUE(loose.loose_median);
  EXPECT_EQ(loose.cells[1].back(), '~') << loose.cells[1];
  EXPECT_NE(lab_table_note({loose}, {}).find("wider than ±1%"), std::string::npos);
}

TEST(MedianMark, AFirmMedianIsNotAndNeitherIsItsNote) {
  const RowCells firm = lab_table_row(row_with(std::vector<double>(100, 80.0)), {});
  EXPECT_FALSE(firm.loose_median);
  EXPECT_EQ(firm.cells[1].find('~'), std::string::npos) << firm.cells[1];
  EXPECT_EQ(lab_table_note({firm}, {}).find("wider than"), std::string::npos);
}

TEST(MedianMark, TooFewSamplesForAnIntervalIsNotFirm) {
  EXPECT_TRUE(lab_table_row(row_with({1, 2, 3}), {}).loose_median);
}

TEST(MedianMark, TheIntervalRoundTripsThroughJson) {
  RunRecord rec;
  rec.tool_version = "0.1.0";
  rec.started_at = "2026-12-07T00:00:00Z";
  std::vector<double> v;
  for (int i = 1; i <= 100; ++i) v.push_back(i);
  rec.results.push_back(row_with(v));
  rec.results.push_back(row_with({1, 2, 3}));
  rec.results.back().id = "lab.few";
  const RunRecord back = run_from_json(to_json(rec));
  ASSERT_EQ(back.results.size(), 2u);
  EXPECT_DOUBLE_EQ(*back.results[0].stats->median_lo, 40);
  EXPECT_DOUBLE_EQ(*back.results[0].stats->median_hi, 61);
  EXPECT_FALSE(back.results[1].stats->median_lo);  // written as null, read as none
}

}  // namespace
}  // namespace illusion::report
