// The bodies of the allocation and file-mapping rows (alloc.cpp holds the table).
#pragma once

#include <cstdint>

#include "core/experiment.h"
#include "core/result.h"

namespace illusion::labs::vm::alloc {

// alloc_malloc.cpp: where malloc(3) gets memory.
core::Result run_malloc_small(core::RunContext& ctx, core::Result r);
core::Result run_malloc_large(core::RunContext& ctx, core::Result r);

// alloc_calloc.cpp: what calloc(3) saves over malloc+memset.
core::Result run_calloc_vs_memset(core::RunContext& ctx, core::Result r);

// alloc_free.cpp: what free(3) and malloc_trim(3) give back.
core::Result run_free_returns_memory(core::RunContext& ctx, core::Result r);

// alloc_cow.cpp: a MAP_PRIVATE file mapping, read then written.
core::Result run_private_file_cow(core::RunContext& ctx, core::Result r);

// alloc_file_faults.cpp: faults on a cached file, and on an evicted one.
core::Result run_minor_fault_file(core::RunContext& ctx, core::Result r);
core::Result run_major_fault(core::RunContext& ctx, core::Result r);

// Sizes per profile (tests read them too).
inline constexpr std::uint64_t kMiB = 1ull << 20;
inline constexpr std::uint64_t kSmallBlockBytes = 64 * 1024;  // below M_MMAP_THRESHOLD (128 KiB)
// Above DEFAULT_MMAP_THRESHOLD_MAX (32 MiB on 64-bit): glibc's dynamic threshold never rises
// past it (mallopt(3)), so a block this large is mmap'ed unless the heap already holds a free
// chunk that big (glibc searches its free lists before it maps).
inline constexpr std::uint64_t kLargeBlockBytes = 64 * kMiB;
// The block whose treatment depends on history: mmap'ed at the default 128 KiB threshold, from
// the heap once a freed mmap'ed block has raised the threshold past it.
inline constexpr std::uint64_t kMidBlockBytes = 1 * kMiB;
std::uint64_t heap_churn_bytes(core::Profile p);  // free_returns_memory: small blocks
inline constexpr std::uint64_t kCowFileBytes = 16 * kMiB;
std::uint64_t fault_file_bytes(core::Profile p);  // major/minor fault rows

}  // namespace illusion::labs::vm::alloc
