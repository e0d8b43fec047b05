// The dependent pointer chase behind vm.tlb_reach: how long one load takes when the next
// address is only known once the previous load has returned, as the working set outgrows each
// cache level and the TLB's reach.
//
// Layout: the working set is an array of 64-byte slots, one per cache line, and every line is
// a slot. The slots are linked in one random cycle over *all* lines (Sattolo's algorithm), so
// consecutive loads land on unrelated lines of unrelated pages: no stride for the hardware
// prefetchers to follow, no two neighbours sharing a page. Once the working set is larger than
// the TLB's reach (entries x page size) almost every load needs a page walk, and once it is
// larger than a cache level every load misses it: the curve shows both steps, and the huge-page
// run (512x the reach per entry) separates the TLB's share from the caches'. A slot per page
// instead would measure the TLB alone but leave the working set 64x smaller than the memory
// mapped; a slot per line makes "working set" mean what the caches see.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/clock.h"
#include "core/counters.h"
#include "core/mapping.h"
#include "core/stats.h"

namespace illusion::labs::vm {

inline constexpr std::size_t kSlotBytes = 64;  // one cache line on x86-64 and most arm64

// A random permutation of 0..n-1 made of a single cycle (Sattolo, 1986: Fisher-Yates with the
// swap partner drawn from the indices strictly below). next[i] is the slot visited after i.
// Deterministic for a given seed. Stored in a huge-page-advised mapping: at 1 GiB the index is
// 64 MiB and the shuffle's random swaps would otherwise pay a TLB miss each.
class SlotCycle {
 public:
  SlotCycle(std::size_t n, std::uint64_t seed);
  std::size_t size() const { return n_; }
  const std::uint32_t* next() const { return next_; }

 private:
  std::size_t n_ = 0;
  std::unique_ptr<core::Mapping> storage_;
  std::uint32_t* next_ = nullptr;
};

// True when `next` (n entries) is one cycle through all n slots: for tests.
bool is_single_cycle(const std::uint32_t* next, std::size_t n);

// Writes into slot i of `base` a pointer to slot next[i], in slot order: a sequential pass that
// also writes every line of the working set, so each page is resident before timing.
void link_slots(char* base, const SlotCycle& cycle);

// Follows the chain `steps` times (a multiple of 8) from `p`; returns the slot it stopped at.
const void* chase(const void* p, std::uint64_t steps);

// The memory every size of one page kind is chased in: mapped and populated once at the
// largest size, each working set being a prefix of it. Populating once costs a third less than
// a mapping per size, and far less for huge pages: in this VM the first touch of a 2 MiB page
// the guest has not used lately took ~3 ms (3 s per GiB, then 0.13 s per GiB once the host had
// backed the memory), so fresh huge mappings per size would dominate the run.
class ChaseRegion {
 public:
  // `huge`: MADV_HUGEPAGE and a start on a 2 MiB boundary; else MADV_NOHUGEPAGE.
  ChaseRegion(const core::Clock& clock, std::uint64_t bytes, bool huge);
  char* base() const { return base_; }
  std::uint64_t bytes() const { return bytes_; }
  bool huge() const { return huge_; }
  double populate_ns() const { return populate_ns_; }
  std::uint64_t huge_bytes() const { return huge_bytes_; }  // AnonHugePages after populating
  double huge_fraction() const;

 private:
  std::uint64_t bytes_;
  bool huge_;
  core::Mapping mem_;
  char* base_ = nullptr;
  double populate_ns_ = 0;
  std::uint64_t huge_bytes_ = 0;
};

struct ChaseOptions {
  double budget_s = 0.05;          // timed sampling per size
  double target_sample_ns = 1e6;   // one sample lasts about this long
  std::size_t min_samples = 5;
  std::size_t max_samples = 400;
  // Stop a size early once its median's 95% interval is within ±target_median of it
  // (core/sample_each.h's rule, from 20 samples on; 0 turns it off): cache-resident sizes
  // settle at once and leave their time to the large ones, whose samples drift with the
  // host's memory state.
  double target_median = 0;
  bool counters = false;           // a CounterWindow around the timed samples
};

struct ChasePoint {
  std::uint64_t bytes = 0;         // working set
  bool huge = false;               // chased in the huge-page region
  std::vector<double> per_sample_ns;  // ns per access, one value per sample
  core::Stats stats;
  std::uint64_t steps_per_sample = 0;
  std::unique_ptr<core::CounterWindow> window;  // when ChaseOptions::counters
};

// Links `cycle.size()` slots at the start of `region` (a sequential write of every line of the
// working set), warms the chain, then times samples of dependent loads.
ChasePoint chase_at_size(const core::Clock& clock, const SlotCycle& cycle,
                         const ChaseRegion& region, const ChaseOptions& opt);

// Working sets of a sweep: 4 KiB, doubling to 64 MiB, then 4x steps, ending at `largest_bytes`.
std::vector<std::uint64_t> reach_sizes(std::uint64_t largest_bytes);

// "4 KiB", "256 KiB", "16 MiB", "1 GiB": labels for metrics and messages.
std::string size_label(std::uint64_t bytes);

}  // namespace illusion::labs::vm
