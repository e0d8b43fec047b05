// Lab 3.1, the Process vs Thread Reality Lab: what creating a process costs next to a thread,
// what fork really copies (page tables, then pages on write), what each unit costs in memory,
// and what the isolation buys.
#pragma once

#include "core/experiment.h"

namespace illusion::labs::processes {

// The lab's table: ids are API ("processes.fork_exit", ...), in the order they run.
core::Lab lab();

}  // namespace illusion::labs::processes
