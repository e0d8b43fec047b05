// Rows of the allocation group: where malloc gets memory and what free gives back, calloc's
// deferred zeroing, copy-on-write on a private file mapping, and minor against major faults on
// a file. Duration hints are rough wall times per profile, for the ETA.
#include "vm/alloc.h"
#include "vm/rows.h"

namespace illusion::labs::vm {

std::vector<core::Experiment> alloc_rows() {
  using core::DurationHint;
  using namespace alloc;
  const auto fault_file = [](const core::RunContext& ctx) {
    return core::one_file(fault_file_bytes(ctx.profile));
  };
  return {
      experiment("malloc_small", "malloc+free 64 KiB",
                 "A block below M_MMAP_THRESHOLD comes from the heap: no syscall, no fault, its "
                 "pages already resident.",
                 "ns/op", DurationHint{0.1, 0.45, 1.6}, run_malloc_small),
      experiment("malloc_large", "malloc+free 64 MiB",
                 "A block above the mmap threshold is its own mmap, unmapped by free: two "
                 "syscalls per pair and a fault on every page first touched.",
                 "ns/op", DurationHint{0.15, 0.5, 1.7}, run_malloc_large),
      experiment("calloc_vs_memset", "calloc vs malloc+memset 64 MiB",
                 "calloc of a fresh mmap'ed block skips zeroing and leaves RSS flat; "
                 "malloc+memset faults in every page; the cost moves to first use.",
                 "ns/call", DurationHint{0.3, 0.8, 2.2}, run_calloc_vs_memset),
      experiment("free_returns_memory", "free: heap keeps, munmap returns",
                 "Freed heap blocks stay in RSS until malloc_trim; a freed mmap'ed block "
                 "leaves RSS at once.",
                 "ns/free", DurationHint{0.15, 0.4, 0.5}, run_free_returns_memory),
      core::with_disk(
          experiment("private_file_cow", "MAP_PRIVATE file: CoW on write",
                     "Reads of a private file mapping share the page cache (fault-around maps "
                     "many pages per fault); the first write to each page copies it, one fault "
                     "per page, and the file stays unchanged.",
                     "ns/fault", DurationHint{0.1, 0.15, 0.2}, run_private_file_cow),
          [](const core::RunContext&) { return core::one_file(kCowFileBytes); }),
      core::with_disk(experiment("minor_fault_file", "minor fault, cached file",
                                 "A fault on a file page already in the page cache, counted per "
                                 "fault (one fault maps a whole fault-around window).",
                                 "ns/fault", DurationHint{0.1, 0.5, 1.7}, run_minor_fault_file),
                      fault_file),
      core::with_disk(experiment("major_fault", "major fault, evicted file",
                                 "A fault that must read its page from disk, with readahead off "
                                 "(MADV_RANDOM): the distribution per fault.",
                                 "ns/fault", DurationHint{0.4, 2.0, 7.0}, run_major_fault),
                      fault_file),
  };
}

}  // namespace illusion::labs::vm
