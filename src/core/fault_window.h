// Page faults of one untimed phase of an experiment: the perf page-fault events where they
// open, getrusage(2) (RUSAGE_THREAD) beside them. For phases that are not timed samples (a
// whole pass over a file, a scan of a fresh mapping), where the sampler's CounterWindow does
// not apply.
#pragma once

#include <string>

#include "core/counters.h"

namespace illusion::core {

struct FaultCount {
  double faults = 0;  // minor + major
  double major = 0;
  std::string source;  // "perf" or "rusage": `faults`/`major` prefer perf, fall back to rusage
};

class FaultWindow {
 public:
  FaultWindow();
  void start();
  void stop();
  FaultCount read() const;

 private:
  CounterSet set_;
  RusageSnapshot before_, after_;
};

}  // namespace illusion::core
