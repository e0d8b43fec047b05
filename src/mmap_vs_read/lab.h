// Lab 3.4, the mmap vs read() IO Experiment: why IO often looks like memory, until it does not.
// One test file (1 GiB by default, 128 MiB with --quick, --file-size to choose) is read warm
// and cold, sequentially and at random, with read(), pread(), mmap, O_DIRECT and io_uring;
// then the costs mmap hides (TLB shootdowns at munmap) and the write side (buffered writes
// "finish" long before the data is durable).
#pragma once

#include "core/experiment.h"

namespace illusion::labs::mmap_vs_read {

// The lab's table: ids are API ("mmap_vs_read.read_64k_warm", ...), in the order they run.
core::Lab lab();

}  // namespace illusion::labs::mmap_vs_read
