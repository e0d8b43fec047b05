#include "vm/lab.h"

#include "vm/rows.h"

namespace illusion::labs::vm {

core::Lab lab() {
  core::Lab l;
  l.id = kLabId;
  l.title = "Virtual Memory & Page Fault Lab";
  l.question = "Why is first access slow, and why can a single page fault stall every thread?";
  // The fresh 64 MiB buffer runs first: before vm.first_touch's 1 GiB warm-up, so its first
  // sample is the lab's first large request for memory.
  core::add_groups(l, {fresh_buffer_rows, fault_rows, alloc_rows, reach_rows, stall_rows});
  // The default run: fault costs (a fresh buffer's whole first touch among them) and how to
  // move them (prefault, huge pages), cache and TLB reach, a fault inside a frame, and the mmap
  // churn that stalls other threads. The allocator rows (malloc, calloc, free) and mlock are
  // left to `illusion run vm`.
  core::mark_headline(l, {"fresh_64m_first_touch", "first_touch", "lazy_touch", "map_populate",
                          "madv_willneed", "zero_page", "thp_fault", "minor_fault_file",
                          "major_fault", "tlb_reach", "frame_loop_faults", "mmap_churn_stall"});
  return l;
}

}  // namespace illusion::labs::vm
