#include "core/mapping.h"

#include <sys/mman.h>
#include <unistd.h>

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
  // Find this mapping's block in /proc/self/smaps and read its AnonHugePages line.
  std::ifstream in("/proc/self/smaps");
  const auto start = reinterpret_cast<std::uintptr_t>(data_);
  std::string line;
  bool ours = false;
  std::uint64_t total = 0;
  while (std::getline(in, line)) {
    std::uintptr_t lo = 0, hi = 0;
    if (std::sscanf(line.c_str(), "%lx-%lx ", &lo, &hi) == 2 && line.find(':') > 20) {
      ours = lo >= start && hi <= start + size_;
      continue;
    }
    unsigned long long kb = 0;
    if (ours && std::sscanf(line.c_str(), "AnonHugePages: %llu kB", &kb) == 1) total += kb * 1024;
  }
  return total;
}

}  // namespace illusion::core
