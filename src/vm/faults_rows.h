// The bodies of the fault rows (faults.cpp holds the table), split over files by theme, and
// the few helpers they share.
#pragma once

#include <cstdint>
#include <string>

#include "core/experiment.h"
#include "core/result.h"

namespace illusion::labs::vm::faults {

// Region sizes per profile.
std::uint64_t first_touch_bytes(core::Profile p);  // 128 MiB quick, 1 GiB otherwise
std::uint64_t prefault_bytes(core::Profile p);     // 64 MiB quick, 256 MiB, 512 MiB thorough
std::uint64_t zero_page_bytes(core::Profile p);    // 64 MiB quick, 256 MiB, 512 MiB thorough

// The parameters every fault row records: page size, clock, how faults were counted.
void add_common_params(core::Result& r, const core::RunContext& ctx);

core::Result run_first_touch(core::RunContext& ctx, core::Result r);  // faults.cpp
core::Result run_zero_page(core::RunContext& ctx, core::Result r);    // faults_zero.cpp
core::Result run_thp_fault(core::RunContext& ctx, core::Result r);    // faults_thp.cpp

// faults_prefault.cpp: one row per way of getting memory ready before its first use.
enum class Prefault { lazy, map_populate, madv_willneed, mlock, madv_populate_write };
core::Result run_prefault(core::RunContext& ctx, core::Result r, Prefault how);

}  // namespace illusion::labs::vm::faults
