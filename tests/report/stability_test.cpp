// How well runs repeat: the CV of each row's p50 across runs, what is left out, the counts; why a
// row above 3% varies (each run's median interval against the spread), and the peer tools' table
// from verify records.
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

// A row whose run knew its median to within [lo, hi] (95%), from n samples.
core::Result row_ci(const std::string& id, double p50, double lo, double hi, std::size_t n = 1000) {
  core::Result r = row(id, p50);
  r.stats->n = n;
  r.stats->median_lo = lo;
  r.stats->median_hi = hi;
  return r;
}

// A row with fewer samples than the interval needs (n < 10): no interval.
core::Result row_few(const std::string& id, double p50) {
  core::Result r = row(id, p50);
  r.stats->n = 5;
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

TEST(StabilityWhy, TheVerdictsBoundaries) {
  EXPECT_EQ(judge_stability(0.03, std::nullopt), StabilityWhy::firm);  // 3% itself is firm
  EXPECT_EQ(judge_stability(0.03, 0.5), StabilityWhy::firm);
  EXPECT_EQ(judge_stability(0.0301, std::nullopt), StabilityWhy::few_samples);
  EXPECT_EQ(judge_stability(0.08, 0.04), StabilityWhy::runs_disagree);  // exactly half the CV
  EXPECT_EQ(judge_stability(0.08, 0.0401), StabilityWhy::few_samples);
  EXPECT_EQ(judge_stability(0.08, 0.0), StabilityWhy::runs_disagree);
  EXPECT_STREQ(why_name(StabilityWhy::runs_disagree), "runs disagree");
  EXPECT_STREQ(why_name(StabilityWhy::few_samples), "few samples");
  EXPECT_STREQ(why_name(StabilityWhy::firm), "firm");
}

TEST(StabilityWhy, TightIntervalsThatDisagreeAreTheMachine) {
  // p50 100 and 110: CV 6.7%. Each run knew its median to ±1% and ±1.8%: far tighter.
  const auto s =
      stability({run(1, {row_ci("a.x", 100, 99, 101)}), run(1, {row_ci("a.x", 110, 108, 112)})});
  const StabilityRow& r = s.rows[0];
  ASSERT_EQ(r.half_width.size(), 2u);
  EXPECT_NEAR(*r.half_width[0], 0.01, 1e-12);
  EXPECT_NEAR(*r.half_width[1], 2.0 / 110, 1e-12);
  ASSERT_TRUE(r.within_run);
  EXPECT_NEAR(*r.within_run, 2.0 / 110, 1e-12);  // the widest of the runs
  ASSERT_TRUE(r.why);
  EXPECT_EQ(*r.why, StabilityWhy::runs_disagree);
  EXPECT_EQ(s.runs_disagree, 1u);
  EXPECT_EQ(s.few_samples, 0u);
}

TEST(StabilityWhy, ARunWithFewerThanTenSamplesLeavesItToTheSamples) {
  const auto s = stability({run(1, {row_ci("a.x", 100, 99, 101)}), run(1, {row_few("a.x", 110)})});
  const StabilityRow& r = s.rows[0];
  EXPECT_FALSE(r.half_width[1]);
  EXPECT_FALSE(r.within_run);  // one run without an interval: no within-run figure at all
  EXPECT_EQ(*r.why, StabilityWhy::few_samples);
  EXPECT_EQ(s.few_samples, 1u);
  std::ostringstream out;
  write_stability(out, s, {"one.json", "two.json"});
  const std::string text = out.str();
  const std::string line = text.substr(text.find("a.x"), text.find('\n', text.find("a.x")));
  EXPECT_NE(line.find(" —  few samples"), std::string::npos) << text;  // "—" under ±within
}

TEST(StabilityWhy, AWideIntervalLeavesItToTheSamples) {
  // CV 6.7%, but one run knew its median only to ±5%: more than half the spread.
  const auto s =
      stability({run(1, {row_ci("a.x", 100, 95, 105)}), run(1, {row_ci("a.x", 110, 109, 111)})});
  EXPECT_NEAR(*s.rows[0].within_run, 0.05, 1e-12);
  EXPECT_EQ(*s.rows[0].why, StabilityWhy::few_samples);
}

TEST(StabilityWhy, AFirmRowAndOneWithoutACv) {
  core::Result skipped = row("a.y", 0);
  skipped.status = core::Status::skipped;
  const auto s = stability({run(1, {row_ci("a.x", 100, 50, 150), row_ci("a.y", 10, 9, 11)}),
                            run(1, {row_ci("a.x", 101, 50, 150), skipped})});
  EXPECT_EQ(*s.rows[0].why, StabilityWhy::firm);  // a wide interval does not matter under 3%
  EXPECT_FALSE(s.rows[1].cv);
  EXPECT_FALSE(s.rows[1].why);
  EXPECT_NEAR(*s.rows[1].within_run, 0.1, 1e-12);  // judged on the run that measured it
  EXPECT_EQ(stability_why_summary(s), "");         // nothing above 3%: nothing to explain
}

TEST(StabilityWhy, AMedianAtOrBelowZeroHasNoRelativeInterval) {
  const auto s =
      stability({run(1, {row_ci("a.x", -5, -6, -4)}), run(1, {row_ci("a.x", 0, -1, 1)})});
  EXPECT_FALSE(s.rows[0].half_width[0]);
  EXPECT_FALSE(s.rows[0].half_width[1]);
  EXPECT_FALSE(s.rows[0].within_run);
  EXPECT_FALSE(s.rows[0].why);
}

TEST(StabilityWhy, TheSummarySentenceAndTheColumns) {
  const auto s = stability({run(1, {row_ci("a.machine", 100, 99.6, 100.4),
                                    row_few("b.samples", 100), row_ci("c.firm", 100, 99, 101)}),
                            run(1, {row_ci("a.machine", 120, 119.5, 120.5),
                                    row_few("b.samples", 130), row_ci("c.firm", 100, 99, 101)})});
  EXPECT_EQ(stability_why_summary(s),
            "Of the 2 rows above 3%: 1 where the runs disagree beyond their own intervals (more "
            "samples would not narrow them: the machine, or what ran before, differed), 1 limited "
            "by their samples.");
  // The first part is unchanged: scripts and the README quote it.
  EXPECT_EQ(stability_summary(s).rfind("1 of 3 rows within 3% CV, 1 within 10%;", 0), 0u)
      << stability_summary(s);
  std::ostringstream out;
  write_stability(out, s, {"one.json", "two.json"});
  const std::string text = out.str();
  EXPECT_NE(text.find("±within"), std::string::npos) << text;
  // ±0.42%: 0.5 / 120, the wider of a.machine's two runs.
  EXPECT_NE(text.find("±0.42%  runs disagree"), std::string::npos) << text;
  EXPECT_NE(text.find("Of the 2 rows above 3%"), std::string::npos) << text;
  EXPECT_EQ(text.find("Peer tools"), std::string::npos) << text;  // no verify files
  std::ostringstream md;
  write_stability_markdown(md, s, {"one.json", "two.json"});
  EXPECT_NE(md.str().find("| CV | ±within | why | wall (mean) |"), std::string::npos) << md.str();
  EXPECT_NE(md.str().find("| ±0.42% | runs disagree |"), std::string::npos) << md.str();
  EXPECT_NE(md.str().find("| — | few samples |"), std::string::npos) << md.str();
  EXPECT_NE(md.str().find("| ±1.0% | firm |"), std::string::npos) << md.str();
  EXPECT_NE(md.str().find("1 limited by their samples."), std::string::npos) << md.str();
}

peers::VerifyFile verify(const std::string& path, double illusion_ns, double peer_ns) {
  peers::VerifyFile v;
  v.path = path;
  v.started_at = "2026-12-07T06:00:00Z";
  peers::VerifyComparisonRead c;
  c.id = "getppid";
  c.statistic = "mean";
  c.illusion = {"syscalls.getppid_raw", "mean per call", illusion_ns};
  c.peer = {"perf bench syscall basic", "", peer_ns};
  v.comparisons = {c};
  return v;
}

TEST(StabilityPeers, TwoVerifyRecordsGiveThePeerTable) {
  const auto s = stability({run(1, {row("a.x", 100)}), run(1, {row("a.x", 100)})});
  const auto p = peers::peer_stability({verify("v1.json", 100, 200), verify("v2.json", 110, 220)});
  std::ostringstream out;
  write_stability(out, s, {"one.json", "two.json"}, p);
  const std::string text = out.str();
  EXPECT_NE(text.find("Peer tools in the same slots (2 verify runs): Peer tools varied 6.7%"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("perf bench syscall basic"), std::string::npos) << text;
  EXPECT_NE(text.find("#V2: v2.json"), std::string::npos) << text;
  EXPECT_LT(text.find("Wall time by lab"), text.find("Peer tools in the same slots")) << text;
  std::ostringstream md;
  write_stability_markdown(md, s, {"one.json", "two.json"}, p);
  EXPECT_NE(md.str().find("## Peer tools in the same slots"), std::string::npos) << md.str();
  EXPECT_NE(md.str().find("| `getppid` | mean | syscalls.getppid_raw (mean per call) | 100 ns | "
                          "110 ns | 6.7% | perf bench syscall basic | 200 ns | 220 ns | 6.7% |"),
            std::string::npos)
      << md.str();
  EXPECT_NE(md.str().find("#V1 started 2026-12-07T06:00:00Z (`v1.json`)"), std::string::npos);
}

TEST(StabilityPeers, OneVerifyRecordGivesNoPeerTable) {
  const auto s = stability({run(1, {row("a.x", 100)}), run(1, {row("a.x", 100)})});
  const auto p = peers::peer_stability({verify("v1.json", 100, 200)});
  std::ostringstream out, md;
  write_stability(out, s, {"one.json", "two.json"}, p);
  write_stability_markdown(md, s, {"one.json", "two.json"}, p);
  EXPECT_EQ(out.str().find("Peer tools"), std::string::npos) << out.str();
  EXPECT_EQ(md.str().find("Peer tools"), std::string::npos) << md.str();
}

}  // namespace
}  // namespace illusion::report
