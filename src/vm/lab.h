// Lab 3.3, the Virtual Memory & Page Fault Lab: first access is slow because memory is only
// promised until it is touched; every fault is counted, and a fault's cost is set against a
// frame budget and against the threads that share the address space.
#pragma once

#include "core/experiment.h"

namespace illusion::labs::vm {

// The lab's table: ids are API ("vm.first_touch", ...), in the order they run.
core::Lab lab();

}  // namespace illusion::labs::vm
