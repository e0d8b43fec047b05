// The indirect cost of a context switch: what the thread switched out finds when it comes back.
// Its working set (256 KiB, a quarter of this machine's L2 on the dev VM) sat in the caches
// and TLB; while it waited, the partner on the same CPU walked its own, larger buffer and
// evicted it. The thread then re-reads its set and pays L3 (or DRAM) latency for lines that
// were L2 hits before the switch.
//
// The re-read is a dependent chain: one 4-byte load per 64-byte line, in a random cyclic order
// (Sattolo's algorithm), each load's address read by the one before. The prefetcher cannot run
// ahead and the loads cannot overlap, so the time is the sum of the lines' latencies: the
// pollution shows in full rather than hidden behind memory-level parallelism.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "core/clock.h"

namespace illusion::labs::scheduling {

struct IndirectConfig {
  int cpu = 0;                           // both threads run here
  std::size_t set_bytes = 256 << 10;     // the measured thread's working set
  std::size_t polluter_bytes = 1 << 20;  // the partner's buffer, touched on every token
  double budget_ns = 0.5e9;              // sampling time, warm-up excluded
  std::size_t min_rounds = 20;
};

// One value per round and condition: ns to re-read the whole set.
struct IndirectRun {
  std::vector<double> no_switch;          // read, then re-read at once
  std::vector<double> after_switch;       // read, switch to the polluting partner and back, re-read
  std::vector<double> after_idle_switch;  // the same switch, the partner touching nothing
  std::string refusal;                    // the partner could not be pinned
};

// Runs the three conditions interleaved, round by round, so drift in the machine's load hits
// them alike. The caller must already run on `config.cpu` (pinned through an AffinityGuard).
IndirectRun run_indirect(const core::Clock& clock, const IndirectConfig& config);

// The partner's buffer: twice the L2 of `cpu` (sysfs cache/index2), at least 1 MiB, at most
// 16 MiB. `l2_description` says what sysfs reported, "" when it did not (1 MiB is used).
std::size_t polluter_bytes_for(int cpu, std::string& l2_description);

}  // namespace illusion::labs::scheduling
