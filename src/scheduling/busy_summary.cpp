#include "scheduling/busy_summary.h"

#include <fmt/format.h>

#include "core/format.h"
#include "scheduling/rows.h"

namespace illusion::labs::scheduling {
namespace {

std::optional<double> mean_over_threads(const BusyRun& run,
                                        double (*delta)(const BusyThread&, bool& ok)) {
  double sum = 0;
  std::size_t n = 0;
  for (const BusyThread& t : run.threads) {
    if (!t.refusal.empty()) continue;
    bool ok = true;
    const double d = delta(t, ok);
    if (!ok) return std::nullopt;
    sum += d;
    ++n;
  }
  if (n == 0) return std::nullopt;
  return sum / static_cast<double>(n);
}

double migrations_of(const BusyThread& t, bool& ok) {
  ok = t.before.migrations && t.after.migrations;
  return ok ? static_cast<double>(*t.after.migrations - *t.before.migrations) : 0;
}
double runqueue_wait_of(const BusyThread& t, bool& ok) {
  ok = t.before.schedstat && t.after.schedstat;
  return ok ? t.after.schedstat->wait_ns - t.before.schedstat->wait_ns : 0;
}
double kernel_slices_of(const BusyThread& t, bool& ok) {
  ok = t.before.schedstat && t.after.schedstat;
  return ok ? static_cast<double>(t.after.schedstat->timeslices - t.before.schedstat->timeslices)
            : 0;
}
double involuntary_of(const BusyThread& t, bool& ok) {
  ok = true;
  return static_cast<double>(t.after.rusage.involuntary_switches -
                             t.before.rusage.involuntary_switches);
}
double voluntary_of(const BusyThread& t, bool& ok) {
  ok = true;
  return static_cast<double>(t.after.rusage.voluntary_switches -
                             t.before.rusage.voluntary_switches);
}

}  // namespace

BusySummary summarize(const BusyRun& run) {
  BusySummary s;
  std::vector<double> stalls;
  double stalled_ns = 0;
  s.threads = run.threads.size();
  s.window_s = run.window_ns / 1e9;
  for (const BusyThread& t : run.threads) {
    s.units_per_thread.push_back(static_cast<double>(t.units));
    s.units_total += static_cast<double>(t.units);
    s.cpu_s += (t.after.cpu_ns - t.before.cpu_ns) / 1e9;
    s.runs_ns.insert(s.runs_ns.end(), t.runs_ns.begin(), t.runs_ns.end());
    s.waits_ns.insert(s.waits_ns.end(), t.waits_ns.begin(), t.waits_ns.end());
    stalls.insert(stalls.end(), t.stalls_ns.begin(), t.stalls_ns.end());
    for (double ns : t.stalls_ns) stalled_ns += ns;
    if (t.cpus_seen.size() >= 2) s.threads_on_two_or_more_cpus += 1;
  }
  const double n = static_cast<double>(s.threads);
  if (s.window_s > 0) s.units_per_s = s.units_total / s.window_s;
  if (s.cpu_s > 0) s.units_per_cpu_s = s.units_total / s.cpu_s;
  if (s.window_s > 0 && n > 0) s.cpu_share = s.cpu_s / (s.window_s * n);
  s.fairness = core::compute_stats(s.units_per_thread);
  s.waits = core::compute_stats(s.waits_ns);
  s.stalls = core::compute_stats(stalls);
  if (n > 0) {
    s.waits_per_thread = static_cast<double>(s.waits_ns.size()) / n;
    s.stalls_per_thread = static_cast<double>(stalls.size()) / n;
  }
  if (n > 0 && run.window_ns > 0) s.stall_share = stalled_ns / (run.window_ns * n);
  s.involuntary_per_thread = mean_over_threads(run, involuntary_of).value_or(0);
  s.voluntary_per_thread = mean_over_threads(run, voluntary_of).value_or(0);
  s.migrations_per_thread = mean_over_threads(run, migrations_of);
  s.kernel_slices_per_thread = mean_over_threads(run, kernel_slices_of);
  if (auto wait = mean_over_threads(run, runqueue_wait_of); wait && run.window_ns > 0)
    s.runqueue_wait_share = *wait / run.window_ns;
  return s;
}

void add_busy_figures(core::Result& r, const BusySummary& s, const std::string& prefix) {
  const auto metric = [&](const std::string& name, double v, const char* unit) {
    r.add_metric(prefix + name, v, unit);
  };
  metric("threads", static_cast<double>(s.threads), "threads");
  metric("units_per_s", s.units_per_s, "units/s");
  metric("units_per_cpu_s", s.units_per_cpu_s, "units/CPU-s");
  metric("cpu_share", s.cpu_share, "fraction");
  metric("units_per_thread_min", s.fairness.min, "units");
  metric("units_per_thread_max", s.fairness.max, "units");
  metric("fairness_min_over_max", s.fairness.max > 0 ? s.fairness.min / s.fairness.max : 0,
         "ratio");
  metric("fairness_cv", s.fairness.cv, "ratio");
  metric("waits_per_thread", s.waits_per_thread, "waits");
  if (s.waits.n > 0) {
    metric("wait_p50_ns", s.waits.p50, "ns");
    metric("wait_p99_ns", s.waits.p99, "ns");
    metric("wait_max_ns", s.waits.max, "ns");
  }
  metric("stalls_per_thread", s.stalls_per_thread, "stalls");
  metric("stall_share", s.stall_share, "fraction");
  if (s.stalls.n > 0) {
    metric("stall_p50_ns", s.stalls.p50, "ns");
    metric("stall_p99_ns", s.stalls.p99, "ns");
  }
  metric("involuntary_switches_per_thread", s.involuntary_per_thread, "switches");
  metric("voluntary_switches_per_thread", s.voluntary_per_thread, "switches");
  if (s.migrations_per_thread)
    metric("migrations_per_thread", *s.migrations_per_thread, "migrations");
  else
    r.warnings.push_back(prefix +
                         "migrations: /proc/thread-self/sched is absent (CONFIG_SCHED_DEBUG off)");
  if (s.runqueue_wait_share) metric("runqueue_wait_share", *s.runqueue_wait_share, "fraction");
  if (s.kernel_slices_per_thread)
    metric("kernel_timeslices_per_thread", *s.kernel_slices_per_thread, "slices");
  if (!s.runqueue_wait_share)
    r.warnings.push_back(prefix + "run-queue wait: /proc/thread-self/schedstat is absent");

  core::Series progress{prefix + "units_per_thread", "thread", "units", {}};
  for (std::size_t i = 0; i < s.units_per_thread.size(); ++i)
    progress.points.emplace_back(static_cast<double>(i), s.units_per_thread[i]);
  r.series.push_back(std::move(progress));
}

const core::Result* earlier_result(const core::RunContext& ctx, const std::string& short_id) {
  return ctx.earlier ? core::find_result(*ctx.earlier, std::string(kLabId) + "." + short_id)
                     : nullptr;
}

std::string describe_waits(const BusySummary& s) {
  if (s.waits.n == 0)
    return fmt::format("at most {} (no gap above it)", core::format_ns(kGapThresholdNs));
  return fmt::format("p50 {} / p99 {}", core::format_ns(s.waits.p50), core::format_ns(s.waits.p99));
}

std::string describe_stalls(const BusySummary& s) {
  if (s.stalls.n == 0) return "no stall";
  return fmt::format(
      "{} stalls per thread (gaps with no switch: interrupts or the hypervisor), p50 {}, {} of "
      "the time",
      core::format_count(s.stalls_per_thread), core::format_ns(s.stalls.p50),
      core::format_percent(s.stall_share));
}

}  // namespace illusion::labs::scheduling
