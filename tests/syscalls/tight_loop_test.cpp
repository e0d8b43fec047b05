// The loop rows' direct/indirect split as pure functions of the medians it subtracts: a
// difference inside the noise bound is said to be within noise (and no indirect cost is
// claimed), one outside it is given with its bound. Synthetic stats, no timing.
#include "syscalls/tight_loop.h"

#include <cmath>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "core/stats.h"

using illusion::core::Stats;
using illusion::labs::syscalls::describe_split;
using illusion::labs::syscalls::indirect_cost;
using illusion::labs::syscalls::IndirectCost;
using illusion::labs::syscalls::negative_indirect_warning;

namespace {

Stats stats(double p50, double mad, std::size_t n) {
  Stats s;
  s.n = n;
  s.p50 = p50;
  s.mad = mad;
  return s;
}

bool has(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

}  // namespace

TEST(TightLoopSplit, SubtractsTheMediansAndBoundsTheirNoise) {
  // loop 300, pure 100, getppid 150 per call every iteration: indirect 50.
  const IndirectCost c = indirect_cost(stats(300, 4, 100), stats(100, 3, 100),
                                       stats(150, 10, 100), 1);
  EXPECT_DOUBLE_EQ(c.direct_ns, 150);
  EXPECT_DOUBLE_EQ(c.indirect_ns, 50);
  const double se = 1.2533 * 1.4826 / 10;  // per unit of MAD at n = 100
  EXPECT_NEAR(c.noise_ns, 3 * se * std::sqrt(16.0 + 9.0 + 100.0), 1e-9);
  // getppid's noise is divided by k with its median.
  const IndirectCost k10 = indirect_cost(stats(300, 4, 100), stats(100, 3, 100),
                                         stats(150, 10, 100), 10);
  EXPECT_DOUBLE_EQ(k10.direct_ns, 15);
  EXPECT_NEAR(k10.noise_ns, 3 * se * std::sqrt(16.0 + 9.0 + 1.0), 1e-9);
}

TEST(TightLoopSplit, AClearIndirectCostIsGivenWithItsBound) {
  const IndirectCost c = indirect_cost(stats(300, 1, 400), stats(100, 1, 400),
                                       stats(150, 1, 400), 1);
  ASSERT_FALSE(c.within_noise());
  const std::string text = describe_split(c);
  EXPECT_TRUE(has(text, "150 ns direct + 50.0 ns indirect per iteration")) << text;
  EXPECT_TRUE(has(text, "noise ±")) << text;
  EXPECT_FALSE(has(text, "within noise")) << text;
  EXPECT_TRUE(negative_indirect_warning(c, 300, 100).empty());
}

// The case the issue quotes: a subtraction of separate rows that lands at -10.3 ns, inside a
// bound of several ns. No indirect cost is claimed, no negative-cost warning is raised.
TEST(TightLoopSplit, ANegativeDifferenceInsideTheNoiseIsWithinNoise) {
  const IndirectCost c = indirect_cost(stats(289.7, 40, 30), stats(100, 30, 30),
                                       stats(200, 60, 30), 1);
  EXPECT_NEAR(c.indirect_ns, -10.3, 1e-9);
  ASSERT_GT(c.noise_ns, 10.3);
  EXPECT_TRUE(c.within_noise());
  const std::string text = describe_split(c);
  EXPECT_TRUE(has(text, "within noise (±")) << text;
  EXPECT_TRUE(has(text, "no indirect cost measurable")) << text;
  EXPECT_FALSE(has(text, "indirect per iteration")) << text;
  EXPECT_FALSE(has(text, "-10.30")) << "no hundredths of a ns: " << text;
  EXPECT_TRUE(negative_indirect_warning(c, 289.7, 100).empty());
}

TEST(TightLoopSplit, ANegativeDifferenceBeyondTheNoiseIsFlagged) {
  const IndirectCost c = indirect_cost(stats(250, 1, 400), stats(100, 1, 400),
                                       stats(200, 1, 400), 1);
  EXPECT_DOUBLE_EQ(c.indirect_ns, -50);
  EXPECT_FALSE(c.within_noise());
  const std::string w = negative_indirect_warning(c, 250, 100);
  EXPECT_TRUE(has(w, "negative beyond the noise")) << w;
  EXPECT_TRUE(has(w, "not clamped")) << w;
  // The table does not print "+ -50.0 ns indirect" as if it were a cost.
  const std::string text = describe_split(c);
  EXPECT_TRUE(has(text, "the rest, -50.0 ns, is below zero beyond the noise")) << text;
  EXPECT_FALSE(has(text, "indirect per iteration")) << text;
  EXPECT_FALSE(has(text, "within noise")) << text;
}

// A row with a single sample has no spread: no bound, so no indirect cost is claimed.
TEST(TightLoopSplit, NoBoundWithoutSpreadClaimsNothing) {
  const IndirectCost c = indirect_cost(stats(300, 0, 1), stats(100, 1, 50), stats(150, 1, 50), 1);
  EXPECT_TRUE(std::isinf(c.noise_ns));
  EXPECT_TRUE(c.within_noise());
  const std::string text = describe_split(c);
  EXPECT_TRUE(has(text, "no noise bound")) << text;
  EXPECT_FALSE(has(text, "indirect per iteration")) << text;
  EXPECT_FALSE(has(text, "—")) << text;
}
