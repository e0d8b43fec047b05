// An anonymous private memory mapping, unmapped on every exit path.
//
// The labs that allocate large regions (fork vs parent size, page faults, TLB reach) use it so
// that memory is given back however an experiment ends.
#pragma once

#include <cstddef>
#include <cstdint>

namespace illusion::core {

class Clock;

// AnonHugePages of the VMAs in /proc/self/smaps that overlap [start, start + bytes), each
// capped at its overlap: the kernel merges adjacent anonymous mappings into one VMA, so a VMA
// may extend beyond the range (then this is an upper bound, exact when the neighbour holds no
// huge page). 0 when smaps cannot be read.
std::uint64_t huge_pages_bytes_in(const void* start, std::size_t bytes);

// An anonymous private mapping, unmapped on destruction.
class Mapping {
 public:
  // mmap(2) of `bytes` (rounded up to pages); `huge` asks for transparent huge pages with
  // madvise(MADV_HUGEPAGE) (check `huge_pages_bytes()` to see whether it was honoured).
  Mapping(std::size_t bytes, bool huge = false);
  Mapping(const Mapping&) = delete;
  Mapping& operator=(const Mapping&) = delete;
  ~Mapping();
  char* data() const { return data_; }
  std::size_t size() const { return size_; }
  // Writes one byte per page so every page is resident (first-touch faults happen here).
  void touch_all();
  // AnonHugePages of this mapping, from /proc/self/smaps (0 when THP did not apply); when the
  // kernel merged it with a neighbour, capped at the overlap.
  std::uint64_t huge_pages_bytes() const;
  // munmap(2) now, for callers that time or count the unmapping itself; the destructor then
  // has nothing left to do.
  void unmap();

 private:
  char* data_ = nullptr;
  std::size_t size_ = 0;
};

// On a VM with free page reporting (virtio-balloon), memory the guest freed a few seconds
// earlier may have been handed back to the host, and its next first touch waits for the host
// to back it again: microseconds per page on top of the guest's own fault, so a fault row's
// figure would depend on what ran before it. Touching and freeing `bytes` of fresh 4 KiB pages
// right before timing leaves host-backed pages at the head of the guest's free lists, where
// the timed mappings take theirs from. Returns the mean ns per page of those touches (what
// fresh memory cost when the host had to back it); 0 for less than a page.
double back_with_host_memory(const Clock& clock, std::size_t bytes);

}  // namespace illusion::core
