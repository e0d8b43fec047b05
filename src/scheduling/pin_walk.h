// A cache-hungry task: a thread that walks the same working set (a random cyclic chain of
// cache lines, so no prefetcher can guess the next line) over and over, timing each walk and
// noting the CPU it ran on before and after. A walk on the CPU whose L2 holds the set is a run
// of L2 hits; a walk right after a move to another CPU starts with the set left behind.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "core/clock.h"
#include "scheduling/busy_thread_stats.h"

namespace illusion::labs::scheduling {

struct WalkPlan {
  std::size_t working_set_bytes = 0;
  std::optional<int> cpu;  // pinned there when set (on the walker's own thread)
  double duration_ns = 0;
};

// What a move costs the walker, measured by moving it on purpose: pinned to one CPU, warmed,
// then re-pinned to the other CPU before each timed pair of walks (the first finds the set on
// the CPU it left, the second finds it at home again).
struct MovePlan {
  std::size_t working_set_bytes = 0;
  int cpu_a = 0, cpu_b = 0;
  std::size_t moves = 0;
};

struct MoveRun {
  std::string refusal;
  std::vector<double> first_walk_ns;   // right after each move
  std::vector<double> second_walk_ns;  // the walk after that, on the same CPU
};

struct WalkRun {
  std::string refusal;            // why the walker could not be pinned
  std::size_t lines = 0;          // cache lines per walk
  std::vector<double> walk_ns;    // every timed walk
  std::vector<double> moved_ns;   // walks that began on, or ended on, another CPU than the last
  std::vector<double> stayed_ns;  // the others
  std::vector<int> cpus_seen;
  ThreadSchedSnapshot before, after;
};

// Runs the walker on a thread of its own (joined before returning); warm-up walks first.
WalkRun run_walker(const core::Clock& clock, const WalkPlan& plan);

// Runs the forced moves on a thread of its own (joined before returning).
MoveRun run_forced_moves(const core::Clock& clock, const MovePlan& plan);

}  // namespace illusion::labs::scheduling
