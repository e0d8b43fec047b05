#include "core/pagemap.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include <fmt/format.h>

#include "core/page_access.h"

namespace illusion::core {

PageTable::PageTable() : fd_(::open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC)), buf_(512, 0) {
  if (!fd_.valid())
    reason_ = fmt::format("cannot open /proc/self/pagemap: {}", std::strerror(errno));
}

std::optional<std::vector<PagemapEntry>> PageTable::entries(const void* base, std::size_t pages) {
  if (!fd_.valid()) return std::nullopt;
  std::vector<std::uint64_t> raw(pages, 0);
  const std::uint64_t first_vpage = reinterpret_cast<std::uintptr_t>(base) / page_size_bytes();
  const ssize_t want = static_cast<ssize_t>(pages * sizeof(std::uint64_t));
  const ssize_t got = ::pread(fd_.get(), raw.data(), static_cast<std::size_t>(want),
                              static_cast<off_t>(first_vpage * sizeof(std::uint64_t)));
  if (got != want) {
    reason_ = got < 0 ? fmt::format("read of /proc/self/pagemap failed: {}", std::strerror(errno))
                      : "short read of /proc/self/pagemap";
    return std::nullopt;
  }
  std::vector<PagemapEntry> out(pages);
  for (std::size_t i = 0; i < pages; ++i) out[i].raw = raw[i];
  return out;
}

std::size_t PageTable::next_unmapped(const char* base, std::size_t from, std::size_t pages) {
  const std::uint64_t first_vpage = reinterpret_cast<std::uintptr_t>(base) / page_size_bytes();
  while (from < pages) {
    const std::size_t want = std::min(buf_.size(), pages - from);
    const ssize_t got = ::pread(fd_.get(), buf_.data(), want * sizeof(std::uint64_t),
                                static_cast<off_t>((first_vpage + from) * sizeof(std::uint64_t)));
    if (got <= 0) return pages;  // unreadable: treat the rest as mapped, the counts will tell
    const std::size_t entries = static_cast<std::size_t>(got) / sizeof(std::uint64_t);
    for (std::size_t i = 0; i < entries; ++i)
      if (!PagemapEntry{buf_[i]}.present()) return from + i;
    from += entries;
  }
  return pages;
}

}  // namespace illusion::core
