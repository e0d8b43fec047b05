#include "core/page_access.h"

#include <unistd.h>

#include <cstdint>

#include "core/barrier.h"
#include "core/uninstrumented.h"

namespace illusion::core {
namespace {

// Offsets are either a table or a stride; one loop body serves both so the two cannot drift.
// The attribute is needed here too: GCC will not inline an instrumented function into an
// uninstrumented one, so without it this loop would be compiled with the sanitizer's checks.
template <class OffsetOf>
ILLUSION_UNINSTRUMENTED inline void timed_loop(const Clock& clock, char* base, std::size_t n,
                                               PageAccess access, double* out, OffsetOf offset_of) {
  std::uint64_t sink = 0;
  for (std::size_t i = 0; i < n; ++i) {
    volatile char* p = base + offset_of(i);
    const double t0 = clock.now_ns();
    if (access == PageAccess::write)
      *p = static_cast<char>(i | 1);
    else
      sink += static_cast<unsigned char>(*p);
    const double t1 = clock.now_ns();
    out[i] = t1 - t0;
  }
  // g++ 12 -O3 rejects the in-out "+r,m" barrier on this value ("impossible constraint"):
  // the input-only form keeps the reads alive just as well.
  const std::uint64_t read_sum = sink;
  do_not_optimize(read_sum);
}

}  // namespace

std::size_t page_size_bytes() {
  static const std::size_t page = static_cast<std::size_t>(sysconf(_SC_PAGESIZE));
  return page;
}

__attribute__((noinline)) ILLUSION_UNINSTRUMENTED void time_page_accesses(
    const Clock& clock, char* base, const std::size_t* offsets, std::size_t n, PageAccess access,
    double* out) {
  timed_loop(clock, base, n, access, out, [offsets](std::size_t i) { return offsets[i]; });
}

__attribute__((noinline)) ILLUSION_UNINSTRUMENTED void time_each_page(const Clock& clock,
                                                                      char* base, std::size_t pages,
                                                                      PageAccess access,
                                                                      double* out) {
  const std::size_t page = page_size_bytes();
  timed_loop(clock, base, pages, access, out, [page](std::size_t i) { return i * page; });
}

}  // namespace illusion::core
