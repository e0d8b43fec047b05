// What the munmap rows' table (mmap_costs.cpp) shares with their measuring
// (mmap_costs_sampling.cpp): the two sizes unmapped, what every sample needs, what one size's
// samples bring back, and the two steps a row runs: warming the region and sampling both sizes
// on a pinned thread.
//
// Everything lives in its own namespace, like random_common's: other groups of this lab have a
// Plan of their own.
#pragma once

#include <cstddef>
#include <optional>
#include <vector>

#include "core/clock.h"
#include "core/result.h"
#include "core/spinners.h"
#include "mmap_vs_read/io_file.h"

namespace illusion::labs::mmap_vs_read::mmap_costs {

// 16 pages: below x86's single-page flush ceiling.
inline constexpr std::size_t kSmallBytes = 64 * kKiB;
// 512 pages: a full flush, maybe one PMD entry.
inline constexpr std::size_t kLargeBytes = 2 * kMiB;

// What every sample needs.
struct Plan {
  const core::Clock* clock = nullptr;
  int fd = -1;
  std::size_t page_bytes = 4096;
  double budget_ns = 0;
  std::size_t min_samples = 0;
};

// The samples of one size, and what was counted around them (untimed parts included).
struct SizeRun {
  std::vector<double> ns;
  std::optional<double> shootdowns_per_op;  // /proc/interrupts "TLB:" delta / samples
  double touch_faults_per_sample = 0;       // faults the thread took to map the range
  double touch_major_per_sample = 0;
};

// Both sizes, on a thread of their own pinned to `cpu`, so the munmapping thread never shares
// a CPU with a spinner (the caller's own mask is left alone; it waits in join meanwhile).
// The 64 KiB samples become the result's stats and counters; the 2 MiB ones come back apart.
SizeRun sample_on_pinned_thread(const Plan& plan, int cpu, core::Spinners* spinners,
                                core::Result& r);

// Brings the first kLargeBytes of the file into the page cache the same way whatever ran
// before: dropped (after fdatasync, so the pages are clean and can go) and read back with
// pread, so readahead chooses the folios. How the file's pages are held decides how a mapping
// of them is built (one huge-page entry over a 2 MiB folio, or 512 page entries) and so what
// munmap tears down; without this the rows' figures would depend on the rows run before them.
void warm_region(const IoFile& f);

}  // namespace illusion::labs::mmap_vs_read::mmap_costs
