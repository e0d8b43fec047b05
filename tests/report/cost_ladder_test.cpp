// The cost ladder: rungs ordered by this run's medians whatever the result order, ratios to a function call,
// shares of a 90 Hz frame, and the console table only when there is a ladder to show.
#include "report/cost_ladder.h"

#include <sstream>

#include <gtest/gtest.h>

#include "synthetic.h"

using namespace illusion;
using illusion::testing::has;
using illusion::testing::make_result;

TEST(CostLadder, RungsInLadderOrderWithRatiosAndFrameShares) {
  const std::vector<core::Result> results{
      make_result("processes.fork_exit", 224'000), make_result("syscalls.getppid_raw", 164),
      make_result("syscalls.function_call", 1.0), make_result("vm.tlb_reach", 200)};  // not a rung
  const auto rungs = report::cost_ladder(results);
  ASSERT_EQ(rungs.size(), 3u);
  EXPECT_EQ(rungs[0].id, "syscalls.function_call");
  EXPECT_EQ(rungs[1].id, "syscalls.getppid_raw");
  EXPECT_EQ(rungs[2].id, "processes.fork_exit");
  EXPECT_DOUBLE_EQ(*rungs[1].times_call, 164);
  EXPECT_NEAR(rungs[2].frame_share, 224'000 / (1e9 / 90), 1e-12);

  std::ostringstream out;
  report::write_ladder_table(out, rungs);
  EXPECT_TRUE(has(out.str(), "syscall (getppid)")) << out.str();
  EXPECT_TRUE(has(out.str(), "224,000")) << out.str();  // fork = 224,000 function calls
  EXPECT_TRUE(has(out.str(), "2.0%")) << out.str();     // of an 11.1 ms frame
}

TEST(CostLadder, NoCallMeansNoRatioAndOneRungNoTable) {
  const auto rungs = report::cost_ladder({make_result("syscalls.getppid_raw", 164)});
  ASSERT_EQ(rungs.size(), 1u);
  EXPECT_FALSE(rungs[0].times_call.has_value());
  std::ostringstream out;
  report::write_ladder_table(out, rungs);
  EXPECT_TRUE(out.str().empty());
  EXPECT_TRUE(report::cost_ladder({make_result("syscalls.getppid_raw", 164, -1, "ns/KiB"),
                                   make_result("vm.first_touch", 1'350, -1, "pages")})
                  .size() == 1);  // a unit other than ns cannot share the ladder's axis
}

TEST(CostLadder, OrderFollowsTheMeasuredMediansNotAFixedList) {
  // A cold read a host's cache served in 30 us ranks below a 224 us fork.
  const auto rungs = report::cost_ladder({make_result("mmap_vs_read.rand_pread_cold", 30'000),
                                          make_result("processes.fork_exit", 224'000),
                                          make_result("syscalls.function_call", 1.0)});
  ASSERT_EQ(rungs.size(), 3u);
  EXPECT_EQ(rungs[0].id, "syscalls.function_call");
  EXPECT_EQ(rungs[1].id, "mmap_vs_read.rand_pread_cold");
  EXPECT_EQ(rungs[2].id, "processes.fork_exit");
  EXPECT_DOUBLE_EQ(*rungs[1].times_call, 30'000);
}

TEST(CostLadder, BatchMeansGiveNoP99) {
  core::Result batched = make_result("syscalls.getppid_raw", 164, 400);
  core::set_ops_per_sample(batched, 37);
  core::Result with_tail = make_result("syscalls.vdso_clock_gettime", 20, 30);
  core::set_ops_per_sample(with_tail, 100);
  with_tail.op_tail = core::compute_stats({19, 20, 21, 900});
  const auto rungs = report::cost_ladder({batched, with_tail});
  ASSERT_EQ(rungs.size(), 2u);
  EXPECT_EQ(rungs[0].id, "syscalls.vdso_clock_gettime");
  ASSERT_TRUE(rungs[0].p99.has_value());
  EXPECT_DOUBLE_EQ(*rungs[0].p99, with_tail.op_tail->p99);
  EXPECT_FALSE(rungs[1].p99.has_value());  // 400 ns is a p99 of 37-call means: not shown
  std::ostringstream out;
  report::write_ladder_table(out, rungs);
  EXPECT_FALSE(has(out.str(), "400")) << out.str();
  EXPECT_TRUE(has(out.str(), "\u2014")) << out.str();
}

// "x a call" rounds as every other ratio the report prints: 29.7 is 30, not a truncated 29.
TEST(CostLadder, TimesACallRounds) {
  const std::vector<core::Result> results{make_result("syscalls.function_call", 10.0),
                                          make_result("syscalls.getppid_raw", 297),
                                          make_result("processes.fork_exit", 12'215)};
  const auto rungs = report::cost_ladder(results);
  ASSERT_EQ(rungs.size(), 3u);
  EXPECT_EQ(report::ladder_cells(rungs[1])[3], "30");
  EXPECT_EQ(report::ladder_cells(rungs[2])[3], "1,222");  // 1221.5
}
