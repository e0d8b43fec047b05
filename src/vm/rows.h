// The lab's table is assembled from groups of rows, one group per file, so each file holds its
// experiments' functions next to the rows that name them.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "core/experiment.h"

namespace illusion::labs::vm {

inline constexpr const char* kLabId = "vm";

// A row of this lab's table.
inline core::Experiment experiment(std::string id, std::string title, std::string shows,
                                   std::string unit, core::DurationHint hint,
                                   core::ExperimentBody body) {
  return core::make_experiment(kLabId, std::move(id), std::move(title), std::move(shows),
                               std::move(unit), hint, std::move(body));
}

std::vector<core::Experiment> fresh_buffer_rows();  // fresh_buffer.cpp: a fresh 64 MiB buffer
std::vector<core::Experiment> fault_rows();  // faults.cpp: first touch, prefault, zero page, THP
std::vector<core::Experiment> alloc_rows();  // alloc.cpp: malloc vs mmap, file CoW, major faults
std::vector<core::Experiment> reach_rows();  // reach.cpp: TLB and cache reach (pointer chase)
std::vector<core::Experiment> stall_rows();  // stalls.cpp: a fault in a frame loop, mmap churn

}  // namespace illusion::labs::vm
