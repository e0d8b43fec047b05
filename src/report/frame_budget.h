// The frame budget (`illusion budget`): how many of each costly OS operation fit into one
// frame of a real-time loop and into 1% of it, at the median and at the p99 cost.
//
// The operations are fixed (a syscall, a context switch on one CPU and across two, a minor
// fault, a thread and a process creation, a cold 4 KiB read); their costs come from a run's
// results, whether measured just now or read back from a saved run. Pure arithmetic over
// results (budget_cell does the counting): tested with synthetic values.
#pragma once

#include <string>
#include <vector>

#include "core/result.h"
#include "report/budget.h"

namespace illusion::report {

// Frame rates `illusion budget` accepts: above 0 and at most this (a 10 µs period).
inline constexpr double kMaxFrameHz = 100000;

// One operation the budget counts, and the experiment whose p50/p99 is its cost.
struct FrameOp {
  std::string id;     // experiment id, e.g. "syscalls.getppid_raw"
  std::string label;  // what a reader calls it, e.g. "syscall (getppid)"
};

// The operations, in the order the table lists them.
const std::vector<FrameOp>& frame_ops();

// Their experiment ids, in the same order: what `illusion budget` runs when it measures.
std::vector<std::string> frame_op_ids();

struct FrameBudgetRow {
  FrameOp op;
  std::string unit;  // the experiment's unit ("ns/op", "ns/page", ...)
  double p50_ns = 0, p99_ns = 0;
  std::vector<BudgetCell> cells;  // one per rate, in the order given
};

// An operation without a usable cost: the run has no such row, or the row is not ok.
struct FrameBudgetGap {
  FrameOp op;
  std::string why;  // "not in this run", or "not in this run (skipped: <reason>)"
};

struct FrameBudget {
  std::vector<double> hz;
  std::vector<FrameBudgetRow> rows;  // operations with a cost, in frame_ops() order
  std::vector<FrameBudgetGap> gaps;  // the others, in frame_ops() order
};

// The budget of every frame_ops() operation at every rate. A result counts when it is ok, has
// stats and a nanosecond-based unit ("ns/..."); anything else becomes a gap.
FrameBudget frame_budget(const std::vector<core::Result>& results, const std::vector<double>& hz);

// Throws core::UsageError naming --hz unless every rate is a number in (0, kMaxFrameHz] and
// there is at least one.
void check_frame_rates(const std::vector<double>& hz);

}  // namespace illusion::report
