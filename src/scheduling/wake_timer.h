// Time as the latency rows see it: CLOCK_MONOTONIC in nanoseconds, absolute sleeps to it (the
// deadlines and the wake-ups are read off the same clock, as cyclictest does), the timer slack
// that would otherwise be measured instead of the scheduler, and a measuring thread of its own.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>

#include "core/experiment.h"

namespace illusion::labs::scheduling {

std::int64_t monotonic_ns();

// clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME) until `deadline_ns`, resumed after signals.
void sleep_until_ns(std::int64_t deadline_ns);

// Sets the calling thread's timer slack to 1 ns and restores it on destruction. SCHED_OTHER
// threads' timers may fire up to their slack late (50 us by default, prctl(2)
// PR_SET_TIMERSLACK) so the kernel can batch expiries; real-time threads get none.
class TimerSlackGuard {
 public:
  TimerSlackGuard();
  ~TimerSlackGuard();
  TimerSlackGuard(const TimerSlackGuard&) = delete;
  TimerSlackGuard& operator=(const TimerSlackGuard&) = delete;
  long old_slack_ns() const { return old_; }  // -1 when PR_GET_TIMERSLACK failed
  bool applied() const { return applied_; }

 private:
  long old_ = -1;
  bool applied_ = false;
};

// Runs `body` on a new thread, so policy and affinity changes fall on it and never on the
// caller, and forwards the fraction it stores in its argument to ctx.report_progress from the
// caller's thread every 100 ms until it returns.
void run_on_own_thread(const core::RunContext& ctx,
                       const std::function<void(std::atomic<double>& progress)>& body);

}  // namespace illusion::labs::scheduling
