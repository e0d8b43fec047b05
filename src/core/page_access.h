// Timing single memory accesses, one page at a time: the primitive behind every per-fault
// latency figure (first touch, copy-on-write, file faults).
#pragma once

#include <cstddef>

#include "core/clock.h"

namespace illusion::core {

enum class PageAccess { read, write };

// sysconf(_SC_PAGESIZE), read once.
std::size_t page_size_bytes();

// For each i, accesses one byte at base + offsets[i] between two clock readings and stores the
// difference in out[i] (ns; the clock's own cost is inside every value). The clock's reads are
// fenced, so a faulting access has retired, and its fault been handled, before the second
// reading. Not inlined, so a warm-up call runs the very same code; not instrumented by
// AddressSanitizer, whose shadow-memory check before each access would take faults of its own.
// `out` must already be written: its own first-touch faults must not land in a counted window.
void time_page_accesses(const Clock& clock, char* base, const std::size_t* offsets,
                        std::size_t n, PageAccess access, double* out);

// The same over `pages` consecutive pages from `base`.
void time_each_page(const Clock& clock, char* base, std::size_t pages, PageAccess access,
                    double* out);

}  // namespace illusion::core
