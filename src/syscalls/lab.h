// Lab 3.2, the Syscall Cost Microscope: what crossing into the kernel costs, next to a plain
// function call and a vDSO call, how that cost leaks into the code around it, and how batching
// (bigger reads, vectored reads, io_uring) amortises it.
#pragma once

#include "core/experiment.h"

namespace illusion::labs::syscalls {

// The lab's table: ids are API ("syscalls.getppid_raw", ...), in the order they run.
core::Lab lab();

}  // namespace illusion::labs::syscalls
