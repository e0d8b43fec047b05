// The threads behind vm.mmap_churn_stall: touchers that time batches of stores to memory they
// made resident beforehand, and optionally one thread that maps, touches and unmaps 2 MiB in a
// loop. The touchers never fault, so nothing they do needs mmap_lock; what reaches them from
// the churn is what munmap does to every CPU running the same mm (TLB shootdown IPIs) and the
// TLB refill that follows.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "core/affinity.h"
#include "core/clock.h"

namespace illusion::labs::vm {

inline constexpr std::size_t kChurnBytes = 2u << 20;  // one mmap/touch/munmap round
inline constexpr std::size_t kBatchPages = 64;        // one batch: a line in each of 64 pages
inline constexpr std::size_t kTouchBytes = 4u << 20;  // each toucher's resident buffer

struct ChurnConfig {
  int touchers = 1;
  double duration_s = 0.5;
  bool churn = false;  // run the mmap/munmap thread beside the touchers
  std::size_t max_samples_per_thread = 2'000'000;
  std::vector<int> toucher_cpus;  // CPU per toucher (-1: leave unpinned)
  int churn_cpu = -1;
};

struct ChurnRun {
  std::vector<double> batch_ns;    // every toucher's batches, merged
  std::uint64_t churn_rounds = 0;  // mmap + touch + munmap rounds completed
  double elapsed_s = 0;
  std::uint64_t toucher_minor_faults = 0;
  std::uint64_t toucher_involuntary_switches = 0;
  bool hit_sample_cap = false;
  std::vector<std::string> placement_failures;  // threads that could not be pinned
};

// Starts the threads, runs for `duration_s`, joins them all (also when one throws).
ChurnRun run_churn(const core::Clock& clock, const ChurnConfig& cfg);

using core::allowed_cpus;  // the CPUs this process may use now

}  // namespace illusion::labs::vm
