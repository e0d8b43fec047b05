// What the kernel says about one thread, read by that thread about itself at the edges of a
// measured window: none of it costs anything while the window runs (unlike perf software
// events, which add work to every context switch while open).
#pragma once

#include <cstdint>
#include <optional>

#include "core/counters.h"

namespace illusion::labs::scheduling {

struct ThreadSchedSnapshot {
  core::RusageSnapshot rusage;  // getrusage(RUSAGE_THREAD): voluntary/involuntary switches
  double cpu_ns = 0;            // CLOCK_THREAD_CPUTIME_ID
  // se.nr_migrations from /proc/thread-self/sched (CONFIG_SCHED_DEBUG); nullopt when absent.
  std::optional<std::uint64_t> migrations;
  // /proc/thread-self/schedstat: time on a CPU, time runnable but waiting on a run queue, and
  // the number of times it was given a CPU (CONFIG_SCHED_INFO); nullopt when absent.
  struct SchedStat {
    double run_ns = 0, wait_ns = 0;
    std::uint64_t timeslices = 0;
  };
  std::optional<SchedStat> schedstat;

  // The calling thread, now.
  static ThreadSchedSnapshot now();
};

// The calling thread's CPU time (CLOCK_THREAD_CPUTIME_ID) in ns.
double thread_cpu_time_ns();

// The CPU time one CPU spent idle (idle + iowait) and in total, from /proc/stat, in USER_HZ
// ticks; nullopt when the CPU's line is missing.
struct CpuTimes {
  double idle = 0, total = 0;
};
std::optional<CpuTimes> cpu_times(int cpu);

}  // namespace illusion::labs::scheduling
