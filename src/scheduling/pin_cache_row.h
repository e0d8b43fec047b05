// The cache-hungry walker rows: a task walking an L2-sized working set beside one busy
// competitor, free to move or pinned away from it.
#pragma once

#include "core/experiment.h"

namespace illusion::labs::scheduling {

// pin_cache_hungry_free (pinned false) and pin_cache_hungry_pinned (pinned true).
core::Result run_cache_hungry(core::RunContext& ctx, core::Result r, bool pinned);

}  // namespace illusion::labs::scheduling
