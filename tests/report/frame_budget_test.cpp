// report::frame_budget: known costs give known counts, missing or not-ok rows become gaps,
// several rates give a cell each, and check_frame_rates refuses what is not a frame rate.
#include "report/frame_budget.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "core/errors.h"
#include "report/synthetic.h"

using namespace illusion::report;
using illusion::core::Result;
using illusion::core::Status;
using illusion::testing::has;
using illusion::testing::make_result;
using illusion::testing::make_skipped;

namespace {

// A result for every operation, each with a cost of its own.
std::vector<Result> all_ops() {
  std::vector<Result> rs;
  double cost = 164;
  for (const std::string& id : frame_op_ids()) {
    rs.push_back(make_result(id, cost, cost * 2));
    cost *= 4;
  }
  return rs;
}

}  // namespace

TEST(FrameOps, AreTheSevenOperationsInTableOrder) {
  const std::vector<std::string> expected{
      "syscalls.getppid_raw",        "scheduling.futex_same_cpu",
      "scheduling.futex_cross_cpu",  "vm.first_touch",
      "processes.pthread_create",    "processes.fork_exit",
      "mmap_vs_read.rand_pread_cold"};
  EXPECT_EQ(frame_op_ids(), expected);
  ASSERT_EQ(frame_ops().size(), expected.size());
  for (const FrameOp& op : frame_ops()) EXPECT_FALSE(op.label.empty()) << op.id;
}

