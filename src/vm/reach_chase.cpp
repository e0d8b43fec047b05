#include "vm/reach_chase.h"

#include <sys/mman.h>

#include <algorithm>
#include <stdexcept>

#include <fmt/format.h>

#include "core/barrier.h"
#include "core/sample_each.h"
#include "core/stats.h"

// Older headers lack MADV_POPULATE_WRITE (Linux 5.14); the value is ABI.
#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23
#endif

namespace illusion::labs::vm {
namespace {

constexpr std::uint64_t kHugeBytes = 2ull << 20;  // x86-64 PMD size: one THP
constexpr std::uint64_t kMinSteps = 4096;

// GCC's 128-bit integer; __extension__ keeps -Wpedantic quiet about a type ISO C++ lacks.
__extension__ typedef unsigned __int128 U128;

// splitmix64 (Steele, Lea, Flood 2014): fast, well mixed, and seedable, so the same seed gives
// the same chain on every run.
struct SplitMix64 {
  std::uint64_t state;
  std::uint64_t next() {
    std::uint64_t z = (state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
  }
  // A value in [0, bound): Lemire's multiply-shift; the bias (bound / 2^64) is far below
  // anything a latency curve could show.
  std::uint64_t below(std::uint64_t bound) {
    return static_cast<std::uint64_t>((static_cast<U128>(next()) * bound) >> 64);
  }
};

std::uint64_t round_up(std::uint64_t v, std::uint64_t to) { return (v + to - 1) / to * to; }

}  // namespace

SlotCycle::SlotCycle(std::size_t n, std::uint64_t seed) : n_(n) {
  if (n < 2 || n > (1ull << 32)) throw std::invalid_argument("SlotCycle needs 2..2^32 slots");
  storage_ = std::make_unique<core::Mapping>(n * sizeof(std::uint32_t), true);
  next_ = reinterpret_cast<std::uint32_t*>(storage_->data());
  // Any VMA flag that differs keeps this mapping from merging with the huge working set mapped
  // right next to it: a merged VMA would show both in one /proc/self/smaps block and hide the
  // working set's own AnonHugePages from Mapping::huge_pages_bytes(). MADV_DONTFORK (no child
  // ever needs the index) is such a flag.
  madvise(storage_->data(), storage_->size(), MADV_DONTFORK);
  for (std::size_t i = 0; i < n; ++i) next_[i] = static_cast<std::uint32_t>(i);
  // Sattolo's variant of Fisher-Yates: j < i (never j == i) makes the result one n-cycle,
  // each of the (n-1)! cycles equally likely. The swaps are independent of each other, so the
  // CPU overlaps their cache misses: ~0.2 s for the 16 Mi slots of 1 GiB.
  SplitMix64 rng{seed};
  for (std::size_t i = n - 1; i > 0; --i) {
    const std::size_t j = rng.below(i);
    std::swap(next_[i], next_[j]);
  }
}

bool is_single_cycle(const std::uint32_t* next, std::size_t n) {
  if (n == 0) return false;
  std::size_t at = 0, steps = 0;
  do {
    if (next[at] >= n) return false;
    at = next[at];
    ++steps;
  } while (at != 0 && steps <= n);
  return at == 0 && steps == n;
}

void link_slots(char* base, const SlotCycle& cycle) {
  const std::uint32_t* next = cycle.next();
  for (std::size_t i = 0; i < cycle.size(); ++i) {
    *reinterpret_cast<char**>(base + i * kSlotBytes) = base + next[i] * kSlotBytes;
  }
  core::clobber_memory();
}

// Not inlined, so every size runs the same loop; unrolled by 8 so the loop's own branch is a
// small share of even an L1 hit (~1 ns). Each load's address is the previous load's value: the
// CPU cannot start load k+1 before load k completes, so the time per step is the full latency.
__attribute__((noinline)) const void* chase(const void* p, std::uint64_t steps) {
  for (std::uint64_t i = 0; i < steps; i += 8) {
    p = *static_cast<const void* const*>(p);
    p = *static_cast<const void* const*>(p);
    p = *static_cast<const void* const*>(p);
    p = *static_cast<const void* const*>(p);
    p = *static_cast<const void* const*>(p);
    p = *static_cast<const void* const*>(p);
    p = *static_cast<const void* const*>(p);
    p = *static_cast<const void* const*>(p);
  }
  return p;
}

ChaseRegion::ChaseRegion(const core::Clock& clock, std::uint64_t bytes, bool huge)
    : bytes_(bytes),
      huge_(huge),
      // Huge pages only back 2 MiB-aligned 2 MiB blocks inside a mapping, so the huge region
      // maps one block more than it needs and starts on a block boundary.
      mem_(huge ? round_up(bytes, kHugeBytes) + kHugeBytes : bytes, huge) {
  base_ = mem_.data();
  if (huge) {
    base_ = reinterpret_cast<char*>(
        round_up(reinterpret_cast<std::uintptr_t>(mem_.data()), kHugeBytes));
  } else {
    // With THP "always" even an unadvised mapping could get huge pages and the 4 KiB curve
    // would silently become a huge-page one; MADV_NOHUGEPAGE forbids it (madvise(2)).
    madvise(mem_.data(), mem_.size(), MADV_NOHUGEPAGE);
  }
  // Every page resident before any timing: MADV_POPULATE_WRITE (Linux 5.14, madvise(2))
  // faults the range in one call, cheaper than a trap per page; where it is refused, a write
  // per page does the same.
  const double t0 = clock.now_ns();
  if (madvise(base_, bytes_, MADV_POPULATE_WRITE) != 0) {
    volatile char* p = base_;
    for (std::uint64_t off = 0; off < bytes_; off += 4096) p[off] = 1;
  }
  populate_ns_ = clock.now_ns() - t0;
  huge_bytes_ = mem_.huge_pages_bytes();
}

double ChaseRegion::huge_fraction() const {
  const double span = static_cast<double>(huge_ ? round_up(bytes_, kHugeBytes) : bytes_);
  return std::min(1.0, static_cast<double>(huge_bytes_) / span);
}

ChasePoint chase_at_size(const core::Clock& clock, const SlotCycle& cycle,
                         const ChaseRegion& region, const ChaseOptions& opt) {
  ChasePoint pt;
  pt.bytes = cycle.size() * kSlotBytes;
  pt.huge = region.huge();
  if (pt.bytes > region.bytes()) throw std::invalid_argument("working set beyond its region");
  char* base = region.base();
  link_slots(base, cycle);

  // Warm-up: one full lap of the cycle when it is short enough (the caches and TLB then hold
  // whatever fits), at least 64 Ki steps otherwise; the last lap also sizes the samples.
  const void* p = base;
  const std::uint64_t warm = std::max<std::uint64_t>(
      kMinSteps, std::min<std::uint64_t>(round_up(cycle.size(), 8), 1u << 18));
  p = chase(p, warm);
  const double t0 = clock.now_ns();
  p = chase(p, kMinSteps);
  const double trial_ns = std::max(1.0, (clock.now_ns() - t0) / kMinSteps);
  pt.steps_per_sample = std::max<std::uint64_t>(
      kMinSteps, round_up(static_cast<std::uint64_t>(opt.target_sample_ns / trial_ns), 8));

  core::SampleLimits limits;
  limits.budget_s = opt.budget_s;
  limits.min_samples = opt.min_samples;
  limits.max_samples = opt.max_samples;
  limits.target_median = opt.target_median;
  // From 20 samples on and from the budget's start: a chase sample is ~1 ms, so a size's budget
  // holds only tens of them, and sample_op's floors (1000 samples, a quarter of the budget)
  // would never let a settled size hand its time to the large ones.
  limits.adaptive_min_samples = 20;
  limits.adaptive_min_share = 0;
  if (opt.counters) pt.window = std::make_unique<core::CounterWindow>(true);
  if (pt.window) pt.window->start();
  pt.per_sample_ns = core::sample_each(clock, limits, [] {}, [&] {
    p = chase(p, pt.steps_per_sample);
    core::do_not_optimize(p);
  });
  if (pt.window) pt.window->stop();
  core::do_not_optimize(p);
  for (double& ns : pt.per_sample_ns) ns /= static_cast<double>(pt.steps_per_sample);
  pt.stats = core::compute_stats(pt.per_sample_ns);
  return pt;
}

std::vector<std::uint64_t> reach_sizes(std::uint64_t largest_bytes) {
  std::vector<std::uint64_t> out;
  // Doubling up to 64 MiB resolves every cache level's edge; beyond the LLC the curve only
  // climbs slowly (more TLB misses per walk), and the big sizes cost most to populate, so from
  // there on the step is 4x.
  for (std::uint64_t b = 4096; b <= largest_bytes; b *= b < (64ull << 20) ? 2 : 4)
    out.push_back(b);
  if (out.back() != largest_bytes && largest_bytes > 4096) out.push_back(largest_bytes);
  return out;
}

std::string size_label(std::uint64_t bytes) {
  if (bytes >= (1ull << 30) && bytes % (1ull << 30) == 0) return fmt::format("{} GiB", bytes >> 30);
  if (bytes >= (1ull << 20) && bytes % (1ull << 20) == 0) return fmt::format("{} MiB", bytes >> 20);
  return fmt::format("{} KiB", bytes >> 10);
}

}  // namespace illusion::labs::vm
