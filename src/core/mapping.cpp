#include "core/mapping.h"

#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <string>

#include <fmt/format.h>

#include "core/clock.h"
#include "core/errors.h"
#include "core/resources.h"

namespace illusion::core {

Mapping::Mapping(std::size_t bytes, bool huge) {
  const std::size_t page = static_cast<std::size_t>(sysconf(_SC_PAGESIZE));
  size_ = (bytes + page - 1) / page * page;
  if (size_ == 0) return;
  void* p = mmap(nullptr, size_, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED) throw_errno(fmt::format("mmap of {}", format_size(size_)));
  data_ = static_cast<char*>(p);
  // MADV_HUGEPAGE only asks: with THP "never" or no free huge pages the kernel uses 4 KiB
  // pages silently, so callers check huge_pages_bytes() (madvise(2)).
  if (huge) madvise(data_, size_, MADV_HUGEPAGE);
}

Mapping::~Mapping() {
  unmap();
}

void Mapping::unmap() {
  if (data_) munmap(data_, size_);
  data_ = nullptr;
}

void Mapping::touch_all() {
  const std::size_t page = static_cast<std::size_t>(sysconf(_SC_PAGESIZE));
  volatile char* p = data_;
  for (std::size_t off = 0; off < size_; off += page) p[off] = 1;
}

double back_with_host_memory(const Clock& clock, std::size_t bytes) {
  const std::size_t page = static_cast<std::size_t>(sysconf(_SC_PAGESIZE));
  if (bytes < page) return 0;
  Mapping warm(bytes);
  madvise(warm.data(), warm.size(), MADV_NOHUGEPAGE);  // 4 KiB pages, like the timed ones
  const double t0 = clock.now_ns();
  warm.touch_all();
  const double t1 = clock.now_ns();
  return (t1 - t0) / static_cast<double>(warm.size() / page);
}

std::uint64_t Mapping::huge_pages_bytes() const {
  return huge_pages_bytes_in(data_, size_);
}

std::uint64_t huge_pages_bytes_in(const void* range, std::size_t bytes) {
  std::ifstream in("/proc/self/smaps");
  const auto start = reinterpret_cast<std::uintptr_t>(range);
  const std::uintptr_t end = start + bytes;
  std::string line;
  std::uint64_t overlap = 0;
  std::uint64_t total = 0;
  while (std::getline(in, line)) {
    std::uintptr_t lo = 0, hi = 0;
    if (std::sscanf(line.c_str(), "%lx-%lx ", &lo, &hi) == 2 && line.find(':') > 20) {
      overlap = (lo < end && hi > start) ? std::min(hi, end) - std::max(lo, start) : 0;
      continue;
    }
    unsigned long long kb = 0;
    if (overlap > 0 && std::sscanf(line.c_str(), "AnonHugePages: %llu kB", &kb) == 1)
      total += std::min<std::uint64_t>(kb * 1024, overlap);
  }
  return total;
}

}  // namespace illusion::core
