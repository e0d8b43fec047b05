// Page faults of one untimed phase of an experiment: the perf page-fault events where they
// open, getrusage(2) (RUSAGE_THREAD) beside them. For phases that are not timed samples (a
// whole pass over a file, a scan of a fresh mapping), where the sampler's CounterWindow does
// not apply.
//
// Two jobs, two classes: CounterWindow (counters.h) writes every counter, perf and rusage, per op
// into a Result around the timed samples; FaultWindow gives the faults of one phase as one
// number from one source, for the lab to compute with.
#pragma once

#include <string>
#include <vector>

#include "core/counters.h"

namespace illusion::core {

struct Result;

struct FaultCount {
  double faults = 0;  // minor + major
  double major = 0;
  std::string source;  // "perf" or "rusage": `faults`/`major` prefer perf, fall back to rusage
  // Set when perf counted in user mode only (perf_event_paranoid >= 2, exclude_kernel): a
  // fault taken inside a syscall is then missing from `faults`. The warning CounterWindow
  // gives for the same case, for the caller's result (add_fault_warnings).
  std::string user_only_warning;
};

// What a FaultWindow reads, from its perf readings and the rusage snapshots around them: a
// pure function, so a host whose perf counts user mode only is tested on any host.
FaultCount fault_count_from(const std::vector<CounterReading>& perf, const RusageSnapshot& before,
                            const RusageSnapshot& after);

// The warning for perf events counted in user mode only (`events`: their names, comma
// separated): the words CounterWindow::write_per_op uses (with `rusage_beside`, when the row
// also reports the rusage_ counts), so a row says it the same way whichever window counted.
std::string user_mode_only_warning(const std::string& events, bool rusage_beside);

// `c`'s warnings into r.warnings, each once however many windows a row reads.
void add_fault_warnings(Result& r, const FaultCount& c);

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
