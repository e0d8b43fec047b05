// CPU-bound threads that count the work they get done and watch, from their own side, when
// they were not running: each does a fixed compute-only work unit (~0.1 µs), reads the clock,
// and calls any step between two readings longer than a threshold a gap in which something
// else held its CPU. A gap across which the thread's own context-switch count moved
// (getrusage RUSAGE_THREAD, read only after a gap) was a wait: the scheduler ran someone else.
// A gap with no switch was a stall: an interrupt, or the hypervisor taking the vCPU, which the
// scheduler never saw. Runs between waits are the slices the thread was given. Every thread
// starts on one signal and stops at one deadline, is pinned only if asked (by a guard on
// itself), and is joined on every path.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "core/clock.h"
#include "scheduling/busy_thread_stats.h"

namespace illusion::labs::scheduling {

// A step between two clock readings longer than this was a gap, not work: a work unit takes
// ~0.1 µs, a timer interrupt a few µs, a context switch away a slice of someone else (ms).
inline constexpr double kGapThresholdNs = 20'000;

struct BusyPlan {
  std::size_t threads = 1;
  std::vector<int> cpus;  // thread i pinned to cpus[i % cpus.size()]; empty: anywhere allowed
  double duration_ns = 0;
  double gap_threshold_ns = kGapThresholdNs;
};

struct BusyThread {
  std::string refusal;  // why it could not be pinned; it then did no work
  std::uint64_t units = 0;
  double wall_ns = 0;             // from its first clock reading to its last
  std::vector<double> runs_ns;    // slices: time between waits (first and last cut by the window)
  std::vector<double> waits_ns;   // gaps across a context switch
  std::vector<double> stalls_ns;  // gaps with no context switch (inside a slice)
  ThreadSchedSnapshot before, after;
  std::vector<int> cpus_seen;  // CPUs it ran on, in order of first appearance (sched_getcpu)
};

struct BusyRun {
  std::vector<BusyThread> threads;
  double window_ns = 0;         // from the start signal to the deadline
  std::string refusal() const;  // the first thread's refusal, "" when all ran
};

// One compute-only work unit: a multiply-xorshift chain the compiler cannot shorten.
std::uint64_t work_unit(std::uint64_t x);

// Runs the plan's threads; `progress` (may be empty) is called from the caller's thread with the
// fraction of the window done, every 100 ms.
BusyRun run_busy(const core::Clock& clock, const BusyPlan& plan,
                 const std::function<void(double)>& progress = {});

}  // namespace illusion::labs::scheduling
