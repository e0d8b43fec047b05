// A run of busy threads boiled down to what the rows report: throughput, throughput per
// CPU-second, fairness across threads, the slices and waits the threads saw, and the kernel's
// own counts (switches, migrations, run-queue wait) per thread.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/experiment.h"
#include "core/result.h"
#include "core/stats.h"
#include "scheduling/busy_threads.h"

namespace illusion::labs::scheduling {

struct BusySummary {
  std::size_t threads = 0;
  double window_s = 0;
  double units_total = 0, units_per_s = 0;
  double cpu_s = 0, units_per_cpu_s = 0;
  double cpu_share = 0;  // CPU time over (window x threads): 1.0 means never waited
  std::vector<double> units_per_thread;
  core::Stats fairness;                   // of units_per_thread: min, max, cv
  std::vector<double> runs_ns, waits_ns;  // every thread's slices and waits
  core::Stats waits, stalls;
  double waits_per_thread = 0;
  double stalls_per_thread = 0;
  double stall_share = 0;  // time lost to stalls (gaps with no switch) over (window x threads)
  double involuntary_per_thread = 0, voluntary_per_thread = 0;
  std::optional<double> migrations_per_thread;  // nullopt: /proc/thread-self/sched absent
  std::optional<double> runqueue_wait_share;    // schedstat wait over (window x threads)
  std::optional<double> kernel_slices_per_thread;
  double threads_on_two_or_more_cpus = 0;
};

BusySummary summarize(const BusyRun& run);

// Params and metrics every busy-thread row carries (names prefixed by `prefix`, e.g. "pinned_"),
// the per-thread progress series, and warnings for counts the kernel did not give.
void add_busy_figures(core::Result& r, const BusySummary& s, const std::string& prefix = "");

// This lab's row `short_id` if it ran earlier in this run (and was ok), else nullptr: what a
// row's meaning line compares itself with.
const core::Result* earlier_result(const core::RunContext& ctx, const std::string& short_id);

// "p50 3.9 ms / p99 8.1 ms" of waits, or "at most 20.0 µs (...)" when no gap was seen.
std::string describe_waits(const BusySummary& s);

// "217 stalls per thread (gaps with no switch: interrupts or the hypervisor), p50 24.5 µs,
// 0.53% of the time", or "no stall".
std::string describe_stalls(const BusySummary& s);

}  // namespace illusion::labs::scheduling
