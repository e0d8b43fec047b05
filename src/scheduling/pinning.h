// The bodies of the pinning group (pinning.cpp holds its table): pinning that helps, a
// cache-hungry walker beside one busy competitor, free to move or pinned away from it
// (pinning_cache.cpp); pinning that hurts, two busy threads pinned to one CPU while another
// idles (pinning_two_on_one.cpp).
#pragma once

#include "core/experiment.h"

namespace illusion::labs::scheduling {

// pin_cache_hungry_free (pinned false) and pin_cache_hungry_pinned (pinned true).
core::Result run_cache_hungry(core::RunContext& ctx, core::Result r, bool pinned);

// pin_two_on_one_cpu: the pinned pair against the same two threads left to the scheduler.
core::Result run_two_on_one(core::RunContext& ctx, core::Result r);

}  // namespace illusion::labs::scheduling
