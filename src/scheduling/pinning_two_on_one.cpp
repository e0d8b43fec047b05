// Two busy threads pinned to the same CPU while another CPU idles, then the same two left to
// the scheduler: pinned, they share one CPU's throughput and each waits a slice for the other;
// free, the scheduler spreads them. Pinning is done by each thread on itself.
#include "scheduling/pinning.h"

#include <optional>
#include <string>

#include <fmt/format.h>

#include "core/format.h"
#include "core/measure.h"
#include "scheduling/busy_summary.h"
#include "scheduling/busy_threads.h"
#include "scheduling/placement.h"

namespace illusion::labs::scheduling {
namespace {

// Each of the two phases.
double phase_window_ns(core::Profile p) {
  switch (p) {
    case core::Profile::quick:
      return 0.15e9;
    case core::Profile::thorough:
      return 2e9;
    case core::Profile::standard:
      break;
  }
  return 0.8e9;
}

std::optional<double> idle_share(const std::optional<CpuTimes>& a,
                                 const std::optional<CpuTimes>& b) {
  if (!a || !b || b->total <= a->total) return std::nullopt;
  return (b->idle - a->idle) / (b->total - a->total);
}

}  // namespace

core::Result run_two_on_one(core::RunContext& ctx, core::Result r) {
  const CpuBudget budget = cpu_budget(ctx);
  if (std::string why = cross_cpu_unavailable(budget); !why.empty())
    return core::skipped(std::move(r), why);
  const int crowded = budget.cpus[0], spare = budget.cpus[1];
  const double window = phase_window_ns(ctx.profile);

  const auto idle_before = cpu_times(spare);
  const BusyRun pinned_run = run_busy(*ctx.clock, {.threads = 2,
                                                   .cpus = {crowded},
                                                   .duration_ns = window,
                                                   .gap_threshold_ns = kGapThresholdNs});
  const auto idle_after = cpu_times(spare);
  if (std::string why = pinned_run.refusal(); !why.empty()) return core::skipped(std::move(r), why);
  ctx.report_progress(0.5);
  const BusyRun free_run = run_busy(
      *ctx.clock,
      {.threads = 2, .cpus = {}, .duration_ns = window, .gap_threshold_ns = kGapThresholdNs});

  BusySummary pinned = summarize(pinned_run), free = summarize(free_run);
  r.add_param("pinned_to_cpu", static_cast<double>(crowded));
  r.add_param("spare_cpu", static_cast<double>(spare));
  r.add_param("phase_window_s", window / 1e9);
  r.add_param("gap_threshold_ns", kGapThresholdNs);
  r.add_param("stats_per",
              "wait: a gap in a pinned thread's own clock readings (> the gap threshold) across "
              "which it was switched out: the other pinned thread, or anything else, held the "
              "CPU");
  add_busy_figures(r, pinned, "pinned_");
  add_busy_figures(r, free, "unpinned_");
  const double ratio = free.units_per_s > 0 ? pinned.units_per_s / free.units_per_s : 0;
  r.add_metric("throughput_ratio", ratio, "ratio");
  const std::optional<double> spare_idle = idle_share(idle_before, idle_after);
  if (spare_idle)
    r.add_metric("spare_cpu_idle_share", *spare_idle, "fraction");
  else
    r.warnings.push_back(
        fmt::format("the spare CPU's idle time: no cpu{} line in /proc/stat", spare));
  if (pinned.waits.n == 0)
    r.warnings.push_back("the pinned threads never waited: were they really on one CPU?");
  const double waits = static_cast<double>(pinned.waits_ns.size());
  core::finish_result(r, pinned.waits_ns, waits, nullptr);

  r.meaning = fmt::format(
      "Two busy threads pinned to CPU {} while CPU {} was idle {} of the time: {} units/s, {} "
      "of the same two unpinned ({} units/s); each pinned thread had {} of a CPU and waited {} "
      "between its slices (unpinned: {}); migrations per pinned thread: {}.",
      crowded, spare, spare_idle ? core::format_percent(*spare_idle) : std::string(core::kMissing),
      core::format_count(pinned.units_per_s), core::format_ratio(ratio),
      core::format_count(free.units_per_s), core::format_percent(pinned.cpu_share),
      describe_waits(pinned), describe_waits(free),
      pinned.migrations_per_thread ? core::format_count(*pinned.migrations_per_thread)
                                   : std::string(core::kMissing));
  return r;
}

}  // namespace illusion::labs::scheduling
