// Oversubscription and fairness: busy threads, one, one per CPU, two and four per CPU, each
// counting compute-only work units for the same wall time. More runnable threads than CPUs
// cannot add throughput; what they add is waiting: each thread runs a slice, then queues while
// the others run theirs. The rows show the throughput, what a CPU-second buys (the
// perf-per-watt proxy where no energy counter exists), how evenly the scheduler shares, and the
// slices and waits each thread saw from its own side.
#include <optional>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "core/format.h"
#include "core/measure.h"
#include "scheduling/busy_energy.h"
#include "scheduling/busy_summary.h"
#include "scheduling/busy_threads.h"
#include "scheduling/placement.h"
#include "scheduling/rows.h"

namespace illusion::labs::scheduling {
namespace {

// Rough wall time (quick, default, thorough): the window plus starting and joining threads.
constexpr core::DurationHint kBusyHint{0.22, 1.05, 4.1};

double window_ns(core::Profile p) {
  switch (p) {
    case core::Profile::quick:
      return 0.2e9;
    case core::Profile::thorough:
      return 4e9;
    case core::Profile::standard:
      break;
  }
  return 1e9;
}

constexpr const char* kStatsPer =
    "run slice: how long a thread ran between two waits, by its own clock readings (a step "
    "between readings over the gap threshold across which its context-switch count moved is a "
    "wait; one with no switch is a stall, inside the slice); each thread's first and last slice "
    "are cut by the window's edges, so a thread never switched out counts one slice as long as "
    "the window";

double earlier_metric(const core::Result* row, const char* name) {
  const core::Metric* m = row ? row->metric(name) : nullptr;
  return m ? m->value : 0;
}

void add_params(core::Result& r, const CpuBudget& budget, const BusyPlan& plan) {
  r.add_param("threads", static_cast<double>(plan.threads));
  r.add_param("cpus", static_cast<double>(budget.cpus.size()));
  r.add_param("cpu_list", fmt::format("{}", fmt::join(budget.cpus, ",")));
  r.add_param("cpu_quota",
              budget.quota_cpus
                  ? fmt::format("{:.2f} CPUs' worth (cgroup cpu.max): the threads together get "
                                "no more than that, whatever the CPU count",
                                *budget.quota_cpus)
                  : std::string("none"));
  r.add_param("window_s", plan.duration_ns / 1e9);
  r.add_param("gap_threshold_ns", plan.gap_threshold_ns);
  r.add_param("work_unit", "48 rounds of a multiply-xorshift hash: registers only, no memory");
  r.add_param("stats_per", kStatsPer);
}

void add_energy(core::Result& r, const EnergyMeter& meter, const std::optional<double>& joules,
                double units) {
  if (!meter.unavailable().empty()) {
    r.add_param("energy", "not available: " + meter.unavailable() +
                              "; units per CPU-second stands in for performance per watt");
    return;
  }
  r.add_param("energy_zones", meter.zones());
  if (!joules || *joules <= 0) {
    r.add_param("energy", "not available: a RAPL zone could not be read at the end");
    return;
  }
  // The package's energy: the whole machine's work in the window, not these threads' alone.
  r.add_metric("energy_j", *joules, "J");
  r.add_metric("units_per_joule", units / *joules, "units/J");
}

std::string meaning(const core::RunContext& ctx, const core::Result& r, const BusySummary& s,
                    const CpuBudget& budget) {
  const std::size_t cpus = budget.cpus.size();
  const std::string quota =
      budget.quota_cpus ? fmt::format(" (capped at {:.2f} CPUs' worth by the cgroup's cpu.max)",
                                      *budget.quota_cpus)
                        : std::string();
  std::string total = core::format_count(s.units_per_s) + " units/s";
  std::string per_cpu_s = core::format_count(s.units_per_cpu_s);
  const core::Result* one = earlier_result(ctx, "cpu_bound_1x1");
  if (one && one->id != r.id) {
    const double base = earlier_metric(one, "units_per_s");
    const double base_cpu = earlier_metric(one, "units_per_cpu_s");
    if (base > 0)
      total += fmt::format(" ({} one thread's)", core::format_ratio(s.units_per_s / base));
    if (base_cpu > 0)
      per_cpu_s += fmt::format(" ({})", core::format_ratio(s.units_per_cpu_s / base_cpu));
  }
  std::string line = fmt::format(
      "{} busy thread{} on {} CPU{}{}: {} in all, {} per CPU-second; each thread got {} of a CPU, "
      "progress min/max {} (CV {}); it ran slices of p50 {} (p99 {}) and waited {} between "
      "them; {}; per thread {} involuntary switches",
      s.threads, s.threads == 1 ? "" : "s", cpus, cpus == 1 ? "" : "s", quota, total, per_cpu_s,
      core::format_percent(s.cpu_share),
      core::format_sig3(s.fairness.max > 0 ? s.fairness.min / s.fairness.max : 0),
      core::format_percent(s.fairness.cv), core::format_ns(r.stats->p50),
      core::format_ns(r.stats->p99), describe_waits(s), describe_stalls(s),
      core::format_count(s.involuntary_per_thread));
  if (s.migrations_per_thread)
    line += fmt::format(", {} migrations", core::format_count(*s.migrations_per_thread));
  return line + ".";
}

core::Result run_cpu_bound(core::RunContext& ctx, core::Result r, std::size_t per_cpu) {
  const CpuBudget budget = cpu_budget(ctx);
  const std::size_t cpus = std::max<std::size_t>(1, budget.cpus.size());
  BusyPlan plan;
  plan.threads = per_cpu == 0 ? 1 : per_cpu * cpus;
  plan.duration_ns = window_ns(ctx.profile);

  EnergyMeter meter;
  meter.start();
  const BusyRun run = run_busy(*ctx.clock, plan, ctx.progress);
  const std::optional<double> joules = meter.joules_since_start();
  if (std::string why = run.refusal(); !why.empty()) return core::skipped(std::move(r), why);

  BusySummary s = summarize(run);
  add_params(r, budget, plan);
  add_busy_figures(r, s, "");
  if (s.units_per_cpu_s > 0) r.add_metric("unit_ns", 1e9 / s.units_per_cpu_s, "ns/unit");
  add_energy(r, meter, joules, s.units_total);
  const double slices = static_cast<double>(s.runs_ns.size());
  core::finish_result(r, std::move(s.runs_ns), slices, nullptr);
  r.meaning = meaning(ctx, r, s, budget);
  return r;
}

}  // namespace

std::vector<core::Experiment> cpu_bound_rows() {
  const auto row = [](const char* id, const char* title, const char* shows, std::size_t per_cpu) {
    return experiment(id, title, shows, "ns/slice", kBusyHint,
                      [per_cpu](core::RunContext& ctx, core::Result r) {
                        return run_cpu_bound(ctx, std::move(r), per_cpu);
                      });
  };
  return {
      row("cpu_bound_1x1", "1 busy thread",
          "One compute-only thread: the throughput of one CPU and how often anything else "
          "takes it away.",
          0),
      row("cpu_bound_cores", "busy threads = CPUs",
          "One busy thread per allowed CPU: all the throughput there is, each thread nearly "
          "undisturbed.",
          1),
      row("cpu_bound_2x", "busy threads = 2x CPUs",
          "Twice as many busy threads as CPUs: no more throughput, each thread waits about as "
          "long as it runs.",
          2),
      row("cpu_bound_4x", "busy threads = 4x CPUs",
          "Four busy threads per CPU: the same throughput shared four ways, with waits three "
          "slices long and more involuntary switches.",
          4),
  };
}

}  // namespace illusion::labs::scheduling
