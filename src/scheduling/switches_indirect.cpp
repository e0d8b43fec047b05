// The indirect-cost row: runs the three re-read conditions (switch_reread.cpp) and says how
// much a switch to a cache-hungry partner costs the thread afterwards, and whether that is more
// than the noise of the measurement.
#include "scheduling/switches.h"

#include <cmath>
#include <string>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "core/format.h"
#include "core/measure.h"
#include "core/resources.h"
#include "core/result.h"
#include "core/sampler.h"
#include "core/stats.h"
#include "scheduling/placement.h"
#include "scheduling/switch_reread.h"

namespace illusion::labs::scheduling {
namespace {

// The sampling budget of this row in multiples of the profile's per-row budget: each round
// runs three conditions, so it needs more time than a single op for as many samples.
constexpr double kBudgetScale = 2.0;
// The direct cost this row compares itself with: the same futex hand-off on one CPU.
constexpr const char* kDirectId = "scheduling.futex_same_cpu";

std::string describe_extra(double extra, double noise) {
  if (std::fabs(extra) <= noise)
    return fmt::format("{} (within the noise of ±{}: no measurable effect)", core::format_ns(extra),
                       core::format_ns(noise));
  return fmt::format("{} (noise ±{})", core::format_ns(extra), core::format_ns(noise));
}

// "; 14x the direct cost of the switch itself (futex_same_cpu: 1.65 µs)" when that row ran in
// this run and the extra is above the noise; "" otherwise.
std::string versus_direct(const core::RunContext& ctx, core::Result& r, double extra,
                          double noise) {
  const core::Result* direct = ctx.earlier ? core::find_result(*ctx.earlier, kDirectId) : nullptr;
  if (!direct || !direct->stats || direct->stats->p50 <= 0 || extra <= noise) return "";
  const double ratio = extra / direct->stats->p50;
  r.add_metric("ratio_to_direct_switch", ratio, "x");
  return fmt::format("; {} the direct cost of the switch itself ({}: {})",
                     core::format_ratio(ratio), kDirectId, core::format_ns(direct->stats->p50));
}

}  // namespace

core::Result run_indirect_cost(core::RunContext& ctx, core::Result r) {
  const CpuBudget budget = cpu_budget(ctx);
  if (budget.cpus.empty())
    return core::skipped(std::move(r), "the allowed CPUs are unknown (sched_getaffinity failed)");
  IndirectConfig config;
  config.cpu = budget.cpus.back();
  std::string l2;
  config.polluter_bytes = polluter_bytes_for(config.cpu, l2);
  config.budget_ns = core::sampler_config_for(ctx.profile, kBudgetScale).budget_s * 1e9;
  AffinityGuard caller;
  if (std::string why = caller.pin(config.cpu); !why.empty())
    return core::skipped(std::move(r), "the calling thread could not be pinned: " + why);

  IndirectRun run = run_indirect(*ctx.clock, config);
  if (!run.refusal.empty()) return core::skipped(std::move(r), run.refusal);
  ctx.report_progress(1.0);

  const double quiet = core::median(run.no_switch);
  const double after = core::median(run.after_switch);
  const double after_idle = core::median(run.after_idle_switch);
  const double extra = after - quiet;
  const double idle_extra = after_idle - quiet;
  const double noise = core::difference_noise_bound(run.no_switch, run.after_switch);
  const double idle_noise = core::difference_noise_bound(run.no_switch, run.after_idle_switch);
  const double lines = static_cast<double>(config.set_bytes / 64);

  std::vector<double> extras;
  extras.reserve(run.after_switch.size());
  for (double t : run.after_switch) extras.push_back(t - quiet);
  core::finish_result(r, std::move(extras), static_cast<double>(run.after_switch.size()), nullptr);

  r.add_param(
      "stats_per",
      fmt::format(
          "one switch away and back (to a partner that touched {}): each value is a re-read after "
          "the switch minus the no-switch re-read's p50",
          core::format_size(config.polluter_bytes)));
  r.add_param("access",
              "dependent chain: one 4-byte load per 64-byte line, random cyclic "
              "order (no prefetch, no overlap)");
  r.add_param("set_bytes", static_cast<double>(config.set_bytes));
  r.add_param("polluter_bytes", static_cast<double>(config.polluter_bytes));
  r.add_param("polluter_access", "one read-modify-write per line, sequential");
  if (!l2.empty()) r.add_param("l2", l2);
  r.add_param("placement", fmt::format("caller and partner thread pinned to CPU {}; futex "
                                       "hand-off; threads of one process (no mm switch)",
                                       config.cpu));
  r.add_param("rounds", static_cast<double>(run.no_switch.size()));
  r.add_metric("extra_ns_per_switch", extra, "ns");
  r.add_metric("extra_ns_per_line", extra / lines, "ns");
  r.add_metric("noise_ns", noise, "ns");
  r.add_metric("reread_no_switch_p50_ns", quiet, "ns");
  r.add_metric("reread_after_switch_p50_ns", after, "ns");
  r.add_metric("reread_after_idle_switch_p50_ns", after_idle, "ns");
  r.add_metric("idle_switch_extra_ns", idle_extra, "ns");
  if (l2.empty())
    r.warnings.push_back(
        "the L2 size is not in sysfs: the partner touched 1 MiB, which may not "
        "be enough to evict the working set");

  r.meaning = fmt::format(
      "re-reading {} ({} lines) took {} after a switch to a partner that touched {}, {} with "
      "no switch: {} extra per switch, {} per line; a switch to a partner touching nothing "
      "added {}{}",
      core::format_size(config.set_bytes), static_cast<int>(lines), core::format_ns(after),
      core::format_size(config.polluter_bytes), core::format_ns(quiet),
      describe_extra(extra, noise), core::format_ns(extra / lines),
      describe_extra(idle_extra, idle_noise), versus_direct(ctx, r, extra, noise));
  return r;
}

}  // namespace illusion::labs::scheduling
