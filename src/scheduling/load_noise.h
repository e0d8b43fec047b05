// Whatever else ran while a latency row ran. Latency tails are made by competition, so a
// figure taken while another process (or the hypervisor) took CPUs is a different figure:
// the rows record how much CPU time went to other tasks and to steal, and warn when it was
// enough to matter.
#pragma once

#include "core/result.h"

namespace illusion::labs::scheduling {

// CPU time of the whole machine (/proc/stat's "cpu" line) and of this process
// (getrusage(RUSAGE_SELF): all its threads, live or joined), sampled at start() and stop().
class OtherWorkWindow {
 public:
  void start();
  void stop();
  // CPUs' worth of time (CPU-seconds per second of wall time) that tasks outside this process
  // (other processes, kernel threads, interrupts) used between start and stop.
  double other_cpus() const;
  // CPUs' worth of time the hypervisor ran something else on our vCPUs (steal).
  double steal_cpus() const;
  // Both as metrics, and a warning when either was large enough to colour the figures.
  void write(core::Result& r) const;

 private:
  struct Sample {
    double machine_busy_ns = 0, steal_ns = 0, own_ns = 0, wall_ns = 0;
    static Sample now();
  };
  Sample start_, stop_;
};

}  // namespace illusion::labs::scheduling
