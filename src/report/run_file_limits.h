// What a run file may hold, for the reader (json_read.cpp) and its tests.
//
// Each limit keeps a hostile or corrupt file from costing more than about 2 s and 256 MiB to
// report or compare, and each is at least 20 times what `illusion run --json` writes: the
// figures in the comments are the most found in docs/results (a default run of the headline set
// on the dev VM, 0.5 MiB; every experiment of every lab is 124 rows).
#pragma once

#include <cstddef>

#include "report/json_caps.h"

namespace illusion::report {

inline constexpr std::size_t kMaxRunFileBytes = std::size_t{16} << 20;  // 0.5 MiB
inline constexpr std::size_t kMaxRunFileDepth = 64;  // refused before parsing (json_text.h)
inline constexpr std::size_t kRunFileDepth = 7;      // how deep a run file nests

inline constexpr std::size_t kMaxRunFileValues = 500'000;  // 14,857
inline constexpr std::size_t kMaxStringBytes = 64 << 10;   // 894 (a meaning line)
inline constexpr std::size_t kMaxKeyBytes = 1 << 10;       // 37 (a metric's name)
// Every key is carried into every output (`report --json --md --html`), so this one keeps to
// about 20 times the most, for room under the 2 s on a loaded machine.
inline constexpr std::size_t kMaxKeys = 512;          // 22 (metrics of one experiment)
inline constexpr std::size_t kMaxElements = 100'000;  // any array not named below

inline constexpr std::size_t kMaxExperiments = 5000;  // 73 (124 in all the labs)
inline constexpr std::size_t kMaxSeries = 64;         // 3 in one experiment
inline constexpr std::size_t kMaxPoints = 100'000;    // 1,986 in one series (2,000 at most)
inline constexpr std::size_t kMaxWarnings = 1000;     // 7 in one experiment
inline constexpr std::size_t kMaxLabs = 100;          // 5
inline constexpr std::size_t kMaxInsights = 1000;     // 36
inline constexpr std::size_t kMaxSelection = 1000;    // 16 targets
inline constexpr std::size_t kMaxCaveats = 1000;      // 5

inline const JsonCaps& run_file_caps() {
  static const JsonCaps caps{
      kMaxRunFileValues,
      kMaxStringBytes,
      kMaxKeyBytes,
      kMaxKeys,
      kMaxElements,
      {
          {"experiments", kMaxExperiments, "experiments", "in a run"},
          {"experiments[].series", kMaxSeries, "series", "in one experiment"},
          {"experiments[].series[].points", kMaxPoints, "points", "in one series"},
          {"experiments[].warnings", kMaxWarnings, "warnings", "in one experiment"},
          {"labs", kMaxLabs, "labs", "in a run"},
          {"insights", kMaxInsights, "insights", "in a run"},
          {"selection", kMaxSelection, "targets", "in a run's selection"},
          {"env.caveats", kMaxCaveats, "caveats", "in a run's environment"},
      },
      "a run file",
  };
  return caps;
}

}  // namespace illusion::report
