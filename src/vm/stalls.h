// The bodies of the stall rows (stalls.cpp holds the table and vm.frame_loop_faults' body).
#pragma once

#include "core/experiment.h"
#include "core/result.h"

namespace illusion::labs::vm::stalls {

// stalls_churn.cpp: touching threads timed while another thread churns mmap/munmap.
core::Result run_mmap_churn_stall(core::RunContext& ctx, core::Result r);

}  // namespace illusion::labs::vm::stalls
