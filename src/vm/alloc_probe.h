// Tools the allocation and file-mapping experiments share (namespace vm::alloc, apart from the
// other row groups' helpers of the same library): per-page timed touches, fault
// counts around an untimed phase and residency (from the core), the page table, the process's
// RSS.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/clock.h"
#include "core/fault_window.h"
#include "core/page_access.h"
#include "core/page_cache.h"
#include "core/pagemap.h"
#include "core/scratch_file.h"
#include "vm/faults_probe.h"

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
using core::ScratchFile;

// This process's page table (core/pagemap.h): used to find the pages no earlier fault has
// mapped, since one file fault can map a whole large folio.
using core::PageTable;

// A "Vm..."/"Rss..." line of /proc/self/status in KiB (proc(5)); nullopt when absent.
// The kernel keeps RSS in per-CPU counters, so the figure can lag by a few hundred KiB.
std::optional<double> status_kib(const std::string& field);

// after - before, nullopt when either reading is missing (never 0 for "unreadable").
std::optional<double> difference(std::optional<double> before, std::optional<double> after);

// The malloc(3) rows' blocks (alloc_malloc.cpp, alloc_calloc.cpp).

// malloc(bytes), or std::bad_alloc.
char* checked_malloc(std::size_t bytes);

// Whether malloc(bytes) is served by a mapping of its own: mallinfo2(3) `hblks` is the number
// of chunks currently allocated with mmap(2) (glibc >= 2.33).
bool served_by_mmap(std::size_t bytes);

// The whole pages that hold [p, p + bytes): mincore and smaps speak in pages.
std::pair<std::uintptr_t, std::uintptr_t> page_span(const char* p, std::size_t bytes);

// The bytes of the block's pages that huge pages back (core::huge_pages_bytes_in: an upper
// bound when the kernel merged glibc's chunk with a neighbour that holds huge pages).
double huge_bytes_in(const char* p, std::size_t bytes);

// "1.00 faults/page", or "0.0020 faults/page" when huge pages make it small enough that two
// decimals would print 0.
std::string per_page(double faults_per_page);

// "<lead>75% of the block in 2 MiB huge pages, one fault each<tail>" when huge pages backed
// part of a block, else "": the sentence names THP only where it changed the count.
std::string huge_note(double huge_fraction, const char* lead, const char* tail,
                      std::uint64_t huge_page_bytes = faults::thp_pmd_bytes());

// The rows' meaning lines as pure functions of what they measured, so unreadable readings
// (nullopt: VmRSS or RssAnon missing, mincore failed, a fault counter unavailable) are tested
// without a host that lacks them: an unreadable figure is never printed as 0, and a sentence
// that needs it is left out or says it could not be measured.

// vm.calloc_vs_memset (alloc_calloc.cpp). RSS growths are medians over the samples, in KiB.
struct CallocFigures {
  std::uint64_t size_bytes = 0;
  std::uint64_t huge_page_bytes = 0;
  double calloc_ns = 0, memset_ns = 0, touch_ns = 0;
  double calloc_faults_per_page = 0, memset_faults_per_page = 0, touch_faults_per_page = 0;
  double memset_huge_fraction = 0, touch_huge_fraction = 0;
  std::optional<double> calloc_rss_kib, memset_rss_kib;
  std::optional<double> calloc_resident_fraction;
};
std::string calloc_words(const CallocFigures& f);

// vm.private_file_cow (alloc_cow.cpp).
struct CowFigures {
  std::uint64_t size_bytes = 0;
  double pages = 0;
  double read_faults_per_page = 0;
  double write_p50_ns = 0;
  std::optional<double> write_faults_per_page;  // counted on the timed writes
  std::optional<double> rss_anon_growth_kib;
};
std::string cow_words(const CowFigures& f);

// vm.free_returns_memory (alloc_free.cpp). RSS changes in KiB.
struct FreeFigures {
  std::uint64_t total_bytes = 0, block_bytes = 0, large_bytes = 0;
  std::optional<double> small_kib;           // RSS growth writing the small blocks
  std::optional<double> retained_kib;        // still above the start after freeing them
  std::optional<double> trim_kib;            // returned by malloc_trim(0)
  std::optional<double> large_kib;           // RSS growth writing the large block
  std::optional<double> large_returned_kib;  // returned by its free
  double trim_ns = 0, free_large_ns = 0;
  bool large_by_mmap = false;
};
std::string free_words(const FreeFigures& f);

}  // namespace illusion::labs::vm::alloc
