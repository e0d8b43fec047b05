// Whatever else ran while a latency row ran. Latency tails are made by competition, so a
// figure taken while another process (or the hypervisor) took CPUs is a different figure:
// the rows record how much CPU time went to other tasks and to steal, and warn when it was
// enough to matter.
#pragma once

#include <string_view>
#include <vector>

#include "core/result.h"

namespace illusion::labs::scheduling {

// Busy and steal time, in USER_HZ ticks, summed over the "cpuN" lines of /proc/stat's text for
// the CPUs in `cpus`; the machine-wide "cpu" line when `cpus` is empty (the mask is unknown).
// Busy is user+nice+system+irq+softirq (proc(5); guest time is already inside user). Pure:
// tested with injected text.
struct CpuTicks {
  double busy = 0, steal = 0;
};
CpuTicks cpu_ticks(std::string_view proc_stat, const std::vector<int>& cpus);

// CPU time of the CPUs this process may use (their /proc/stat lines: load on CPUs it cannot run
// on competes with nothing it measures) and of this process (getrusage(RUSAGE_SELF): all its
// threads, live or joined), sampled at start() and stop().
class OtherWorkWindow {
 public:
  void start();  // reads the allowed CPUs (the calling thread's mask) once, for both samples
  void stop();
  // CPUs' worth of time (CPU-seconds per second of wall time) that tasks outside this process
  // (other processes, kernel threads, interrupts) used on the allowed CPUs between start and
  // stop: at most their number, give or take a tick's rounding.
  double other_cpus() const;
  // CPUs' worth of time the hypervisor ran something else on our vCPUs (steal).
  double steal_cpus() const;
  // Both as metrics, and a warning when either was large enough to colour the figures.
  void write(core::Result& r) const;

 private:
  struct Sample {
    double busy_ns = 0, steal_ns = 0, own_ns = 0, wall_ns = 0;
    static Sample now(const std::vector<int>& cpus);
  };
  std::vector<int> cpus_;
  Sample start_, stop_;
};

}  // namespace illusion::labs::scheduling
