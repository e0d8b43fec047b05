// The lab's table is assembled from groups of rows, one group per file, so each file holds its
// experiments' functions next to the rows that name them. Order matters: later rows read
// earlier results (ratios to function_call, the loop's direct cost from getppid_raw, slowdowns
// from loop_pure, speed-ups from read_4k), and each rule stays silent when the row it needs
// did not run.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "core/experiment.h"
#include "syscalls/common.h"

namespace illusion::labs::syscalls {

// Rough wall times per profile (quick, default, thorough): the sampling budget (0.05/0.35/1.5 s)
// plus warm-up and set-up.
inline constexpr core::DurationHint kOp{0.1, 0.42, 1.6};
inline constexpr core::DurationHint kLoop{0.09, 0.4, 1.55};
inline constexpr core::DurationHint kFile{0.12, 0.5, 1.75};

// A row of this lab's table.
inline core::Experiment experiment(std::string id, std::string title, std::string shows,
                                   std::string unit, core::DurationHint hint,
                                   core::ExperimentBody body) {
  return core::make_experiment(kLabId, std::move(id), std::move(title), std::move(shows),
                               std::move(unit), hint, std::move(body));
}

// The groups, in the order the lab runs them.
std::vector<core::Experiment> call_rows();        // calls.cpp: function, vDSO, getppid
std::vector<core::Experiment> simple_io_rows();   // simple_io.cpp: 1-byte IO, close, stat, open
std::vector<core::Experiment> sched_call_rows();  // sched_calls.cpp: sched_yield, futex wake
std::vector<core::Experiment> loop_rows();        // tight_loop.cpp: a syscall inside a loop
std::vector<core::Experiment> amortise_rows();    // amortise.cpp: read sizes, preadv
std::vector<core::Experiment> uring_rows();       // uring.cpp: io_uring batches

}  // namespace illusion::labs::syscalls
