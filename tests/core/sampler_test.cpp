// The sampler against a fake clock: batching, empty-batch subtraction and the time budget are
// checked exactly, with no timing noise.
#include "core/sampler.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>

#include "core/clock.h"

using namespace illusion::core;

TEST(Sampler, SubtractsEmptyBatchAndDividesByBatch) {
  FakeClock clock(10);  // every reading costs 10 ns
  SamplerConfig cfg;
  cfg.warmup_s = 1e-6;
  cfg.budget_s = 1e-3;
  cfg.min_samples = 5;
  // The op "takes" 100 ns: single-op warm-up readings differ by 110, minus 10 ns overhead
  // -> 100 ns; target sample 2000 ns -> batch 20; empty batch 10 ns; sample 2010 ns.
  auto s = sample_op(clock, cfg, [&] { clock.advance(100); });
  EXPECT_EQ(s.batch, 20u);
  EXPECT_DOUBLE_EQ(s.empty_batch_ns, 10);
  ASSERT_GE(s.per_op_ns.size(), 5u);
  for (double v : s.per_op_ns) EXPECT_DOUBLE_EQ(v, 100);
  EXPECT_EQ(s.below_overhead, 0u);
  EXPECT_EQ(s.ops, s.per_op_ns.size() * 20);
  // Budget: 1 ms of fake time, less the single-operation share, at ~2010 ns per sample.
  EXPECT_NEAR(static_cast<double>(s.per_op_ns.size()), 1e6 * (1 - cfg.single_op_share) / 2020, 5);
  // 100 ns is under 20 empty clock pairs (10 ns each): no single-operation tail, and why.
  EXPECT_TRUE(s.single_op_ns.empty());
  EXPECT_DOUBLE_EQ(s.empty_pair_ns, 10);
  EXPECT_NE(s.single_op_note.find("cannot be timed alone"), std::string::npos);
}

TEST(Sampler, BatchedOpLongEnoughGetsSingleOperationSamples) {
  FakeClock clock(1);
  SamplerConfig cfg;
  cfg.warmup_s = 1e-6;
  cfg.budget_s = 1e-3;
  cfg.min_samples = 5;
  int calls = 0;
  // Every 50th call is slow: batch means (batch 7) dilute it, single operations show it whole.
  auto s = sample_op(clock, cfg, [&] { clock.advance(++calls % 50 == 0 ? 30000 : 300); });
  EXPECT_GT(s.batch, 1u);
  EXPECT_TRUE(s.single_op_note.empty());
  ASSERT_GE(s.single_op_ns.size(), cfg.single_op_min_samples);
  double slowest = 0;
  for (double v : s.single_op_ns) {
    EXPECT_TRUE(v == 300 || v == 30000) << v;  // the 1 ns empty pair is subtracted
    slowest = std::max(slowest, v);
  }
  EXPECT_DOUBLE_EQ(slowest, 30000);
  double slowest_mean = 0;
  for (double v : s.per_op_ns) slowest_mean = std::max(slowest_mean, v);
  EXPECT_LT(slowest_mean, 30000.0 / 2);  // a batch mean never shows the slow call whole
}

TEST(Sampler, SingleOperationPassCanBeTurnedOff) {
  FakeClock clock(1);
  SamplerConfig cfg;
  cfg.warmup_s = 1e-6;
  cfg.budget_s = 1e-4;
  cfg.single_op_share = 0;
  auto s = sample_op(clock, cfg, [&] { clock.advance(300); });
  EXPECT_GT(s.batch, 1u);
  EXPECT_TRUE(s.single_op_ns.empty());
}

TEST(Sampler, UnbatchedOpNeedsNoSingleOperationPass) {
  FakeClock clock(5);
  SamplerConfig cfg;
  cfg.warmup_s = 0;
  cfg.budget_s = 1e-4;
  auto s = sample_op(clock, cfg, [&] { clock.advance(5000); });
  EXPECT_EQ(s.batch, 1u);
  EXPECT_TRUE(s.single_op_ns.empty());
  EXPECT_TRUE(s.single_op_note.empty());
}

TEST(Sampler, SingleOperationRefusalSaysWhy) {
  EXPECT_EQ(detail::single_op_refusal(500, 20, 20), "");
  EXPECT_NE(detail::single_op_refusal(399, 20, 20).find("cannot be timed alone"),
            std::string::npos);
  EXPECT_NE(detail::single_op_refusal(0, 20, 20), "");
  EXPECT_NE(detail::single_op_refusal(-3, 20, 20), "");
}

TEST(Sampler, FixedBatchIsHonoured) {
  FakeClock clock(1);
  SamplerConfig cfg;
  cfg.warmup_s = 1e-6;
  cfg.budget_s = 1e-4;
  cfg.batch = 7;
  auto s = sample_op(clock, cfg, [&] { clock.advance(3); });
  EXPECT_EQ(s.batch, 7u);
  for (double v : s.per_op_ns) EXPECT_DOUBLE_EQ(v, 3);
}

