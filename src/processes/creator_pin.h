// The creating thread pinned, for one row, to the CPU it is running on, so every child (and
// thread) it creates starts there: new tasks inherit their creator's CPU mask
// (sched_setaffinity(2)).
//
// Why: left to itself, fork's placement (wake_up_new_task -> select_task_rq with WF_FORK, the
// "find the idlest CPU" path) sees the creator's CPU as busy with the creator, which is about
// to sleep in waitpid, and often puts the child on the other CPU. Measured on the 2-vCPU
// development VM with one busy task on the other vCPU: ~95% of fork_exit's children started
// there and waited for that task's slice to end at a scheduler tick (4 ms at HZ=250), so the
// p50 was 4.0 ms against 0.29 ms pinned; with that vCPU idle, each such fork paid two
// cross-vCPU wake-ups (a halted vCPU, an IPI that exits to the hypervisor) instead. Which one
// the kernel picks changes from run to run with the load on the other CPUs, so the unpinned
// figure was bimodal across runs. Pinned, the figure is the creation itself; the cost of a
// cross-CPU wake-up is the scheduling lab's subject.
//
// A run already pinned (--pin) or allowed one CPU is left alone. The previous mask is restored
// on destruction, so the next row finds the thread as it was.
#pragma once

#include <sched.h>

#include <string>

#include "core/experiment.h"
#include "core/result.h"

namespace illusion::labs::processes {

class CreatorPin {
 public:
  explicit CreatorPin(const core::RunContext& ctx);
  CreatorPin(const CreatorPin&) = delete;
  CreatorPin& operator=(const CreatorPin&) = delete;
  ~CreatorPin();

  // The "placement" param, and a warning when the thread could not be pinned.
  void record(core::Result& r) const;

 private:
  cpu_set_t saved_{};
  bool restore_ = false;
  std::string placement_;
  std::string problem_;  // why pinning failed; "" otherwise
};

}  // namespace illusion::labs::processes
