// "Why is my timer late?" A thread that sleeps to a deadline every millisecond (cyclictest's
// method) and records how late each wake-up is: alone, beside a CPU-bound thread on every CPU,
// with the load kept off its CPU, with a better nice value, and as SCHED_FIFO. The lateness is
// the timer, the wake-up itself, and the wait for a CPU someone else holds.
#include <algorithm>
#include <optional>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "core/format.h"
#include "core/measure.h"
#include "scheduling/load_noise.h"
#include "scheduling/load_threads.h"
#include "scheduling/rows.h"
#include "scheduling/wake_cdf.h"
#include "scheduling/wake_sleeper.h"
#include "scheduling/wake_timer.h"

namespace illusion::labs::scheduling {
namespace {

constexpr std::int64_t kIntervalNs = 1'000'000;  // cyclictest -i 1000
constexpr int kBetterNice = -10;
constexpr int kFifoPriority = 50;  // cyclictest -p 50
constexpr int kLoadNiceFallback = 19;
constexpr double kLate100us = 100e3, kLate1ms = 1e6;

// Rough wall time (quick, default, thorough): the sleeper's duration plus starting the load.
constexpr core::DurationHint kWakeHint{0.25, 1.1, 4.1};

std::int64_t duration_ns(core::Profile p) {
  switch (p) {
    case core::Profile::quick:
      return 200'000'000;
    case core::Profile::thorough:
      return 4'000'000'000;
    case core::Profile::standard:
      break;
  }
  // 1 s: ~1,000 wake-ups, enough for a p99 with ten beyond it; a longer series buys little
  // when the spread between runs is the host's (docs/results/stability-dev-vm.md).
  return 1'000'000'000;
}

// What one row runs: the sleeper, and the load beside it (none when load_threads is 0).
struct WakePlan {
  SleeperConfig sleeper;
  std::size_t load_threads = 0;
  std::vector<int> load_cpus;  // empty: the load runs anywhere allowed
  ThreadSetup load_policy;     // its cpu is unused: load_cpus says where
  // The CPUs the load was meant to take, and the cgroup quota that cut it short (load_size).
  std::size_t load_meant_for = 0;
  std::optional<double> quota_cpus;
  bool quota_limited = false, spends_quota = false;
};

// Sizes the load to take `cpus` CPUs under the budget's quota (load_size says why fewer).
void size_load(WakePlan& plan, std::size_t cpus, const CpuBudget& budget) {
  const LoadSize size = load_size(cpus, budget);
  plan.load_threads = size.threads;
  plan.load_meant_for = cpus;
  plan.quota_cpus = budget.quota_cpus;
  plan.quota_limited = size.quota_limited;
  plan.spends_quota = size.spends_quota;
}

WakePlan plan_for(const core::RunContext& ctx) {
  WakePlan plan;
  plan.sleeper.interval_ns = kIntervalNs;
  plan.sleeper.duration_ns = duration_ns(ctx.profile);
  return plan;
}

std::string cpu_list(const std::vector<int>& cpus) {
  return cpus.empty() ? std::string("any allowed") : fmt::format("{}", fmt::join(cpus, ","));
}

double count_over(const std::vector<double>& v, double limit) {
  return static_cast<double>(
      std::count_if(v.begin(), v.end(), [&](double x) { return x > limit; }));
}

void add_params(core::Result& r, const WakePlan& plan, const SleeperRun& run) {
  r.add_param("interval_ns", static_cast<double>(plan.sleeper.interval_ns));
  r.add_param("duration_s", static_cast<double>(plan.sleeper.duration_ns) / 1e9);
  r.add_param("sleeper_policy", policy_name(plan.sleeper.setup));
  r.add_param("sleeper_cpu", plan.sleeper.setup.cpu ? fmt::format("{}", *plan.sleeper.setup.cpu)
                                                    : std::string("any allowed"));
  r.add_param("load_threads", static_cast<double>(plan.load_threads));
  if (plan.load_threads > 0) {
    r.add_param("load_policy", policy_name(plan.load_policy));
    r.add_param("load_cpus", cpu_list(plan.load_cpus));
    r.add_param("load_quota_limited", plan.quota_limited ? 1.0 : 0.0);
    r.add_param("load_spends_quota", plan.spends_quota ? 1.0 : 0.0);
    if (plan.quota_cpus) r.add_param("cgroup_cpu_quota", *plan.quota_cpus);
  }
  // Said where the table shows it: fewer busy threads than CPUs leaves the sleeper CPUs to wake
  // on that the row's title says are taken, and a load that spends the quota throttles it.
  if (plan.quota_limited)
    r.warnings.push_back(fmt::format(
        "the cgroup's cpu.max allows {:.2f} CPUs' worth of time: the load ran {} busy thread{} "
        "rather than one on each of {} CPUs, since more would have the cgroup throttled, the "
        "sleeper with it",
        *plan.quota_cpus, plan.load_threads, plan.load_threads == 1 ? "" : "s",
        plan.load_meant_for));
  if (plan.spends_quota)
    r.warnings.push_back(fmt::format(
        "the cgroup's cpu.max allows {:.2f} CPUs' worth of time, which {} busy thread{} spend: "
        "the cgroup was throttled with the sleeper in it, so late wake-ups include the throttling",
        *plan.quota_cpus, plan.load_threads, plan.load_threads == 1 ? "" : "s"));
  r.add_param("default_timerslack_ns", static_cast<double>(run.default_slack_ns));
  r.add_param("timer_slack", run.slack_set ? "1 ns on the sleeper (PR_SET_TIMERSLACK)"
                                           : "the thread's default (PR_SET_TIMERSLACK refused)");
  if (!run.slack_set)
    r.warnings.push_back(fmt::format(
        "the timer slack stayed at {}: SCHED_OTHER wake-ups may be that much later by design",
        core::format_ns(static_cast<double>(run.default_slack_ns))));
}

void add_metrics(core::Result& r, const SleeperRun& run, const std::optional<double>& share) {
  const auto& v = run.lateness_ns;
  const double wakes = static_cast<double>(v.size());
  r.add_metric("wakes", wakes, "wakes");
  r.add_metric("skipped_deadlines", static_cast<double>(run.skipped_deadlines), "deadlines");
  r.add_metric("late_over_100us", count_over(v, kLate100us), "wakes");
  r.add_metric("late_over_100us_fraction", count_over(v, kLate100us) / wakes, "fraction");
  r.add_metric("late_over_1ms", count_over(v, kLate1ms), "wakes");
  r.add_metric("late_over_1ms_fraction", count_over(v, kLate1ms) / wakes, "fraction");
  r.add_metric("max_lateness_ns", *std::max_element(v.begin(), v.end()), "ns");
  r.add_metric("cpu_changes", static_cast<double>(run.cpu_changes), "wakes");
  if (share) r.add_metric("load_cpu_share", *share, "fraction");
  // The sleeper's own switches (getrusage RUSAGE_THREAD: free, unlike perf events around
  // timed sleeps): one voluntary per wake-up, involuntary ones when it was preempted.
  for (const core::CounterReading& c : core::rusage_delta(run.before, run.after))
    if (c.name.find("switches") != std::string::npos && c.value)
      r.counters.push_back({c.name, *c.value / wakes});
}

std::string meaning(const core::RunContext& ctx, const core::Result& r) {
  const core::Stats& s = *r.stats;
  std::string line = fmt::format(
      "Woken {} late at the median, {} at p99, {} at worst over {} wake-ups every {}; {} were "
      "over 100 µs late",
      core::format_ns(s.p50), core::format_ns(s.p99), core::format_ns(s.max),
      core::format_whole(static_cast<double>(s.n)), core::format_ns(kIntervalNs),
      core::format_percent(r.metric("late_over_100us_fraction")->value));
  const core::Result* idle =
      ctx.earlier ? core::find_result(*ctx.earlier, std::string(kLabId) + ".wakeup_idle") : nullptr;
  if (!idle || idle->id == r.id || !idle->stats || idle->stats->p99 <= 0) return line + ".";
  line += fmt::format("; p99 {} wakeup_idle's (p50 {}, p99 {})",
                      core::format_ratio(s.p99 / idle->stats->p99),
                      core::format_ns(idle->stats->p50), core::format_ns(idle->stats->p99));
  // A CPU with work on it is not halted: its timer interrupt needs no wake-up of the CPU (on a
  // VM, no exit to the host to resume a halted vCPU), so a loaded median can beat the idle one.
  if (r.metric("load_cpu_share") && s.p50 < 0.8 * idle->stats->p50)
    line += "; its median beats idle's: a busy CPU need not be woken from halt first";
  return line + ".";
}

core::Result measure_wakeups(core::RunContext& ctx, core::Result r, const WakePlan& plan) {
  OtherWorkWindow others;
  others.start();
  std::optional<BatchLoad> load;
  if (plan.load_threads > 0) {
    load.emplace(plan.load_threads, plan.load_cpus, plan.load_policy.policy,
                 plan.load_policy.level);
    if (std::string why = load->refusal(); !why.empty())
      return core::skipped(std::move(r), "the load could not be set up: " + why);
  }
  SleeperRun run;
  run_on_own_thread(
      ctx, [&](std::atomic<double>& progress) { run = run_sleeper(plan.sleeper, progress); });
  std::optional<double> share;
  if (load) {
    load->stop();
    share = load->cpu_share();
  }
  others.stop();
  if (!run.refusal.empty()) return core::skipped(std::move(r), run.refusal);
  if (run.lateness_ns.empty()) return core::skipped(std::move(r), "the sleeper never woke");

  add_params(r, plan, run);
  add_metrics(r, run, share);
  others.write(r);
  r.series.push_back(latency_cdf(run.lateness_ns, "ns"));
  const double wakes = static_cast<double>(run.lateness_ns.size());
  core::finish_result(r, std::move(run.lateness_ns), wakes, nullptr);
  r.meaning = meaning(ctx, r);
  return r;
}

core::Result run_wakeup_idle(core::RunContext& ctx, core::Result r) {
  return measure_wakeups(ctx, std::move(r), plan_for(ctx));
}

// One busy thread per allowed CPU: every CPU the sleeper could wake on is taken (fewer under a
// cgroup CPU quota, which would otherwise throttle the sleeper along with the load).
WakePlan loaded_plan(const core::RunContext& ctx) {
  WakePlan plan = plan_for(ctx);
  const CpuBudget budget = cpu_budget(ctx);
  size_load(plan, budget.cpus.size(), budget);
  return plan;
}

core::Result run_wakeup_loaded(core::RunContext& ctx, core::Result r) {
  return measure_wakeups(ctx, std::move(r), loaded_plan(ctx));
}

core::Result run_wakeup_pinned_away(core::RunContext& ctx, core::Result r) {
  const CpuBudget budget = cpu_budget(ctx);
  if (std::string why = cross_cpu_unavailable(budget); !why.empty())
    return core::skipped(std::move(r), why);
  WakePlan plan = plan_for(ctx);
  plan.sleeper.setup.cpu = budget.cpus.front();
  size_load(plan, budget.cpus.size() - 1, budget);
  // One thread per CPU it takes: a load cut short by the quota keeps to the first few.
  plan.load_cpus.assign(budget.cpus.begin() + 1,
                        budget.cpus.begin() + 1 + static_cast<std::ptrdiff_t>(plan.load_threads));
  return measure_wakeups(ctx, std::move(r), plan);
}

core::Result run_wakeup_nice(core::RunContext& ctx, core::Result r) {
  WakePlan plan = loaded_plan(ctx);
  const std::string refused = nice_unavailable(kBetterNice);
  if (refused.empty()) {
    plan.sleeper.setup.policy = ThreadPolicy::nice;
    plan.sleeper.setup.level = kBetterNice;
    r.add_param("priority_given", fmt::format("sleeper at nice {}", kBetterNice));
  } else {
    plan.load_policy = {.cpu = {}, .policy = ThreadPolicy::nice, .level = kLoadNiceFallback};
    r.add_param("priority_given", fmt::format("load at nice {} (sleeper nice {} refused: {})",
                                              kLoadNiceFallback, kBetterNice, refused));
  }
  core::Result out = measure_wakeups(ctx, std::move(r), plan);
  // Said where the table shows it, not only in a parameter: the row measured the weights from
  // the load's side, which an unprivileged user may lower but not raise.
  if (!refused.empty() && out.status == core::Status::ok)
    out.warnings.push_back(
        fmt::format("the sleeper could not be raised to nice {} ({}): the load ran at nice {} "
                    "instead",
                    kBetterNice, refused, kLoadNiceFallback));
  return out;
}

core::Result run_wakeup_fifo(core::RunContext& ctx, core::Result r) {
  if (std::string why = fifo_unavailable(); !why.empty()) return core::skipped(std::move(r), why);
  WakePlan plan = loaded_plan(ctx);
  plan.sleeper.setup.policy = ThreadPolicy::fifo;
  plan.sleeper.setup.level = kFifoPriority;
  return measure_wakeups(ctx, std::move(r), plan);
}

}  // namespace

std::vector<core::Experiment> wakeup_rows() {
  return {
      experiment("wakeup_idle", "1 ms sleeper, idle machine",
                 "How late a thread sleeping to an absolute deadline every 1 ms wakes up, with "
                 "nothing else running (cyclictest's measurement).",
                 "ns/wake", kWakeHint, run_wakeup_idle),
      experiment("wakeup_loaded", "1 ms sleeper beside CPU-bound load",
                 "The same sleeper beside one busy thread per allowed CPU (fewer under a cgroup "
                 "CPU quota): the wait for a CPU that someone else holds, added to each wake-up.",
                 "ns/wake", kWakeHint, run_wakeup_loaded),
      experiment("wakeup_pinned_away", "sleeper pinned, load on the other CPUs",
                 "The sleeper pinned to one CPU and the load pinned to the others: whether "
                 "keeping its CPU free gives back the idle machine's lateness.",
                 "ns/wake", kWakeHint, run_wakeup_pinned_away),
      experiment("wakeup_nice", "sleeper at nice -10 beside load",
                 "The sleeper at a better nice value than the load (or the load at nice 19 "
                 "where that is refused): what CFS/EEVDF weights do for a wake-up.",
                 "ns/wake", kWakeHint, run_wakeup_nice),
      experiment("wakeup_fifo", "SCHED_FIFO sleeper beside load",
                 "The sleeper as SCHED_FIFO priority 50 beside the same load: a real-time "
                 "thread preempts the load as soon as it wakes.",
                 "ns/wake", kWakeHint, run_wakeup_fifo),
  };
}

}  // namespace illusion::labs::scheduling
