#include "scheduling/wake_sleeper.h"

#include <sched.h>
#include <sys/prctl.h>

#include <optional>

#include "scheduling/wake_timer.h"

namespace illusion::labs::scheduling {

SleeperRun run_sleeper(const SleeperConfig& cfg, std::atomic<double>& progress) {
  SleeperRun run;
  AffinityGuard affinity;
  PolicyGuard policy;
  run.refusal = apply_setup(cfg.setup, affinity, policy);
  if (!run.refusal.empty()) return run;
  run.default_slack_ns = prctl(PR_GET_TIMERSLACK, 0, 0, 0, 0);
  std::optional<TimerSlackGuard> slack;
  if (cfg.tight_slack) run.slack_set = slack.emplace().applied();

  const std::int64_t planned = cfg.duration_ns / cfg.interval_ns;
  // Sized and written before the first deadline, so no wake-up pays for a page fault.
  run.lateness_ns.assign(static_cast<std::size_t>(planned), 0.0);
  std::size_t wakes = 0;
  int cpu_before = sched_getcpu();
  run.before = core::RusageSnapshot::now();
  const std::int64_t first = monotonic_ns() + cfg.interval_ns;
  const std::int64_t end = first + planned * cfg.interval_ns;
  for (std::int64_t next = first; next < end;) {
    sleep_until_ns(next);
    const std::int64_t now = monotonic_ns();
    run.lateness_ns[wakes++] = static_cast<double>(now - next);
    const int cpu = sched_getcpu();
    run.cpu_changes += cpu != cpu_before ? 1 : 0;
    cpu_before = cpu;
    // Like cyclictest, deadlines already passed are not slept to: a sleeper woken more than an
    // interval late goes on with the next deadline still ahead, and the ones it missed are
    // counted, not recorded as a burst of back-to-back "wake-ups" that never slept. Deadlines
    // past the end were never planned, so a late last wake-up skips none of them: wakes plus
    // skipped deadlines stay exactly the planned count.
    for (next += cfg.interval_ns; next <= now && next < end; next += cfg.interval_ns)
      ++run.skipped_deadlines;
    progress.store(static_cast<double>(next - first) / static_cast<double>(end - first),
                   std::memory_order_relaxed);
  }
  run.after = core::RusageSnapshot::now();
  run.lateness_ns.resize(wakes);
  return run;
}

}  // namespace illusion::labs::scheduling
