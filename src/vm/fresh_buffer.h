// vm.fresh_64m_first_touch: the first touch of a whole fresh 64 MiB buffer, measured rather than
// extrapolated from vm.first_touch's per-page median (which is taken after a warm-up that has
// already made a hypervisor back the memory).
#pragma once

#include <cstdint>

#include "core/experiment.h"
#include "core/result.h"

namespace illusion::labs::vm {

// The buffer every sample maps and first-touches: the size commentary quotes.
inline constexpr std::uint64_t kFreshBufferBytes = 64ull << 20;

namespace faults {

// Fresh mappings timed per profile (each one is a sample): 3 quick, 5, 11 thorough.
int fresh_buffer_samples(core::Profile p);

core::Result run_fresh_buffer_first_touch(core::RunContext& ctx, core::Result r);

}  // namespace faults

}  // namespace illusion::labs::vm
