#include "scheduling/lab.h"

#include "scheduling/rows.h"

namespace illusion::labs::scheduling {

core::Lab lab() {
  core::Lab l;
  l.id = kLabId;
  l.title = "Scheduling & Affinity Lab";
  l.question =
      "What does a context switch cost, and why does \"just run it on another core\" fail?";
  core::add_groups(
      l, {switch_rows, cpu_bound_rows, pinning_rows, wakeup_rows, frame_rows, inversion_rows});
  // The default run: the switch on one CPU and across CPUs, what it costs afterwards,
  // oversubscription, wake-up lateness idle, loaded and real-time, a frame loop under three
  // policies, and priority inversion. Pinning and the other policies refine these.
  core::mark_headline(
      l, {"pipe_baseline", "pipe_threads_same_cpu", "futex_same_cpu", "futex_cross_cpu",
          "switch_indirect_cost", "cpu_bound_cores", "cpu_bound_4x", "wakeup_idle", "wakeup_loaded",
          "wakeup_fifo", "frames_alone", "frames_free", "frames_nice", "frames_fifo",
          "inversion_pi", "inversion_plain"});
  return l;
}

}  // namespace illusion::labs::scheduling
