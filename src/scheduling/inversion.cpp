// Priority inversion (Mars Pathfinder, 1997), staged with three SCHED_FIFO threads on one CPU:
// H's wait for a mutex held by L, with a plain mutex (M's unrelated burst lands inside H's
// wait: unbounded inversion) and with priority inheritance (H waits for L's critical section
// only). Each round is staged by inversion_round.cpp; this file runs the rounds and reports.
//
// Safety: the cast spins on one CPU at real-time priority, starving everything else there
// (kernel per-CPU work, other threads of this program). Every spin is bounded by the wall clock
// (M's burst, staged at 20 ms, is the longest), the cast sits on the last allowed CPU with the
// caller moved elsewhere when there are two, and the kernel's RT throttling (sched_rt_runtime_us,
// 950000 of every 1000000 µs by default) remains the last-resort net that would cut a runaway
// spinner.
#include <algorithm>
#include <cmath>
#include <fstream>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "core/format.h"
#include "core/measure.h"
#include "core/result.h"
#include "core/stats.h"
#include "scheduling/inversion_round.h"
#include "scheduling/placement.h"
#include "scheduling/rows.h"

namespace illusion::labs::scheduling {
namespace {

// The staging: configuration, recorded as params and never reported as a measurement. L spins
// this long of wall clock (not CPU time) after locking, so a preempted L unlocks as soon as it
// runs again; M spins this long of wall clock once cued.
constexpr double kCriticalNs = 2e6;  // L's critical section
constexpr double kMediumNs = 20e6;   // M's burst, 10x the section so the inversion dwarfs it
// What H's median wait is called, judged against what the rounds measured: most of M's burst as
// run (its start is cued right after H blocks, so a wait this close to it spans the burst), or
// no more than the section as staged plus the same margin (an uncontended hand-over).
constexpr double kMostOfBurst = 0.8;
constexpr double kSectionMargin = 2.0;

std::size_t rounds_for(core::Profile p) {
  switch (p) {
    case core::Profile::quick:
      return 3;
    case core::Profile::thorough:
      return 40;
    default:
      return 15;
  }
}

// "950000 of 1000000 µs" from /proc/sys/kernel, or "" when unreadable.
std::string rt_throttling() {
  long runtime = 0, period = 0;
  std::ifstream r("/proc/sys/kernel/sched_rt_runtime_us"), p("/proc/sys/kernel/sched_rt_period_us");
  if (!(r >> runtime) || !(p >> period)) return "";
  if (runtime < 0)
    return fmt::format("off (-1): real-time tasks may take all of every {} µs", period);
  return fmt::format("{} of every {} µs", runtime, period);
}

double mean(const std::vector<double>& v) {
  double sum = 0;
  for (double x : v) sum += x;
  return v.empty() ? 0 : sum / static_cast<double>(v.size());
}

// The rounds' figures, valid rounds only.
struct Rounds {
  std::vector<double> h_wait, hold, medium_run, low_preempted, high_blocked;
  std::size_t excluded = 0;
  std::string first_exclusion;
  std::string error;  // staging refused: the row cannot run here
};

Rounds run_rounds(core::RunContext& ctx, const InversionConfig& config, std::size_t n) {
  Rounds out;
  for (std::size_t i = 0; i < n; ++i) {
    RoundOutcome o = run_inversion_round(*ctx.clock, config);
    ctx.report_progress(static_cast<double>(i + 1) / static_cast<double>(n));
    if (!o.error.empty()) {
      out.error = o.error;
      return out;
    }
    if (!o.out_of_order.empty()) {
      if (out.excluded++ == 0) out.first_exclusion = o.out_of_order;
      continue;
    }
    out.h_wait.push_back(o.h_wait_ns);
    out.hold.push_back(o.hold_ns);
    out.medium_run.push_back(o.medium_run_ns);
    out.low_preempted.push_back(static_cast<double>(o.low_preempted));
    out.high_blocked.push_back(static_cast<double>(o.high_blocked));
  }
  return out;
}

// Where the cast and the caller ran: the caller moves off the cast's CPU when it can, so
// the real-time spinning never has to share a CPU with it.
std::string place_caller(const CpuBudget& budget, int stage_cpu, AffinityGuard& caller) {
  if (budget.cpus.size() < 2)
    return fmt::format(
        "L, M, H and the caller all on CPU {} (the only CPU allowed; the caller only blocks in "
        "sem_wait/join while the cast runs)",
        stage_cpu);
  const int caller_cpu = budget.cpus.front();
  if (std::string why = caller.pin(caller_cpu); !why.empty())
    return fmt::format("L, M, H on CPU {}; the caller unpinned ({})", stage_cpu, why);
  return fmt::format("L, M, H on CPU {}; the caller on CPU {}", stage_cpu, caller_cpu);
}

// Metrics are what the rounds measured; the staged durations are params (run_inversion).
void add_figures(core::Result& r, const Rounds& rounds) {
  r.add_metric("h_wait_p50_ns", r.stats->p50, "ns");
  r.add_metric("h_wait_max_ns", r.stats->max, "ns");
  // L: mutex locked -> unlocked, as held (stretched by M's burst with a plain mutex).
  r.add_metric("critical_section_held_p50_ns", core::median(rounds.hold), "ns");
  r.add_metric("critical_section_held_max_ns",
               *std::max_element(rounds.hold.begin(), rounds.hold.end()), "ns");
  // M: burst start -> end, as run.
  r.add_metric("medium_burst_ran_p50_ns", core::median(rounds.medium_run), "ns");
  r.add_metric("rounds_valid", static_cast<double>(rounds.h_wait.size()), "rounds");
  r.add_metric("rounds_excluded", static_cast<double>(rounds.excluded), "rounds");
  r.add_metric("l_preemptions_while_holding", mean(rounds.low_preempted), "switches/round");
  r.add_metric("h_blocking_switches", mean(rounds.high_blocked), "switches/round");
  core::Series by_round{"h_wait_by_round", "round", "ns", {}};
  for (std::size_t i = 0; i < rounds.h_wait.size(); ++i)
    by_round.points.emplace_back(static_cast<double>(i + 1), rounds.h_wait[i]);
  r.series.push_back(std::move(by_round));
}

double metric_value(const core::Result& r, const char* name) {
  const core::Metric* m = r.metric(name);
  return m ? m->value : NAN;
}

// What H's typical wait amounted to, judged against M's burst as this row's rounds ran it.
std::string what_h_waited_for(double p50_ns, double burst_ran_ns) {
  if (burst_ran_ns > 0 && p50_ns >= kMostOfBurst * burst_ran_ns) return "M's whole burst";
  if (p50_ns <= kSectionMargin * kCriticalNs) return "L's critical section";
  return "part of M's burst";
}

std::string what_h_waited_for(const core::Result& r) {
  return what_h_waited_for(r.stats->p50, metric_value(r, "medium_burst_ran_p50_ns"));
}

std::string staged() {
  return fmt::format("staged: L holds the mutex for {} of wall clock, M spins {}",
                     core::format_ns(kCriticalNs), core::format_ns(kMediumNs));
}

std::string meaning_pi(const core::Result& r) {
  return fmt::format(
      "H waited {} (max {}; {}) with priority inheritance: L ran at H's priority while it held "
      "the mutex (held {}), so M's burst (ran {}) could not cut in ({})",
      core::format_ns(r.stats->p50), core::format_ns(r.stats->max), what_h_waited_for(r),
      core::format_ns(metric_value(r, "critical_section_held_p50_ns")),
      core::format_ns(metric_value(r, "medium_burst_ran_p50_ns")), staged());
}

std::string meaning_plain(core::Result& r, const core::Result* pi) {
  std::string line = fmt::format(
      "H waited {} (max {}; {}) with a plain mutex: M's burst (ran {}) preempted L, which held "
      "the mutex {} ({})",
      core::format_ns(r.stats->p50), core::format_ns(r.stats->max), what_h_waited_for(r),
      core::format_ns(metric_value(r, "medium_burst_ran_p50_ns")),
      core::format_ns(metric_value(r, "critical_section_held_p50_ns")), staged());
  if (pi && pi->stats && pi->stats->p50 > 0) {
    const double ratio = r.stats->p50 / pi->stats->p50;
    r.add_metric("h_wait_ratio_to_pi", ratio, "x");
    line += fmt::format("; {} ({}) with priority inheritance: {} longer without it",
                        core::format_ns(pi->stats->p50), what_h_waited_for(*pi),
                        core::format_ratio(ratio));
  }
  return line;
}

core::Result run_inversion(core::RunContext& ctx, core::Result r, bool inherit) {
  if (std::string why = fifo_unavailable(); !why.empty())
    return core::skipped(std::move(r),
                         why +
                             "; without real-time priorities the inversion cannot be staged "
                             "deterministically (under SCHED_OTHER, CFS would let M and L "
                             "share the CPU, so L would keep progressing)");
  const CpuBudget budget = cpu_budget(ctx);
  if (budget.cpus.empty())
    return core::skipped(std::move(r), "the allowed CPUs are unknown (sched_getaffinity failed)");
  InversionConfig config{budget.cpus.back(), inherit, kCriticalNs, kMediumNs};
  AffinityGuard caller;
  r.add_param("placement", place_caller(budget, config.cpu, caller));
  r.add_param("mutex_protocol", inherit ? "PTHREAD_PRIO_INHERIT" : "PTHREAD_PRIO_NONE");
  r.add_param("priorities", fmt::format("SCHED_FIFO L={} M={} H={}", kLowPriority, kMediumPriority,
                                        kHighPriority));
  r.add_param("op", "H's wait for the mutex: lock requested -> acquired");
  // The staging, as configuration; what the rounds measured is in the metrics.
  r.add_param("critical_section_staged_ns", kCriticalNs);
  r.add_param("medium_burst_staged_ns", kMediumNs);
  if (std::string rt = rt_throttling(); !rt.empty()) r.add_param("rt_throttling", rt);
  const std::size_t planned = rounds_for(ctx.profile);
  r.add_param("rounds", static_cast<double>(planned));

  Rounds rounds = run_rounds(ctx, config, planned);
  if (!rounds.error.empty())
    return core::skipped(std::move(r), "the inversion could not be staged: " + rounds.error);
  if (rounds.excluded > 0)
    r.warnings.push_back(fmt::format(
        "{} of {} rounds did not follow L-locks -> H-blocks -> M-runs and were excluded "
        "(first: {})",
        rounds.excluded, planned, rounds.first_exclusion));
  if (rounds.h_wait.empty())
    return core::skipped(std::move(r),
                         "no round followed the script L-locks -> H-blocks -> "
                         "M-runs (first: " +
                             rounds.first_exclusion + ")");
  const double ops = static_cast<double>(rounds.h_wait.size());
  core::finish_result(r, rounds.h_wait, ops, nullptr);
  add_figures(r, rounds);
  const core::Result* pi =
      ctx.earlier ? core::find_result(*ctx.earlier, "scheduling.inversion_pi") : nullptr;
  r.meaning = inherit ? meaning_pi(r) : meaning_plain(r, pi);
  return r;
}

}  // namespace

std::vector<core::Experiment> inversion_rows() {
  // inversion_pi first, so that the plain row can compare itself with it.
  return {
      experiment("inversion_pi", "Priority inversion, PI mutex",
                 "How long a high-priority thread waits for a mutex held by a low-priority one "
                 "when the mutex lends the holder its waiter's priority (PTHREAD_PRIO_INHERIT): "
                 "the holder's critical section only.",
                 "ns/op", {0.1, 0.4, 1.0},
                 [](core::RunContext& ctx, core::Result r) {
                   return run_inversion(ctx, std::move(r), true);
                 }),
      experiment("inversion_plain", "Priority inversion, plain mutex",
                 "How long a high-priority thread waits for a mutex held by a low-priority one "
                 "while a medium-priority thread hogs the CPU (the Mars Pathfinder bug): the "
                 "medium thread's whole burst.",
                 "ns/op", {0.1, 0.4, 1.0},
                 [](core::RunContext& ctx, core::Result r) {
                   return run_inversion(ctx, std::move(r), false);
                 }),
  };
}

}  // namespace illusion::labs::scheduling