TEST(Sampler, MinSamplesEvenWhenBudgetIsTiny) {
  FakeClock clock(5);
  SamplerConfig cfg;
  cfg.warmup_s = 0;
  cfg.budget_s = 0;
  cfg.min_samples = 12;
  auto s = sample_op(clock, cfg, [&] { clock.advance(1000); });
  EXPECT_EQ(s.per_op_ns.size(), 12u);
  EXPECT_EQ(s.batch, 2u);  // target 2000 ns / 1000 ns per op
}

TEST(Sampler, MaxSamplesCaps) {
  FakeClock clock(5);
  SamplerConfig cfg;
  cfg.warmup_s = 0;
  cfg.budget_s = 10;
  cfg.max_samples = 50;
  auto s = sample_op(clock, cfg, [&] { clock.advance(5000); });
  EXPECT_EQ(s.per_op_ns.size(), 50u);
}

TEST(Sampler, ChooseBatch) {
  using detail::choose_batch;
  EXPECT_EQ(choose_batch(1000, 2000, 1 << 20), 2u);
  EXPECT_EQ(choose_batch(5000, 2000, 1 << 20), 1u);
  EXPECT_EQ(choose_batch(0.001, 2000, 4096), 4096u);  // capped
  EXPECT_EQ(choose_batch(0, 2000, 1 << 20), 1024u);   // unseen cost: a large fixed batch
}

TEST(Sampler, ProfilesScaleBudget) {
  EXPECT_LT(sampler_config_for(Profile::quick).budget_s,
            sampler_config_for(Profile::standard).budget_s);
  EXPECT_LT(sampler_config_for(Profile::standard).budget_s,
            sampler_config_for(Profile::thorough).budget_s);
  EXPECT_DOUBLE_EQ(sampler_config_for(Profile::standard, 2.0).budget_s,
                   2 * sampler_config_for(Profile::standard).budget_s);
}

TEST(Sampler, RealClockKeepsWorkAndMeasuresSomething) {
  auto clock = make_clock();
  SamplerConfig cfg;
  cfg.warmup_s = 0.001;
  cfg.budget_s = 0.005;
  volatile unsigned sink = 0;
  auto s = sample_op(*clock, cfg, [&] {
    unsigned x = sink;
    for (int i = 0; i < 200; ++i) x = x * 1664525u + 1013904223u;
    sink = x;
  });
  EXPECT_GT(s.per_op_ns.size(), 0u);
  EXPECT_GT(compute_stats(s.per_op_ns).p50, 0);
}

// The adaptive stop (issue 17): a steady op ends once its median is known to ±1%, after the
// sample floor and a quarter of its budget; a noisy one runs to its budget; target 0 turns it off.
TEST(SamplerAdaptive, ASteadyOpStopsAtAQuarterOfItsBudget) {
  FakeClock clock(5);
  SamplerConfig cfg;
  cfg.warmup_s = 0;
  cfg.budget_s = 0.02;  // 20 ms of fake time, 5000 ns + 10 ns of readings per sample
  auto s = sample_op(clock, cfg, [&] { clock.advance(5000); });
  EXPECT_TRUE(s.stopped_early);
  EXPECT_DOUBLE_EQ(s.median_half_width, 0);
  EXPECT_GE(s.per_op_ns.size(), cfg.adaptive_min_samples);
  // A quarter of the budget is ~1000 samples of 5 µs: it stops at the first check after that.
  EXPECT_LT(static_cast<double>(s.per_op_ns.size()), 0.5 * 0.02e9 / 5000);
}

TEST(SamplerAdaptive, ANoisyOpRunsToItsBudget) {
  FakeClock clock(5);
  SamplerConfig cfg;
  cfg.warmup_s = 0;
  cfg.budget_s = 0.02;
  int i = 0;
  // Costs spread evenly over 4-16 µs: the median's interval is far wider than ±1%.
  auto s = sample_op(clock, cfg, [&] { clock.advance(4000 + (i++ % 97) * 125); });
  EXPECT_FALSE(s.stopped_early);
  EXPECT_GT(static_cast<double>(s.per_op_ns.size()), 0.9 * 0.02e9 / 10'000);
}

TEST(SamplerAdaptive, TargetZeroTurnsItOff) {
  FakeClock clock(5);
  SamplerConfig cfg;
  cfg.warmup_s = 0;
  cfg.budget_s = 0.02;
  cfg.target_median = 0;
  auto s = sample_op(clock, cfg, [&] { clock.advance(5000); });
  EXPECT_FALSE(s.stopped_early);
  EXPECT_GT(static_cast<double>(s.per_op_ns.size()), 0.9 * 0.02e9 / 5010);
}

TEST(SamplerAdaptive, TooFewSamplesForTheFloorNeverStopEarly) {
  FakeClock clock(5);
  SamplerConfig cfg;
  cfg.warmup_s = 0;
  cfg.budget_s = 0.002;  // ~400 samples: under the 1000-sample floor
  auto s = sample_op(clock, cfg, [&] { clock.advance(5000); });
  EXPECT_FALSE(s.stopped_early);
}
