// Pinning that hurts: two busy threads pinned to one CPU while another idles.
#pragma once

#include "core/experiment.h"

namespace illusion::labs::scheduling {

// pin_two_on_one_cpu: the pinned pair against the same two threads left to the scheduler.
core::Result run_two_on_one(core::RunContext& ctx, core::Result r);

}  // namespace illusion::labs::scheduling
