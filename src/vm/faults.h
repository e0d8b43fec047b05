// The bodies of the fault rows (faults.cpp holds the table), split over files by theme, and
// the few helpers they share.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/host_behaviour.h"

#include "core/experiment.h"
#include "core/result.h"

namespace illusion::labs::vm::faults {

// Region sizes per profile.
std::uint64_t first_touch_bytes(core::Profile p);  // 128 MiB quick, 512 MiB, 1 GiB thorough
// 64 MiB quick, 512 MiB, 1 GiB thorough: on a VM each fresh 2 MiB block can cost milliseconds of
// host faults, and 256 blocks give a p99 with two beyond it.
std::uint64_t thp_fault_bytes(core::Profile p);
std::uint64_t prefault_bytes(core::Profile p);     // 64 MiB quick, 256 MiB, 512 MiB thorough
std::uint64_t zero_page_bytes(core::Profile p);    // 64 MiB quick, 256 MiB, 512 MiB thorough

// The parameters every fault row records: page size, clock, how faults were counted.
void add_common_params(core::Result& r, const core::RunContext& ctx);

core::Result run_first_touch(core::RunContext& ctx, core::Result r);  // faults.cpp
core::Result run_zero_page(core::RunContext& ctx, core::Result r);    // faults_zero.cpp
core::Result run_thp_fault(core::RunContext& ctx, core::Result r);    // faults_thp.cpp

// What vm.zero_page measured, and the words it prints for it (faults_zero.cpp): a pure function
// of the figures and of the environment's zero-page fact, so a host without a zero page is
// tested without one. The text follows the measured RssAnon growth; the fact explains it, and a
// disagreement between the two becomes a warning.
struct ZeroPageFigures {
  double read_p50_ns = 0, write_p50_ns = 0;
  double read_faults_per_page = 0, write_faults_per_page = 0;
  double rss_growth_read_bytes = 0, rss_growth_write_bytes = 0;
  double region_bytes = 0;
  std::string versus_first_touch;  // " (... a write-only first touch)" or ""
};
struct RowWords {
  std::string meaning;
  std::vector<std::string> warnings;
};
RowWords describe_zero_page(const ZeroPageFigures& f, const core::BehaviourFact& zero_page);

// faults_prefault.cpp: one row per way of getting memory ready before its first use.
enum class Prefault { lazy, map_populate, madv_willneed, mlock, madv_populate_write };
core::Result run_prefault(core::RunContext& ctx, core::Result r, Prefault how);

}  // namespace illusion::labs::vm::faults
