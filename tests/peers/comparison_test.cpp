// The verdict rules of `illusion verify --peers`, with favourable and unfavourable rounds.
#include "peers/comparison.h"

#include <cmath>
#include <limits>

#include <gtest/gtest.h>

namespace illusion::peers {
namespace {

Comparison pair(std::vector<double> illusion, std::vector<double> peer) {
  Comparison c;
  c.id = "test";
  c.illusion_row = "lab.row";
  c.peer = "peer";
  c.illusion_ns = std::move(illusion);
  c.peer_ns = std::move(peer);
  return c;
}

TEST(Judge, RatioWithinTenPercentAgrees) {
  const Judgement j = judge(pair({105, 106, 104}, {100, 100, 100}));
  EXPECT_EQ(j.verdict, Verdict::agrees);
  EXPECT_TRUE(j.within_tolerance);
  EXPECT_FALSE(j.ranges_overlap);
  ASSERT_TRUE(j.ratio);
  EXPECT_DOUBLE_EQ(*j.ratio, 1.05);
  EXPECT_DOUBLE_EQ(*j.illusion_ns, 105);
  EXPECT_DOUBLE_EQ(*j.illusion_lo, 104);
  EXPECT_DOUBLE_EQ(*j.illusion_hi, 106);
}

TEST(Judge, TheBoundaryIsInclusiveAndJustBeyondItDiffers) {
  EXPECT_EQ(judge(pair({110}, {100})).verdict, Verdict::agrees);
  EXPECT_EQ(judge(pair({90}, {100})).verdict, Verdict::agrees);
  EXPECT_EQ(judge(pair({110.5}, {100})).verdict, Verdict::differs);
  EXPECT_EQ(judge(pair({89.5}, {100})).verdict, Verdict::differs);
}

TEST(Judge, OverlappingRangesAgreeOutsideTheTolerance) {
  // Medians 150 vs 100 (1.5x), but one illusion round fell inside the peer's range.
  const Judgement j = judge(pair({120, 150, 200}, {80, 100, 125}));
  EXPECT_EQ(j.verdict, Verdict::agrees);
  EXPECT_FALSE(j.within_tolerance);
  EXPECT_TRUE(j.ranges_overlap);
  EXPECT_NE(j.reason.find("overlap"), std::string::npos);
}

TEST(Judge, DisjointRangesOutsideTheToleranceDiffer) {
  const Judgement j = judge(pair({200, 210, 220}, {100, 101, 102}));
  EXPECT_EQ(j.verdict, Verdict::differs);
  EXPECT_EQ(j.reason, "no method difference was measured that accounts for the gap");
}

TEST(Judge, ThePeersBucketWidthWidensItsRange) {
  // cyclictest p50 in the 36 µs bucket (36.5 ± 0.5 µs) against illusion's 37.2 µs: the ratio is
  // within 10% anyway; a tighter case: 40.9 µs against the bucket 36.5 is outside both.
  Comparison c = pair({37'200}, {36'500});
  c.peer_resolution_ns = 500;
  Judgement j = judge(c);
  EXPECT_DOUBLE_EQ(*j.peer_lo, 36'000);
  EXPECT_DOUBLE_EQ(*j.peer_hi, 37'000);
  c = pair({45'000, 46'000}, {40'500, 41'500});
  c.peer_resolution_ns = 500;
  j = judge(c);
  EXPECT_EQ(j.verdict, Verdict::differs);  // 45 µs vs [40, 42] µs, 1.1x
  c = pair({42'000, 46'000}, {40'500, 41'500});
  c.peer_resolution_ns = 500;
  EXPECT_TRUE(judge(c).ranges_overlap);  // 42 µs touches the bucket edge [41, 42]
}

TEST(Judge, MeasuredTermsThatCloseTheGapAreTheReasonButTheVerdictStaysDiffers) {
  Comparison c = pair({1'000}, {800});
  c.terms = {{"fio's own work", true, {10}}, {"the sum", false, {190}}};
  const Judgement j = judge(c);
  EXPECT_EQ(j.verdict, Verdict::differs);
  EXPECT_NE(j.reason.find("allowing for it, illusion's figure is 820 ns"), std::string::npos)
      << j.reason;
  EXPECT_NE(j.reason.find("the methods differ by what was measured"), std::string::npos);
  EXPECT_NE(j.reason.find("the sum (illusion's figure includes it) measured 190 ns"),
            std::string::npos);
}

TEST(Judge, MeasuredTermsThatDoNotCloseTheGapSaySo) {
  Comparison c = pair({2'000}, {800});
  c.terms = {{"the sum", false, {100}}};
  const Judgement j = judge(c);
  EXPECT_EQ(j.verdict, Verdict::differs);
  EXPECT_NE(j.reason.find("does not account for the gap"), std::string::npos) << j.reason;
  EXPECT_EQ(j.reason.find("the methods differ by"), std::string::npos);
}

TEST(Judge, ATermNeverMeasuredIsNoReason) {
  Comparison c = pair({2'000}, {800});
  c.terms = {{"the sum", false, {}}};
  EXPECT_EQ(judge(c).reason, "no method difference was measured that accounts for the gap");
}

TEST(Judge, AnUnavailablePeerIsNotCompared) {
  Comparison c = pair({}, {});
  c.unavailable = "fio is not installed";
  const Judgement j = judge(c);
  EXPECT_EQ(j.verdict, Verdict::not_compared);
  EXPECT_EQ(j.reason, "fio is not installed");
  EXPECT_FALSE(j.ratio);
}

TEST(Judge, ASideWithNoFigureIsNotComparedAndTheRoundNotesSayWhy) {
  Comparison c = pair({100}, {});
  c.round_notes = {"round 1: perf exited with status 1: boom"};
  Judgement j = judge(c);
  EXPECT_EQ(j.verdict, Verdict::not_compared);
  EXPECT_NE(j.reason.find("peer gave no figure"), std::string::npos);
  EXPECT_NE(j.reason.find("boom"), std::string::npos);
  EXPECT_TRUE(j.illusion_ns);  // what was measured is kept
  EXPECT_FALSE(j.peer_ns);     // never 0
  j = judge(pair({}, {100}));
  EXPECT_EQ(j.verdict, Verdict::not_compared);
  EXPECT_NE(j.reason.find("illusion gave no figure"), std::string::npos);
}

TEST(Judge, ANonPositiveOrNonFinitePeerFigureGivesNoRatio) {
  EXPECT_EQ(judge(pair({100}, {0})).verdict, Verdict::not_compared);
  EXPECT_EQ(judge(pair({100}, {-5})).verdict, Verdict::not_compared);
  EXPECT_EQ(judge(pair({100}, {std::numeric_limits<double>::quiet_NaN()})).verdict,
            Verdict::not_compared);
  EXPECT_EQ(judge(pair({std::numeric_limits<double>::infinity()}, {100})).verdict,
            Verdict::not_compared);
}

TEST(Judge, MediansOfAnEvenNumberOfRoundsAreTheMiddleMean) {
  const Judgement j = judge(pair({100, 300}, {200, 200}));
  EXPECT_DOUBLE_EQ(*j.illusion_ns, 200);
  EXPECT_EQ(j.verdict, Verdict::agrees);
}

TEST(Names, EveryStatisticAndVerdictHasOne) {
  for (auto s : {Statistic::mean, Statistic::p50, Statistic::p99, Statistic::max})
    EXPECT_STRNE(statistic_name(s), "?");
  EXPECT_STREQ(verdict_name(Verdict::agrees), "agrees");
  EXPECT_STREQ(verdict_name(Verdict::differs), "differs");
  EXPECT_STREQ(verdict_name(Verdict::not_compared), "not compared");
}

}  // namespace
}  // namespace illusion::peers
