// Tools the allocation and file-mapping experiments share (namespace vm::alloc, apart from the
// other row groups' helpers of the same library): per-page timed touches, fault
// counts around an untimed phase and residency (from the core), the page table, the process's
// RSS.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/clock.h"
#include "core/fault_window.h"
#include "core/page_access.h"
#include "core/page_cache.h"
#include "core/pagemap.h"
#include "core/test_file.h"

namespace illusion::labs::vm::alloc {

std::size_t page_bytes();

using Touch = core::PageAccess;

// Touches base + offsets[i] (one byte) for each i, each touch between two clock readings, into
// out[i] (ns). A warm-up touch of a stack byte first runs this code, the clock and the loop
// once, so the first timed touch does not also pay for faulting in the program's own pages.
// `out` must already be written (its own first-touch faults must not land in a window).
void timed_touches(const core::Clock& clock, char* base, const std::size_t* offsets, std::size_t n,
                   Touch touch, double* out);

// One byte per page, untimed.
void touch_pages(char* base, std::size_t bytes, Touch touch);

// Shared with the mmap vs read() lab, so they live in the core.
using core::FaultCount;
using core::FaultWindow;
using core::FileMapping;
using core::filesystem_of;
using core::FsInfo;
using core::resident_fraction;
using core::TestFile;

// This process's page table (core/pagemap.h): used to find the pages no earlier fault has
// mapped, since one file fault can map a whole large folio.
using core::PageTable;

// A "Vm..."/"Rss..." line of /proc/self/status in KiB (proc(5)); nullopt when absent.
// The kernel keeps RSS in per-CPU counters, so the figure can lag by a few hundred KiB.
std::optional<double> status_kib(const std::string& field);

}  // namespace illusion::labs::vm::alloc
