// The budget arithmetic on values small enough to check by hand.
#include "report/budget.h"

#include <gtest/gtest.h>

#include <cmath>

#include "report/synthetic.h"

using namespace illusion::report;
using illusion::testing::make_call;
using illusion::testing::make_result;

TEST(BudgetCell, HundredNanosecondsAtNinetyHertz) {
  const BudgetCell c = budget_cell(90, 100, 200);
  EXPECT_NEAR(c.period_ns, 11'111'111.1, 0.1);
  // 1% of the period is 111,111 ns: 1111 calls of 100 ns, 555 of 200 ns.
  EXPECT_EQ(c.fit_1pct_p50, 1111);
  EXPECT_EQ(c.fit_1pct_p99, 555);
  EXPECT_EQ(c.fit_period_p50, 111'111);
  EXPECT_EQ(c.fit_period_p99, 55'555);
}

TEST(BudgetCell, OneKilohertz) {
  const BudgetCell c = budget_cell(1000, 84, 120);
  EXPECT_DOUBLE_EQ(c.period_ns, 1e6);
  EXPECT_EQ(c.fit_1pct_p50, std::floor(10'000 / 84.0));  // 119
  EXPECT_EQ(c.fit_1pct_p99, 83);
}

TEST(BudgetCell, UnusableCostGivesNaNNotInfinity) {
  const BudgetCell c = budget_cell(90, 0, -5);
  EXPECT_TRUE(std::isnan(c.fit_1pct_p50));
  EXPECT_TRUE(std::isnan(c.fit_1pct_p99));
  EXPECT_TRUE(std::isnan(budget_cell(0, 100, 100).fit_1pct_p50));
}

TEST(SyscallBudget, TakesOnlyCallsAndSyscallsInNsPerOp) {
  std::vector<illusion::core::Result> results = {
      make_call("syscalls.function_call", 1, 2, "call"),
      make_call("syscalls.getppid_raw", 100, 200, "syscall"),
      make_call("syscalls.read_4k", 30, 40, "io"),  // another category
      make_result("syscalls.loop_pure", 5),         // no category
  };
  auto wrong_unit = make_call("syscalls.uring_batch_1", 10, 20);
  wrong_unit.unit = "ns/KiB";
  results.push_back(wrong_unit);
  auto failed = make_call("syscalls.stat", 300, 400);
  failed.status = illusion::core::Status::failed;
  results.push_back(failed);

  const auto rows = syscall_budget(results);
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0].id, "syscalls.function_call");
  EXPECT_EQ(rows[1].id, "syscalls.getppid_raw");
  EXPECT_EQ(rows[1].p50_ns, 100);
  EXPECT_EQ(rows[1].p99_ns, 200);
  ASSERT_EQ(rows[1].cells.size(), 3u);
  EXPECT_EQ(rows[1].cells[0].hz, 90);
  EXPECT_EQ(rows[1].cells[1].hz, 120);
  EXPECT_EQ(rows[1].cells[2].hz, 1000);
  EXPECT_EQ(rows[1].cells[0].fit_1pct_p50, 1111);
  EXPECT_EQ(rows[1].cells[1].fit_1pct_p50, 833);  // 83,333 ns / 100
  EXPECT_EQ(rows[1].cells[2].fit_1pct_p50, 100);
}

TEST(SyscallBudget, CustomRates) {
  const auto rows = syscall_budget({make_call("syscalls.getppid_raw", 100, 200)}, {60});
  ASSERT_EQ(rows.size(), 1u);
  ASSERT_EQ(rows[0].cells.size(), 1u);
  EXPECT_EQ(rows[0].cells[0].fit_1pct_p50, 1666);
}

TEST(FormatHz, ReadableRates) {
  EXPECT_EQ(format_hz(90), "90 Hz");
  EXPECT_EQ(format_hz(1000), "1 kHz");
  EXPECT_EQ(format_hz(2500), "2.5 kHz");
}

TEST(SyscallBudget, ABatchMeansP99IsNeverACallsP99) {
  auto batched = make_call("syscalls.getppid_raw", 100, 200);
  illusion::core::set_ops_per_sample(batched, 37);
  auto timed_alone = make_call("syscalls.open_close", 1000, 1500);
  illusion::core::set_ops_per_sample(timed_alone, 3);
  timed_alone.op_tail = illusion::core::compute_stats({900, 1000, 1100, 5000});
  const auto rows = syscall_budget({batched, timed_alone});
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_TRUE(std::isnan(rows[0].p99_ns));
  EXPECT_TRUE(std::isnan(rows[0].cells[0].fit_1pct_p99));  // printed as "—"
  EXPECT_EQ(rows[0].cells[0].fit_1pct_p50, 1111);
  EXPECT_DOUBLE_EQ(rows[1].p99_ns, timed_alone.op_tail->p99);
}
