// How well runs repeat: the CV of each row's p50 across runs, what is left out, the counts.
#include "report/stability.h"

#include <cmath>
#include <sstream>

#include <gtest/gtest.h>

namespace illusion::report {
namespace {

core::Result row(const std::string& id, double p50, double wall_s = 1.0) {
  core::Result r;
  r.id = id;
  r.lab = id.substr(0, id.find('.'));
  r.unit = "ns/op";
  core::Stats s;
  s.n = 100;
  s.p50 = p50;
  r.stats = s;
  r.wall_s = wall_s;
  return r;
}

RunRecord run(double duration, std::vector<core::Result> results) {
  RunRecord rec;
  rec.duration_s = duration;
  rec.results = std::move(results);
  return rec;
}

TEST(Stability, CvIsTheSampleStandardDeviationOfTheP50sOverTheirMean) {
  const auto s = stability(
      {run(10, {row("a.x", 100)}), run(11, {row("a.x", 110)}), run(12, {row("a.x", 90)})});
  ASSERT_EQ(s.rows.size(), 1u);
  ASSERT_TRUE(s.rows[0].cv);
  EXPECT_NEAR(*s.rows[0].cv, 0.10, 1e-12);  // sd 10 (n - 1) over mean 100
  EXPECT_EQ(s.with_cv, 1u);
  EXPECT_EQ(s.within_stable, 0u);
  EXPECT_EQ(s.within_usable, 1u);  // 10% is within "within 10%"
  EXPECT_EQ(s.durations_s, (std::vector<double>{10, 11, 12}));
}

TEST(Stability, ARowOneRunLacksIsShownWithAGapAndJudgedOnTheOthers) {
  core::Result skipped = row("a.y", 0);
  skipped.status = core::Status::skipped;
  const auto s = stability({run(1, {row("a.x", 100), row("a.y", 50)}),
                            run(1, {row("a.x", 100), skipped}), run(1, {row("a.x", 100)})});
  ASSERT_EQ(s.rows.size(), 2u);
  EXPECT_FALSE(s.rows[1].p50[1]);  // skipped: no p50, never 0
  EXPECT_FALSE(s.rows[1].p50[2]);  // absent
  EXPECT_FALSE(s.rows[1].cv);      // one value left: no CV
  EXPECT_EQ(s.with_cv, 1u);
  EXPECT_EQ(s.within_stable, 1u);
}

TEST(Stability, AMeanAtOrBelowZeroHasNoCv) {
  const auto s = stability({run(1, {row("a.x", -5)}), run(1, {row("a.x", 5)})});
  EXPECT_FALSE(s.rows[0].cv);
  EXPECT_EQ(s.with_cv, 0u);
  EXPECT_FALSE(s.median_cv);
}

TEST(Stability, TheSummaryCountsAndTheWorstRowComesFirst) {
  const auto s = stability({run(70.6, {row("a.steady", 100, 2), row("b.noisy", 100, 4)}),
                            run(73.1, {row("a.steady", 101, 2), row("b.noisy", 200, 6)})});
  const std::string summary = stability_summary(s);
  EXPECT_NE(summary.find("1 of 2 rows within 3% CV, 1 within 10%"), std::string::npos) << summary;
  EXPECT_NE(summary.find("runs took 70.6 s, 73.1 s"), std::string::npos) << summary;
  std::ostringstream out;
  write_stability(out, s, {"one.json", "two.json"});
  EXPECT_LT(out.str().find("b.noisy"), out.str().find("a.steady")) << out.str();
  ASSERT_EQ(s.labs.size(), 2u);
  EXPECT_EQ(s.labs[0].lab, "a");
  EXPECT_DOUBLE_EQ(s.labs[0].mean_s, 2);
  EXPECT_DOUBLE_EQ(s.labs[1].mean_s, 5);
  std::ostringstream md;
  write_stability_markdown(md, s, {"one.json", "two.json"});
  EXPECT_NE(md.str().find("| `b.noisy` |"), std::string::npos);
  EXPECT_NE(md.str().find("| a | 2.0 s |"), std::string::npos) << md.str();
}

}  // namespace
}  // namespace illusion::report
