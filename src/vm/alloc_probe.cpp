#include "vm/alloc_probe.h"

#include <fcntl.h>
#include <malloc.h>
#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <new>
#include <utility>

#include <fmt/format.h>

#include "core/barrier.h"
#include "core/mapping.h"
#include "core/sizes.h"
#include "core/uninstrumented.h"

namespace illusion::labs::vm::alloc {
std::size_t page_bytes() {
  static const std::size_t page = static_cast<std::size_t>(sysconf(_SC_PAGESIZE));
  return page;
}

void timed_touches(const core::Clock& clock, char* base, const std::size_t* offsets, std::size_t n,
                   Touch touch, double* out) {
  char warm_byte[64] = {};
  const std::size_t zero = 0;
  double warm_ns = 0;
  core::time_page_accesses(clock, warm_byte, &zero, 1, touch, &warm_ns);
  core::do_not_optimize(warm_byte);
  core::time_page_accesses(clock, base, offsets, n, touch, out);
}

ILLUSION_UNINSTRUMENTED void touch_pages(char* base, std::size_t bytes, Touch touch) {
  std::uint64_t sink = 0;
  for (std::size_t off = 0; off < bytes; off += page_bytes()) {
    volatile char* p = base + off;
    if (touch == Touch::write)
      *p = 1;
    else
      sink += static_cast<unsigned char>(*p);
  }
  core::do_not_optimize(sink);
}

std::optional<double> status_kib(const std::string& field) {
  return core::proc_kib("/proc/self/status", field);
}

std::optional<double> difference(std::optional<double> before, std::optional<double> after) {
  if (!before || !after) return std::nullopt;
  return *after - *before;
}

char* checked_malloc(std::size_t bytes) {
  void* p = std::malloc(bytes);
  if (!p) throw std::bad_alloc();
  return static_cast<char*>(p);
}

// Whether malloc(bytes) is served by a mapping of its own: mallinfo2(3) `hblks` is the number
// of chunks currently allocated with mmap(2) (glibc >= 2.33).
bool served_by_mmap(std::size_t bytes) {
  const struct mallinfo2 before = ::mallinfo2();
  char* p = checked_malloc(bytes);
  core::do_not_optimize(p);
  const struct mallinfo2 during = ::mallinfo2();
  std::free(p);
  return during.hblks > before.hblks;
}

// The whole pages that hold [p, p + bytes): mincore and smaps speak in pages.
std::pair<std::uintptr_t, std::uintptr_t> page_span(const char* p, std::size_t bytes) {
  const auto page = page_bytes();
  const auto lo = reinterpret_cast<std::uintptr_t>(p) / page * page;
  const auto hi = (reinterpret_cast<std::uintptr_t>(p) + bytes + page - 1) / page * page;
  return {lo, hi};
}

// The bytes of the block's pages that huge pages back (core::huge_pages_bytes_in: an upper
// bound when the kernel merged glibc's chunk with a neighbour that holds huge pages).
double huge_bytes_in(const char* p, std::size_t bytes) {
  const auto [lo, hi] = page_span(p, bytes);
  return static_cast<double>(core::huge_pages_bytes_in(reinterpret_cast<const void*>(lo), hi - lo));
}

// "1.00 faults/page", or "0.0020 faults/page" when huge pages make it small enough that two
// decimals would print 0.
std::string per_page(double faults_per_page) {
  return faults_per_page >= 0.1 ? fmt::format("{:.2f} faults/page", faults_per_page)
                                : fmt::format("{:.4f} faults/page", faults_per_page);
}

// "<lead>75% of the block in 2 MiB huge pages, one fault each<tail>" when huge pages backed
// part of a block, else "": the sentence names THP only where it changed the count.
std::string huge_note(double huge_fraction, const char* lead, const char* tail,
                      std::uint64_t huge_page_bytes) {
  if (huge_fraction <= 0) return "";
  return fmt::format("{}{:.0f}% of the block in {} huge pages, one fault each{}", lead,
                     100 * huge_fraction, core::format_size(huge_page_bytes), tail);
}

}  // namespace illusion::labs::vm::alloc
