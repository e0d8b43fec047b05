// `illusion budget`: how many syscalls, context switches, minor faults, thread and process
// creations and cold reads fit in one frame and in 1% of it. The costs come from a saved run
// (--from) or from running just the experiments that give them; the counting is
// report::frame_budget, this file only reads, runs and prints.
#include <time.h>

#include <chrono>
#include <cmath>
#include <iostream>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "cli/commands.h"
#include "cli/run_files.h"
#include "core/clock.h"
#include "core/env.h"
#include "core/errors.h"
#include "core/format.h"
#include "core/interrupt.h"
#include "core/resources.h"
#include "core/runner.h"
#include "labs/all_labs.h"
#include "report/cells.h"
#include "report/format.h"
#include "report/frame_budget.h"
#include "report/json.h"
#include "report/progress.h"
#include "report/run_record.h"
#include "report/text_table.h"

namespace illusion::cli {
namespace {

constexpr std::size_t kLineWidth = 118;

std::string join(const std::vector<std::string>& parts, const std::string& sep = ", ") {
  std::string out;
  for (const std::string& p : parts) out += (out.empty() ? "" : sep) + p;
  return out;
}

// Runs exactly the experiments the budget needs, at `profile`, with progress on stderr; the
// temp dir goes when this returns.
report::RunRecord measure_costs(core::Profile profile) {
  const std::vector<core::Lab> labs = labs::all_labs();
  const auto selected = core::select_experiments(labs, report::frame_op_ids());
  const std::string parent = test_file_parent("");
  core::RunContext ctx;
  ctx.profile = profile;
  ctx.file_bytes = parse_file_size("");
  check_disk_room(parent, selected, ctx);

  core::install_cleanup_handlers();
  core::TempDir temp(parent);
  // Ctrl-C: children killed, temp dir removed, exit 130; a budget half-measured is not written.
  const core::InterruptWatch watch(nullptr);
  const auto clock = core::make_clock();
  core::EnvInfo env = core::probe_env("", parent);
  env.caveats = core::env_caveats(env);

  report::RunRecord record;
  record.tool_version = ILLUSION_VERSION;
  record.profile = core::profile_name(profile);
  record.started_at = core::utc_now_iso8601();
  record.selection = report::frame_op_ids();

  ctx.clock = clock.get();
  ctx.env = &env;
  ctx.temp_dir = temp.path();

  const auto t0 = std::chrono::steady_clock::now();
  {
    report::ConsoleProgress progress(std::cerr, report::stderr_is_live(), profile);
    record.results = core::run_experiments(selected, ctx, progress);
  }
  record.duration_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  record.env = env;
  record.clock = clock->info();
  return record;
}

void write_table(std::ostream& out, const report::FrameBudget& budget) {
  using report::format_whole;
  out << "Frame budget: how many fit in one frame and in 1% of it (each cell: at p50 / at p99)\n\n";
  report::TextTable table(kLineWidth);
  table.add_column("operation", report::Align::left);
  table.add_column("p50", report::Align::right);
  table.add_column("p99", report::Align::right);
  for (double hz : budget.hz) {
    table.add_column(fmt::format("per {} frame", report::format_hz(hz)), report::Align::right);
    table.add_column(fmt::format("in 1% ({})", report::format_ns(1e9 / hz * report::kBudgetShare)),
                     report::Align::right);
  }
  for (const report::FrameBudgetRow& row : budget.rows) {
    std::vector<std::string> cells{row.op.label, report::format_ns(row.p50_ns),
                                   report::format_ns(row.p99_ns)};
    for (const report::BudgetCell& c : row.cells) {
      cells.push_back(
          fmt::format("{} / {}", format_whole(c.fit_period_p50), format_whole(c.fit_period_p99)));
      cells.push_back(
          fmt::format("{} / {}", format_whole(c.fit_1pct_p50), format_whole(c.fit_1pct_p99)));
    }
    table.add_row(std::move(cells));
  }
  for (const report::FrameBudgetGap& gap : budget.gaps) {
    std::vector<std::string> cells{gap.op.label, report::kMissing, report::kMissing};
    for (std::size_t i = 0; i < budget.hz.size(); ++i) {
      cells.emplace_back(report::kMissing);
      cells.emplace_back(report::kMissing);
    }
    table.add_row(std::move(cells));
  }
  table.write(out);
}

void write_footer(std::ostream& out, const report::FrameBudget& budget,
                  const report::RunRecord& record, const std::string& from) {
  out << '\n';
  for (double hz : budget.hz) {
    const double period_ns = 1e9 / hz;
    report::write_bullet(out,
                         fmt::format("At {} a frame lasts {}; 1% of it is {}.",
                                     report::format_hz(hz), report::format_ns(period_ns),
                                     report::format_ns(period_ns * report::kBudgetShare)),
                         kLineWidth);
  }
  report::write_bullet(out,
                       "Counts are whole operations back to back, rounded down: at the median "
                       "(p50) cost, then at a single operation's p99 cost, the figure to plan a "
                       "deadline with.",
                       kLineWidth);
  for (const report::FrameBudgetRow& row : budget.rows)
    if (!std::isfinite(row.p99_ns))
      report::write_bullet(out,
                           fmt::format("{}: no p99, because the operation is too short to time "
                                       "alone and only means of batches of it were measured; "
                                       "a batch mean hides a slow single call.",
                                       row.op.label),
                           kLineWidth);
  const std::string when = record.started_at.empty() ? "date unknown" : record.started_at;
  const std::string machine = join(report::machine_parts(record));
  if (from.empty()) {
    report::write_bullet(out,
                         fmt::format("p50 and p99 costs measured in this run ({} profile, {}, "
                                     "{:.1f} s) on {}.",
                                     record.profile, when, record.duration_s, machine),
                         kLineWidth);
  } else {
    report::write_bullet(
        out,
        fmt::format("p50 and p99 costs taken from {} ({} profile, run of {}) on {}.", from,
                    record.profile, when, machine),
        kLineWidth);
  }
  // Operations simply absent share one line; a skipped or failed one gets its reason.
  std::vector<std::string> absent;
  for (const report::FrameBudgetGap& gap : budget.gaps) {
    if (gap.why == "not in this run") {
      absent.push_back(fmt::format("{} ({})", gap.op.label, gap.op.id));
    } else {
      report::write_bullet(out, fmt::format("{} ({}): {}.", gap.op.label, gap.op.id, gap.why),
                           kLineWidth);
    }
  }
  if (!absent.empty())
    report::write_bullet(out, "Not in this run: " + join(absent, "; ") + ".", kLineWidth);
  std::string sources;
  for (const report::FrameBudgetRow& row : budget.rows)
    sources += (sources.empty() ? "" : ", ") + row.op.id;
  if (!sources.empty())
    report::write_bullet(out, "Each cost is the p50 / p99 of " + sources + ", in table order.",
                         kLineWidth);
}

}  // namespace

int cmd_budget(const BudgetOptions& options) {
  report::check_frame_rates(options.hz);
  const report::RunRecord record =
      options.from.empty() ? measure_costs(options.profile) : report::read_run_file(options.from);
  const report::FrameBudget budget = report::frame_budget(record.results, options.hz);
  write_table(std::cout, budget);
  write_footer(std::cout, budget, record, options.from);
  std::cout.flush();
  return 0;
}

}  // namespace illusion::cli
