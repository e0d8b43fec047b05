#include "report/frame_budget_text.h"

#include <cmath>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "core/format.h"
#include "report/cells.h"
#include "report/text_table.h"

namespace illusion::report {
namespace {

void write_budget_table_text(std::ostream& out, const FrameBudget& budget) {
  out << "Frame budget: how many fit in one frame and in 1% of it (each cell: at p50 / at p99)\n\n";
  TextTable table(kConsoleWidth);
  table.add_column("operation", Align::left);
  table.add_column("p50", Align::right);
  table.add_column("p99", Align::right);
  for (double hz : budget.hz) {
    table.add_column(fmt::format("per {} frame", format_hz(hz)), Align::right);
    table.add_column(fmt::format("in 1% ({})", core::format_ns(1e9 / hz * kBudgetShare)),
                     Align::right);
  }
  for (const FrameBudgetRow& row : budget.rows) {
    std::vector<std::string> cells{row.op.label, core::format_ns(row.p50_ns),
                                   core::format_ns(row.p99_ns)};
    for (const BudgetCell& c : row.cells) {
      cells.push_back(fmt::format("{} / {}", core::format_whole(c.fit_period_p50),
                                  core::format_whole(c.fit_period_p99)));
      cells.push_back(fmt::format("{} / {}", core::format_whole(c.fit_1pct_p50),
                                  core::format_whole(c.fit_1pct_p99)));
    }
    table.add_row(std::move(cells));
  }
  for (const FrameBudgetGap& gap : budget.gaps) {
    std::vector<std::string> cells{gap.op.label, core::kMissing, core::kMissing};
    for (std::size_t i = 0; i < budget.hz.size(); ++i) {
      cells.emplace_back(core::kMissing);
      cells.emplace_back(core::kMissing);
    }
    table.add_row(std::move(cells));
  }
  table.write(out);
}

void write_budget_footer(std::ostream& out, const FrameBudget& budget, const RunRecord& record,
                         const std::string& from) {
  out << '\n';
  for (double hz : budget.hz) {
    const double period_ns = 1e9 / hz;
    write_bullet(out,
                 fmt::format("At {} a frame lasts {}; 1% of it is {}.", format_hz(hz),
                             core::format_ns(period_ns), core::format_ns(period_ns * kBudgetShare)),
                 kConsoleWidth);
  }
  write_bullet(out,
               "Counts are whole operations back to back, rounded down: at the median "
               "(p50) cost, then at a single operation's p99 cost, the figure to plan a "
               "deadline with.",
               kConsoleWidth);
  for (const FrameBudgetRow& row : budget.rows)
    if (!std::isfinite(row.p99_ns))
      write_bullet(out,
                   fmt::format("{}: no p99, because the operation is too short to time "
                               "alone and only means of batches of it were measured; "
                               "a batch mean hides a slow single call.",
                               row.op.label),
                   kConsoleWidth);
  const std::string when = record.started_at.empty() ? "date unknown" : record.started_at;
  const std::string machine = join(machine_parts(record), ", ");
  if (from.empty()) {
    write_bullet(out,
                 fmt::format("p50 and p99 costs measured in this run ({} profile, {}, "
                             "{:.1f} s) on {}.",
                             record.profile, when, record.duration_s, machine),
                 kConsoleWidth);
  } else {
    write_bullet(out,
                 fmt::format("p50 and p99 costs taken from {} ({} profile, run of {}) on {}.", from,
                             record.profile, when, machine),
                 kConsoleWidth);
  }
  // Operations simply absent share one line; a skipped or failed one gets its reason.
  std::vector<std::string> absent;
  for (const FrameBudgetGap& gap : budget.gaps) {
    if (gap.why == "not in this run") {
      absent.push_back(fmt::format("{} ({})", gap.op.label, gap.op.id));
    } else {
      write_bullet(out, fmt::format("{} ({}): {}.", gap.op.label, gap.op.id, gap.why),
                   kConsoleWidth);
    }
  }
  if (!absent.empty())
    write_bullet(out, "Not in this run: " + join(absent, "; ") + ".", kConsoleWidth);
  std::string sources;
  for (const FrameBudgetRow& row : budget.rows)
    sources += (sources.empty() ? "" : ", ") + row.op.id;
  if (!sources.empty())
    write_bullet(out, "Each cost is the p50 / p99 of " + sources + ", in table order.",
                 kConsoleWidth);
}

}  // namespace

void write_frame_budget(std::ostream& out, const FrameBudget& budget, const RunRecord& record,
                        const std::string& from) {
  write_budget_table_text(out, budget);
  write_budget_footer(out, budget, record, from);
}

}  // namespace illusion::report
