// The hand-timed sampling loop against a fake clock: what is timed, and each way it stops.
#include "core/sample_each.h"

#include <gtest/gtest.h>

#include <span>
#include <vector>

#include "core/clock.h"

using namespace illusion::core;

TEST(SampleEach, TimesOnlyTheOpNotItsSetUp) {
  FakeClock clock(10);  // every reading costs 10 ns
  int setups = 0, ops = 0;
  const std::vector<double> ns = sample_each(
      clock, {.budget_s = 1e-3, .min_samples = 5},
      [&] {
        ++setups;
        clock.advance(1000);
      },
      [&] {
        ++ops;
        clock.advance(100);
      });
  ASSERT_FALSE(ns.empty());
  for (double v : ns) EXPECT_DOUBLE_EQ(v, 110);  // the op and one reading, no set-up
  EXPECT_EQ(setups, static_cast<int>(ns.size()));
  EXPECT_EQ(ops, static_cast<int>(ns.size()));
  // The budget covers the set-up too: 1000 + 100 + two 10 ns readings per sample.
  EXPECT_NEAR(static_cast<double>(ns.size()), 1e6 / 1120, 2);
}

TEST(SampleEach, TakesTheFloorOfSamplesWhenOneOutlastsTheBudget) {
  FakeClock clock(1);
  const SampleLimits limits{.budget_s = 1e-3, .min_samples = 10};
  EXPECT_EQ(sample_each(clock, limits, [] {}, [&] { clock.advance(5e6); }).size(), 10u);
}

TEST(SampleEach, StopsAtTheCap) {
  FakeClock clock(1);
  const SampleLimits limits{.budget_s = 1, .min_samples = 5, .max_samples = 50};
  EXPECT_EQ(sample_each(clock, limits, [] {}, [&] { clock.advance(100); }).size(), 50u);
}

TEST(SampleEach, NoCapNoSample) {
  FakeClock clock(1);
  int ops = 0;
  EXPECT_TRUE(sample_each(clock, SampleLimits{.max_samples = 0}, [] {}, [&] { ++ops; }).empty());
  EXPECT_EQ(ops, 0);
}

namespace {

// A ±1% target from 20 samples on, after `share` of the budget.
SampleLimits adaptive(double budget_s, double share) {
  return {.budget_s = budget_s,
          .min_samples = 5,
          .target_median = 0.01,
          .adaptive_min_samples = 20,
          .adaptive_min_share = share};
}

// Drives `loop` with a sample of value(i) every 1000 ns of fake time (the loop starts at 0).
template <class Value>
void run_each_us(SampleLoop& loop, Value&& value) {
  double t = 0;
  for (int i = 0; loop.more(); ++i) loop.add(value(i), t += 1000);
}

}  // namespace

// The adaptive stop is sample_op's: after the floors, a steady op stops at the first check.
TEST(SampleLoop, ASteadyOpStopsEarlyAtTheSampleFloor) {
  const FakeClock clock(0);
  SampleLoop loop(clock, adaptive(1, 0));
  run_each_us(loop, [](int) { return 1000.0; });
  EXPECT_TRUE(loop.stopped_early());
  EXPECT_DOUBLE_EQ(loop.median_half_width(), 0);
  EXPECT_EQ(loop.samples(), 20u);
}

TEST(SampleLoop, TheEarlyStopWaitsForItsShareOfTheBudget) {
  const FakeClock clock(0);
  SampleLoop loop(clock, adaptive(1e-3, 0.5));  // 1000 samples of 1 us
  run_each_us(loop, [](int) { return 1000.0; });
  EXPECT_TRUE(loop.stopped_early());
  // As in sample_op, the next check moves on only once one has run: the first is at half the
  // budget.
  EXPECT_EQ(loop.samples(), 500u);
}

TEST(SampleLoop, ANoisyOpRunsToItsBudget) {
  const FakeClock clock(0);
  SampleLoop loop(clock, adaptive(1e-3, 0));
  // Values spread evenly over 400-1600 ns: the median's interval is far wider than ±1%.
  run_each_us(loop, [](int i) { return 400 + (i % 97) * 12.5; });
  EXPECT_FALSE(loop.stopped_early());
  EXPECT_EQ(loop.samples(), 1000u);
}

TEST(SampleLoop, ARoundOfValuesIsOneSample) {
  const FakeClock clock(0);
  SampleLoop loop(clock, {.budget_s = 1, .min_samples = 1, .max_samples = 3});
  const double round[] = {1, 2, 3, 4};
  double t = 0;
  while (loop.more()) loop.add(std::span<const double>(round), t += 10);
  EXPECT_EQ(loop.samples(), 3u);
  EXPECT_EQ(loop.values().size(), 12u);
}

TEST(SampleLoop, TheBudgetRunsFromTheLoopsStart) {
  const FakeClock clock(0);
  // 1000 ns, spent by a pass before the first sample ended.
  SampleLoop loop(clock, {.budget_s = 1e-6, .min_samples = 1});
  ASSERT_TRUE(loop.more());
  loop.add(5, 2000);
  EXPECT_FALSE(loop.more());
  EXPECT_FALSE(loop.stopped_early());
}
