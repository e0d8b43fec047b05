#include "report/budget.h"

#include <fmt/format.h>

#include <cmath>
#include <limits>
#include <variant>

#include "core/format.h"

namespace illusion::report {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

bool positive(double v) {
  return std::isfinite(v) && v > 0;
}

double whole_fits(double budget_ns, double cost_ns) {
  if (!positive(budget_ns) || !positive(cost_ns)) return kNaN;
  return std::floor(budget_ns / cost_ns);
}

bool is_budgeted_call(const core::Result& r) {
  if (r.status != core::Status::ok || r.unit != "ns/op" || !r.stats) return false;
  for (const core::Param& p : r.params) {
    if (p.name != "category") continue;
    const auto* text = std::get_if<std::string>(&p.value);
    if (!text) return false;
    for (const char* category : kBudgetedCategories)
      if (*text == category) return true;
    return false;
  }
  return false;
}

}  // namespace

BudgetCell budget_cell(double hz, double p50_ns, double p99_ns) {
  BudgetCell cell;
  cell.hz = hz;
  cell.period_ns = positive(hz) ? 1e9 / hz : kNaN;
  cell.fit_1pct_p50 = whole_fits(cell.period_ns * kBudgetShare, p50_ns);
  cell.fit_1pct_p99 = whole_fits(cell.period_ns * kBudgetShare, p99_ns);
  cell.fit_period_p50 = whole_fits(cell.period_ns, p50_ns);
  cell.fit_period_p99 = whole_fits(cell.period_ns, p99_ns);
  return cell;
}

std::vector<BudgetRow> syscall_budget(const std::vector<core::Result>& results,
                                      const std::vector<double>& hz) {
  std::vector<BudgetRow> rows;
  for (const core::Result& r : results) {
    if (!is_budgeted_call(r)) continue;
    const core::Stats* ops = core::per_op_stats(r);
    BudgetRow row{r.id, r.title, r.stats->p50, ops ? ops->p99 : kNaN, {}};
    for (double rate : hz) row.cells.push_back(budget_cell(rate, row.p50_ns, row.p99_ns));
    rows.push_back(std::move(row));
  }
  return rows;
}

std::string format_hz(double hz) {
  if (!std::isfinite(hz)) return core::kMissing;
  // "{:g}" drops the trailing zeros a rate never needs: "90 Hz", not "90.0 Hz".
  if (hz >= 1000) return fmt::format("{:g} kHz", hz / 1000);
  return fmt::format("{:g} Hz", hz);
}

}  // namespace illusion::report
