// Tools the allocation and file-mapping experiments share (namespace vm::alloc, apart from the
// other row groups' helpers of the same library): per-page timed touches, fault
// counts around an untimed phase, residency (mincore(2)), the process's RSS, and the
// filesystem a path lives on.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/clock.h"
#include "core/page_access.h"
#include "core/counters.h"

namespace illusion::labs::vm::alloc {

std::size_t page_bytes();

using Touch = core::PageAccess;

// Touches base + offsets[i] (one byte) for each i, each touch between two clock readings, into
// out[i] (ns). A warm-up touch of a stack byte first runs this code, the clock and the loop
// once, so the first timed touch does not also pay for faulting in the program's own pages.
// `out` must already be written (its own first-touch faults must not land in a window).
void timed_touches(const core::Clock& clock, char* base, const std::size_t* offsets,
                   std::size_t n, Touch touch, double* out);

// One byte per page, untimed.
void touch_pages(char* base, std::size_t bytes, Touch touch);

// Faults of one untimed phase: the perf page-fault events where they open, getrusage(2)
// (RUSAGE_THREAD) beside them. `faults`/`major` prefer perf and fall back to rusage.
struct FaultCount {
  double faults = 0;  // minor + major
  double major = 0;
  std::string source;  // "perf" or "rusage"
};

class FaultWindow {
 public:
  FaultWindow();
  void start();
  void stop();
  FaultCount read() const;

 private:
  core::CounterSet set_;
  core::RusageSnapshot before_, after_;
};

// This process's page table, read from /proc/self/pagemap (proc(5)): one 64-bit entry per
// virtual page, bit 63 "page present". Any process may read its own entries (without
// CAP_SYS_ADMIN the frame numbers read as zero, the flags do not). Used to find the pages no
// earlier fault has mapped, since one file fault can map a whole large folio.
class PageTable {
 public:
  PageTable();
  PageTable(const PageTable&) = delete;
  PageTable& operator=(const PageTable&) = delete;
  ~PageTable();
  bool ok() const { return fd_ >= 0; }
  const std::string& reason() const { return reason_; }  // why !ok()
  // The first page index in [from, pages) of the region at `base` that has no page-table
  // entry; `pages` when every one is mapped. Does not fault (its buffer is already written).
  std::size_t next_unmapped(const char* base, std::size_t from, std::size_t pages);

 private:
  int fd_ = -1;
  std::string reason_;
  std::vector<std::uint64_t> buf_;
};

// Fraction of the pages of [addr, addr+bytes) that mincore(2) reports resident (for a file
// mapping: in the page cache, whether or not this mapping has them mapped yet); nullopt when
// mincore fails.
std::optional<double> resident_fraction(const void* addr, std::size_t bytes);

// A "Vm..."/"Rss..." line of /proc/self/status in KiB (proc(5)); nullopt when absent.
// The kernel keeps RSS in per-CPU counters, so the figure can lag by a few hundred KiB.
std::optional<double> status_kib(const std::string& field);

// The filesystem holding `path`, from statfs(2) f_type: "ext4", "tmpfs", ... or "0x<hex>".
struct FsInfo {
  std::string name;
  bool memory_backed = false;  // tmpfs/ramfs: the page cache is the file, nothing to evict to
};
FsInfo filesystem_of(const std::string& path);

}  // namespace illusion::labs::vm::alloc
