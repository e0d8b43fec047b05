// Lab 3.5, the Scheduling & Affinity Lab: what a context switch costs, how the scheduler trades
// latency for fairness, why "just run it on another core" fails, and when pinning helps or
// hurts. Everything adapts to the CPUs this process may use; whatever needs two CPUs or a
// real-time policy says why it was skipped where it cannot run.
#pragma once

#include "core/experiment.h"

namespace illusion::labs::scheduling {

// The lab's table: ids are API ("scheduling.pipe_threads_same_cpu", ...), in the order they run.
core::Lab lab();

}  // namespace illusion::labs::scheduling
