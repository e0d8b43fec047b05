// The lab's table is assembled from groups of rows, one group per file, so each file holds its
// experiments' functions next to the rows that name them.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "core/experiment.h"

namespace illusion::labs::scheduling {

inline constexpr const char* kLabId = "scheduling";

// A row of this lab's table; `id` is the short name ("futex_same_cpu"), the row's id gets the
// lab's prefix ("scheduling.futex_same_cpu").
inline core::Experiment experiment(const std::string& id, std::string title, std::string shows,
                                   std::string unit, core::DurationHint hint,
                                   core::ExperimentBody body) {
  return core::make_experiment(kLabId, id, std::move(title),
                               std::move(shows), std::move(unit), hint, std::move(body));
}

std::vector<core::Experiment> switch_rows();     // switches.cpp: ping-pong, direct/indirect cost
std::vector<core::Experiment> cpu_bound_rows();  // cpu_bound.cpp: oversubscription, fairness
std::vector<core::Experiment> pinning_rows();    // pinning.cpp: pinning that helps, that hurts
std::vector<core::Experiment> wakeup_rows();     // wakeup.cpp: periodic sleeper's lateness
std::vector<core::Experiment> frame_rows();      // frames.cpp: a frame loop beside batch work
std::vector<core::Experiment> inversion_rows();  // inversion.cpp: priority inversion, PI mutex

}  // namespace illusion::labs::scheduling
