// The bodies of the switches group split out of switches.cpp, which holds the group's table and
// the direct-cost bodies.
#pragma once

#include "core/experiment.h"

namespace illusion::labs::scheduling {

// switch_indirect_cost (switches_indirect.cpp): what a switch to a cache-hungry partner costs the
// thread afterwards, its noise and its meaning.
core::Result run_indirect_cost(core::RunContext& ctx, core::Result r);

}  // namespace illusion::labs::scheduling
