// The syscall budget: how many calls of each kind fit into a slice of a real-time loop's
// period (a 90 Hz VR frame, a 120 Hz display, a 1 kHz control loop).
//
// We budget 1% of the period because a loop that spends more than that on one kind of kernel
// crossing has a design problem worth knowing about; the whole-period count is given beside it
// as the absolute ceiling. Pure arithmetic over results: tested with synthetic values.
#pragma once

#include <string>
#include <vector>

#include "core/result.h"

namespace illusion::report {

inline constexpr double kBudgetShare = 0.01;  // 1% of the period

// The budget table's title in every report.
inline constexpr const char* kBudgetTitle =
    "Budget: calls that fit in 1% of a period (at p50 / at a single call's p99; — where "
    "calls were timed only in batches)";

struct BudgetCell {
  double hz = 0;
  double period_ns = 0;
  double fit_1pct_p50 = 0;    // whole calls at the median cost in 1% of the period
  double fit_1pct_p99 = 0;    // ... at a single call's p99 (the figure to plan a deadline
                              // with); NaN when the row has only batch means
  double fit_period_p50 = 0;  // whole calls in the full period, median cost
  double fit_period_p99 = 0;
};

struct BudgetRow {
  std::string id, title;
  double p50_ns = 0;
  double p99_ns = 0;  // a single call's p99 (core::per_op_stats); NaN for batch means only
  std::vector<BudgetCell> cells;  // one per requested rate, in the order given
};

// The frame every sentence and table that speaks of "a frame" means: 90 Hz, a VR headset's
// refresh, the tightest common display loop. One constant, so the commentary, the cost ladder
// and the budgets cannot drift apart.
inline constexpr double kReferenceFrameHz = 90;
inline constexpr double kReferenceFrameNs = 1e9 / kReferenceFrameHz;

// One cell. Counts are rounded down (a call that does not fit whole does not fit); a cost or
// rate that is not positive and finite gives NaN counts ("cannot tell"), never infinity.
BudgetCell budget_cell(double hz, double p50_ns, double p99_ns);

// The values of a result's "category" parameter (the syscalls lab sets it) that put the row in
// the syscall budget: single calls, not loops or amortised passes. cli_tests' ReportInputs test
// checks each against the lab's own constants, so a renamed category cannot empty the table.
inline constexpr const char* kBudgetedCategories[] = {"call", "syscall"};

// A row for every ok result in ns/op whose "category" parameter is one of kBudgetedCategories,
// in result order.
std::vector<BudgetRow> syscall_budget(const std::vector<core::Result>& results,
                                      const std::vector<double>& hz = {kReferenceFrameHz, 120,
                                                                       1000});

// "90 Hz", "1 kHz", "2.5 kHz": for column headers and sentences.
std::string format_hz(double hz);

}  // namespace illusion::report
