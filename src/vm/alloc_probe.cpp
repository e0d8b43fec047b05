#include "vm/alloc_probe.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>

#include <fmt/format.h>

#include "core/barrier.h"
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

}  // namespace illusion::labs::vm::alloc
