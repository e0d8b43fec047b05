// What one sample of a result covers: batch means are never handed out as an operation's tail.
#include "core/result.h"

#include <gtest/gtest.h>

#include <limits>
#include <vector>

#include "core/measure.h"

using namespace illusion::core;

namespace {

Result sampled(double ops_per_sample) {
  Result r;
  r.id = "lab.row";
  r.stats = compute_stats({1, 2, 3, 100});
  set_ops_per_sample(r, ops_per_sample);
  return r;
}

}  // namespace

TEST(PerOpStats, SingleOperationSamplesAreTheirOwnTail) {
  const Result r = sampled(1);
  ASSERT_NE(per_op_stats(r), nullptr);
  EXPECT_DOUBLE_EQ(per_op_stats(r)->max, 100);
  EXPECT_TRUE(r.op_tail_note.empty());
}

TEST(PerOpStats, BatchMeansHaveNoTailUnlessSingleOperationsWereTimed) {
  Result r = sampled(37);
  EXPECT_EQ(per_op_stats(r), nullptr);
  EXPECT_NE(r.op_tail_note.find("mean of 37 operations"), std::string::npos);
  r.op_tail = compute_stats({5, 6, 7, 900});
  ASSERT_NE(per_op_stats(r), nullptr);
  EXPECT_DOUBLE_EQ(per_op_stats(r)->max, 900);
}

TEST(PerOpStats, NotSampledHasNone) {
  Result r;
  EXPECT_EQ(per_op_stats(r), nullptr);
}

TEST(SetOpsPerSample, UnusableCountsMeanSingleOperations) {
  for (double k : {0.0, -4.0, 1.0, std::numeric_limits<double>::quiet_NaN()}) {
    const Result r = sampled(k);
    EXPECT_DOUBLE_EQ(r.ops_per_sample, 1) << k;
  }
  Result r;
  set_ops_per_sample(r, 8, "the clock cannot resolve one");
  EXPECT_EQ(r.op_tail_note, "the clock cannot resolve one");
}

TEST(FinishResult, ValuesCoveringManyOperationsAreMarkedAsBatchMeans) {
  Result batched;
  finish_result(batched, std::vector<double>(10, 5.0), 370, nullptr);
  EXPECT_DOUBLE_EQ(batched.ops_per_sample, 37);
  EXPECT_EQ(per_op_stats(batched), nullptr);

  Result single;
  finish_result(single, std::vector<double>(10, 5.0), 10, nullptr);
  EXPECT_DOUBLE_EQ(single.ops_per_sample, 1);
  EXPECT_NE(per_op_stats(single), nullptr);

  // A short last batch does not turn single operations into batch means.
  Result nearly;
  finish_result(nearly, std::vector<double>(10, 5.0), 12, nullptr);
  EXPECT_DOUBLE_EQ(nearly.ops_per_sample, 1);
}

TEST(FinishResult, SampleSetCarriesTheSingleOperationTail) {
  FakeClock clock(1);
  SampleSet s;
  s.per_op_ns = {10, 11, 12};
  s.batch = 40;
  s.ops = 120;
  s.single_op_ns = {9, 10, 500};
  s.empty_pair_ns = 1;
  Result r;
  finish_result(r, s, nullptr, clock);
  EXPECT_DOUBLE_EQ(r.ops_per_sample, 40);
  ASSERT_TRUE(r.op_tail);
  EXPECT_DOUBLE_EQ(r.op_tail->max, 500);
  EXPECT_TRUE(r.op_tail_note.empty());

  SampleSet refused = s;
  refused.single_op_ns.clear();
  refused.single_op_note = "too short to time alone";
  Result q;
  finish_result(q, refused, nullptr, clock);
  EXPECT_FALSE(q.op_tail);
  EXPECT_EQ(q.op_tail_note, "too short to time alone");
}
