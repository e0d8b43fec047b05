// One staging of the Mars Pathfinder priority inversion: three SCHED_FIFO threads pinned to one
// CPU, low priority L holding a mutex, high priority H blocked on it, medium priority M (no
// mutex) spinning. The order L-locks -> H-blocks -> M-runs is forced with semaphores and checked
// afterwards, so a round that did not follow the script can be left out of the figures.
#pragma once

#include <string>

#include "core/clock.h"

namespace illusion::labs::scheduling {

// Real-time priorities of the cast (sched(7): 1..99, higher runs first). Kept low so that the
// kernel's own real-time threads (threaded interrupts at 50, watchdogs at 99) still preempt
// ours.
inline constexpr int kLowPriority = 10;
inline constexpr int kMediumPriority = 20;
inline constexpr int kHighPriority = 30;

struct InversionConfig {
  int cpu = 0;           // where L, M and H all run
  bool inherit = false;  // PTHREAD_PRIO_INHERIT, else PTHREAD_PRIO_NONE
  // The staging. L spins until this much wall clock has passed since it locked (so a preempted
  // L does not make up its section later), M spins this much wall clock once cued; what the
  // round measured is RoundOutcome::hold_ns and medium_run_ns.
  double critical_ns = 2e6;
  double medium_ns = 20e6;
};

struct RoundOutcome {
  // The round could not be staged at all (a pin, the policy or the mutex protocol refused):
  // the row cannot run on this machine. Empty when staging worked.
  std::string error;
  // Empty when the script held; else what broke (the round is excluded from the figures).
  std::string out_of_order;
  double h_wait_ns = 0;      // H: mutex requested -> acquired
  double hold_ns = 0;        // L: mutex locked -> unlocked, as held
  double medium_run_ns = 0;  // M: burst start -> end, as measured
  // getrusage(RUSAGE_THREAD) counts: L's involuntary switches while it held the mutex (H's
  // arrival, plus M's with a plain mutex), H's voluntary switches while it waited (>= 1 when
  // it really blocked).
  long low_preempted = 0;
  long high_blocked = 0;
};

// Stages one round and joins its three threads before returning, on every path. The calling
// thread only blocks (semaphore, join): it never spins, so it may share the CPU with the cast.
RoundOutcome run_inversion_round(const core::Clock& clock, const InversionConfig& config);

}  // namespace illusion::labs::scheduling
