// Page-by-page probes behind the copy-on-write rows: k pages of a buffer written (or read) one
// at a time, each access timed with the run's clock, and the faults they caused counted around
// exactly those accesses.
//
// For copy-on-write the probe runs in a forked child: the faults happen in the child, so the
// child counts them (getrusage(2) RUSAGE_SELF and a perf page-fault counter opened there) and
// times its own accesses, then sends everything back through a ValuePipe. The clock object was
// created by the parent before fork; a TSC clock is plain memory plus rdtsc, so the child's
// copy reads the same calibrated time base.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/clock.h"
#include "core/page_access.h"
#include "processes/child.h"

namespace illusion::labs::processes {

using core::PageAccess;

struct PageProbe {
  std::vector<double> ns;                 // one clock reading pair per page (overhead included)
  std::uint64_t rusage_minor_faults = 0;  // getrusage delta over the timed accesses only
  std::uint64_t rusage_major_faults = 0;
  std::optional<double> perf_faults;  // perf PERF_COUNT_SW_PAGE_FAULTS, same window
  std::string perf_reason;            // why perf_faults is missing
  std::size_t pages() const { return ns.size(); }
};

// Offsets of k pages spread evenly over `buffer_bytes`, never the last page (the probes keep it
// for their warm-up access). Throws std::invalid_argument when k pages do not fit.
std::vector<std::size_t> spread_page_offsets(std::size_t buffer_bytes, std::size_t k);

// Forks a child that accesses k pages of `buffer` (which the caller has touched, so every page
// is shared with the child after fork) and returns what the child measured. Throws
// std::system_error when fork fails and std::runtime_error when the child dies before reporting.
PageProbe probe_pages_in_child(const core::Clock& clock, const Mapping& buffer, std::size_t k,
                               PageAccess access);

// Writes k pages of `fresh` (never touched) in the calling thread: each write is a first-touch
// fault that allocates a zeroed page. Counted with RUSAGE_THREAD and a per-thread perf counter.
PageProbe probe_first_touch(const core::Clock& clock, const Mapping& fresh, std::size_t k);

// madvise(MADV_NOHUGEPAGE) on the whole mapping, so one fault maps one 4 KiB page (THP and the
// multi-size anonymous THP of 6.8+ would otherwise map up to 2 MiB per fault; madvise(2)).
// Returns false (errno set) when the kernel refused.
bool no_huge_pages(const Mapping& m);

}  // namespace illusion::labs::processes
