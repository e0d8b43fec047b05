// Timer slack: SCHED_OTHER threads' timers may fire up to their slack late (50 µs by default,
// prctl(2) PR_SET_TIMERSLACK) so the kernel can batch expiries; real-time threads get none. A
// thread that sleeps to deadlines and measures its lateness would measure the slack, not the
// scheduler, so it sets its slack to 1 ns for the measurement, as latency-critical code should.
#pragma once

namespace illusion::core {

// Sets the calling thread's timer slack to 1 ns and restores the old value on destruction.
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

}  // namespace illusion::core
