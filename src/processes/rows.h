// The lab's table is assembled from groups of rows, one group per file, so each file holds its
// experiments' functions next to the rows that name them.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "core/experiment.h"

namespace illusion::labs::processes {

inline constexpr const char* kLabId = "processes";

// A row of this lab's table.
inline core::Experiment experiment(std::string id, std::string title, std::string shows,
                                   std::string unit, core::DurationHint hint,
                                   core::ExperimentBody body) {
  return core::make_experiment(kLabId, std::move(id), std::move(title), std::move(shows),
                               std::move(unit), hint, std::move(body));
}

std::vector<core::Experiment> creation_rows();    // creation.cpp: create and reap one unit
std::vector<core::Experiment> fork_size_rows();   // fork_size.cpp: fork/vfork/spawn vs parent size
std::vector<core::Experiment> cow_rows();         // cow.cpp: copy-on-write faults in the child
std::vector<core::Experiment> spawn_many_rows();  // spawn_many.cpp: N threads vs N processes alive
std::vector<core::Experiment> isolation_rows();   // isolation.cpp: crashes contained or shared

}  // namespace illusion::labs::processes
