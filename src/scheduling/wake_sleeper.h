// cyclictest's measurement on a thread of our own: sleep to absolute deadlines every interval
// with clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME) and record how late each wake-up is
// (the time read right after the sleep returns, minus the deadline). What the lateness holds:
// the timer's expiry, the wake-up (an IPI and a halted vCPU's exit on a VM), and the wait for
// the CPU when something else runs there.
#pragma once

#include <atomic>
#include <cstdint>
#include <string>
#include <vector>

#include "core/counters.h"
#include "scheduling/load_threads.h"

namespace illusion::labs::scheduling {

struct SleeperConfig {
  std::int64_t interval_ns = 1'000'000;
  std::int64_t duration_ns = 1'000'000'000;
  ThreadSetup setup;        // the sleeper's CPU and policy
  bool tight_slack = true;  // PR_SET_TIMERSLACK 1 ns on the sleeper
};

struct SleeperRun {
  std::string refusal;                  // the setup failed: nothing was measured
  std::vector<double> lateness_ns;      // one per wake-up
  std::uint64_t skipped_deadlines = 0;  // passed while the sleeper was still late (not slept to)
  std::uint64_t cpu_changes = 0;        // wake-ups on another CPU than the one before
  long default_slack_ns = -1;           // the thread's timer slack before the guard
  bool slack_set = false;
  core::RusageSnapshot before, after;  // the sleeper thread's own (RUSAGE_THREAD)
};

// Runs the sleeper on the calling thread (the caller creates it: see run_on_own_thread),
// applying `cfg.setup` through guards that restore the thread as it was. `progress` gets the
// fraction of the duration done.
SleeperRun run_sleeper(const SleeperConfig& cfg, std::atomic<double>& progress);

}  // namespace illusion::labs::scheduling
