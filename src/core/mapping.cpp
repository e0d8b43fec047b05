#include "core/mapping.h"

#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <string>

#include <fmt/format.h>

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
  if (data_) munmap(data_, size_);
}

void Mapping::touch_all() {
  const std::size_t page = static_cast<std::size_t>(sysconf(_SC_PAGESIZE));
  volatile char* p = data_;
  for (std::size_t off = 0; off < size_; off += page) p[off] = 1;
}

std::uint64_t Mapping::huge_pages_bytes() const {
  // Sum AnonHugePages of the VMAs in /proc/self/smaps that overlap this mapping. The kernel
  // merges adjacent anonymous mappings with the same flags into one VMA, so a VMA may extend
  // beyond ours: then at most the overlap can be ours, and the count is capped at it (exact
  // when the neighbour holds no huge pages, an upper bound otherwise).
  std::ifstream in("/proc/self/smaps");
  const auto start = reinterpret_cast<std::uintptr_t>(data_);
  const std::uintptr_t end = start + size_;
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
