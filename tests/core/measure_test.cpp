// measure(): the timed samples run with no perf event open, and the counts come from a separate
// pass whose size the result records.
#include "core/measure.h"

#include <gtest/gtest.h>

#include <variant>

#include "core/clock.h"
#include "support/perf_fds.h"

using namespace illusion::core;

TEST(Measure, TimesWithNoPerfEventOpenAndCountsInASeparatePass) {
  FakeClock clock(5);
  RunContext ctx;
  ctx.clock = &clock;
  ctx.profile = Profile::quick;
  std::size_t calls = 0, calls_with_perf_open = 0;
  Result r;
  // 5 us of fake time per op: one op per sample, so no single-operation pass either.
  r = measure(ctx, r, [&] {
    ++calls;
    if (illusion::testing::perf_fds() > 0) ++calls_with_perf_open;
    clock.advance(5000);
  });
  ASSERT_TRUE(r.stats);
  double counted = -1;
  for (const Param& p : r.params)
    if (p.name == "counted_ops") counted = std::get<double>(p.value);
  ASSERT_GE(counted, 1) << "the counting pass must record its size";
  EXPECT_LT(counted, static_cast<double>(calls));
  // Where perf opens at all, exactly the counting pass ran with it; elsewhere nothing did.
  if (calls_with_perf_open > 0) {
    EXPECT_EQ(static_cast<double>(calls_with_perf_open), counted);
  }
  EXPECT_DOUBLE_EQ(r.ops_per_sample, 1);
  EXPECT_NE(r.counter("rusage_minor_faults"), nullptr);  // getrusage always counts
}