TEST(FrameBudget, SyscallOf164NanosecondsAtNinetyHertz) {
  const FrameBudget b = frame_budget({make_result("syscalls.getppid_raw", 164, 328)}, {90});
  ASSERT_EQ(b.rows.size(), 1u);
  const FrameBudgetRow& row = b.rows[0];
  EXPECT_EQ(row.op.id, "syscalls.getppid_raw");
  EXPECT_EQ(row.p50_ns, 164);
  EXPECT_EQ(row.p99_ns, 328);
  ASSERT_EQ(row.cells.size(), 1u);
  const BudgetCell& c = row.cells[0];
  EXPECT_EQ(c.hz, 90);
  // 11,111,111 ns / 164 ns = 67,750.7; 1% of it (111,111 ns) / 164 = 677.5; at 328 ns half.
  EXPECT_EQ(c.fit_period_p50, 67'750);
  EXPECT_EQ(c.fit_1pct_p50, 677);
  EXPECT_EQ(c.fit_period_p99, 33'875);
  EXPECT_EQ(c.fit_1pct_p99, 338);
}

TEST(FrameBudget, EveryOperationPresentGivesRowsInOrderAndNoGaps) {
  const FrameBudget b = frame_budget(all_ops(), {90});
  EXPECT_TRUE(b.gaps.empty());
  ASSERT_EQ(b.rows.size(), frame_ops().size());
  for (std::size_t i = 0; i < b.rows.size(); ++i) EXPECT_EQ(b.rows[i].op.id, frame_ops()[i].id);
  // The last (164 x 4^6 = 671,744 ns) fits 16 times in an 11.1 ms frame, not at all in 1%.
  EXPECT_EQ(b.rows.back().p50_ns, 671'744);
  EXPECT_EQ(b.rows.back().cells[0].fit_period_p50, 16);
  EXPECT_EQ(b.rows.back().cells[0].fit_1pct_p50, 0);
}

TEST(FrameBudget, SeveralRatesGiveOneCellEachInTheOrderGiven) {
  const FrameBudget b =
      frame_budget({make_result("scheduling.futex_same_cpu", 1000, 2000)}, {120, 90, 1000});
  EXPECT_EQ(b.hz, (std::vector<double>{120, 90, 1000}));
  ASSERT_EQ(b.rows.size(), 1u);
  const auto& cells = b.rows[0].cells;
  ASSERT_EQ(cells.size(), 3u);
  EXPECT_EQ(cells[0].hz, 120);
  EXPECT_EQ(cells[0].fit_period_p50, 8333);  // 8,333,333 ns / 1 µs
  EXPECT_EQ(cells[0].fit_1pct_p50, 83);
  EXPECT_EQ(cells[0].fit_1pct_p99, 41);
  EXPECT_EQ(cells[1].hz, 90);
  EXPECT_EQ(cells[1].fit_1pct_p50, 111);
  EXPECT_EQ(cells[2].hz, 1000);
  EXPECT_EQ(cells[2].fit_period_p50, 1000);
  EXPECT_EQ(cells[2].fit_1pct_p50, 10);
  EXPECT_EQ(cells[2].fit_1pct_p99, 5);
}

TEST(FrameBudget, MissingRowsAreListedAsNotInThisRun) {
  const FrameBudget b = frame_budget({make_result("vm.first_touch", 250, 400)}, {90});
  ASSERT_EQ(b.rows.size(), 1u);
  EXPECT_EQ(b.rows[0].op.id, "vm.first_touch");
  ASSERT_EQ(b.gaps.size(), frame_ops().size() - 1);
  EXPECT_EQ(b.gaps[0].op.id, "syscalls.getppid_raw");
  EXPECT_EQ(b.gaps.back().op.id, "mmap_vs_read.rand_pread_cold");
  for (const FrameBudgetGap& g : b.gaps) EXPECT_EQ(g.why, "not in this run") << g.op.id;
}

TEST(FrameBudget, NoResultsAtAllGivesOnlyGaps) {
  const FrameBudget b = frame_budget({}, {90, 120});
  EXPECT_TRUE(b.rows.empty());
  EXPECT_EQ(b.gaps.size(), frame_ops().size());
}

TEST(FrameBudget, SkippedAndFailedRowsAreGapsWithTheirReason) {
  Result failed = make_result("processes.fork_exit", 50'000);
  failed.status = Status::failed;
  failed.reason = "fork: EAGAIN";
  std::vector<Result> rs{make_skipped("scheduling.futex_cross_cpu", "only one CPU allowed"), failed,
                         make_result("syscalls.getppid_raw", 100)};
  const FrameBudget b = frame_budget(rs, {90});
  ASSERT_EQ(b.rows.size(), 1u);
  EXPECT_EQ(b.rows[0].op.id, "syscalls.getppid_raw");
  bool saw_skip = false, saw_fail = false;
  for (const FrameBudgetGap& g : b.gaps) {
    if (g.op.id == "scheduling.futex_cross_cpu") {
      saw_skip = true;
      EXPECT_TRUE(has(g.why, "not in this run")) << g.why;
      EXPECT_TRUE(has(g.why, "skipped: only one CPU allowed")) << g.why;
    }
    if (g.op.id == "processes.fork_exit") {
      saw_fail = true;
      EXPECT_TRUE(has(g.why, "failed: fork: EAGAIN")) << g.why;
    }
  }
  EXPECT_TRUE(saw_skip);
  EXPECT_TRUE(saw_fail);
}

TEST(FrameBudget, RowWithoutStatsOrNanosecondUnitIsAGap) {
  Result no_stats = make_result("syscalls.getppid_raw", 100);
  no_stats.stats.reset();
  Result ratio = make_result("vm.first_touch", 3, 4, "x");
  const FrameBudget b = frame_budget({no_stats, ratio}, {90});
  EXPECT_TRUE(b.rows.empty());
  EXPECT_EQ(b.gaps.size(), frame_ops().size());
}

TEST(FrameBudget, OtherUnitsInNanosecondsCount) {
  // vm.first_touch is "ns/page": a cost per fault all the same.
  const FrameBudget b = frame_budget({make_result("vm.first_touch", 500, 1000, "ns/page")}, {100});
  ASSERT_EQ(b.rows.size(), 1u);
  EXPECT_EQ(b.rows[0].unit, "ns/page");
  EXPECT_EQ(b.rows[0].cells[0].fit_1pct_p50, 200);  // 100 µs / 500 ns
  EXPECT_EQ(b.rows[0].cells[0].fit_period_p99, 10'000);
}

TEST(FrameBudget, UnusableCostGivesNaNCountsNotInfinity) {
  const FrameBudget b = frame_budget({make_result("syscalls.getppid_raw", 0, 0)}, {90});
  ASSERT_EQ(b.rows.size(), 1u);
  EXPECT_TRUE(std::isnan(b.rows[0].cells[0].fit_1pct_p50));
  EXPECT_TRUE(std::isnan(b.rows[0].cells[0].fit_period_p99));
}

TEST(CheckFrameRates, AcceptsOrdinaryRatesAndTheLimit) {
  EXPECT_NO_THROW(check_frame_rates({90}));
  EXPECT_NO_THROW(check_frame_rates({90, 120, 1000, 0.5}));
  EXPECT_NO_THROW(check_frame_rates({kMaxFrameHz}));
}

TEST(CheckFrameRates, RefusesZeroNegativeTooHighNaNAndNone) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const double inf = std::numeric_limits<double>::infinity();
  for (const std::vector<double>& bad :
       std::vector<std::vector<double>>{{0}, {-5}, {90, 0}, {100001}, {nan}, {inf}, {}}) {
    try {
      check_frame_rates(bad);
      ADD_FAILURE() << "accepted a bad rate list of size " << bad.size();
    } catch (const illusion::core::UsageError& e) {
      EXPECT_TRUE(has(e.what(), "--hz")) << e.what();
    }
  }
}
