// This process's page table as /proc/self/pagemap shows it (proc(5), and the kernel's
// Documentation/admin-guide/mm/pagemap.rst): one 64-bit entry per virtual page. Any process may
// read its own entries; without CAP_SYS_ADMIN the frame numbers read as zero, the flags do not.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/fd.h"

namespace illusion::core {

// The flags of one pagemap entry that the labs and the environment probe read.
struct PagemapEntry {
  std::uint64_t raw = 0;
  bool present() const { return (raw >> 63) & 1u; }
  // Bit 56, "page exclusively mapped" (Linux 4.2): set for a private page of this process's
  // own, clear for the shared zero page, which no process owns.
  bool exclusive() const { return (raw >> 56) & 1u; }
  // The frame number (bits 0-54), or nullopt where the kernel hides it (no CAP_SYS_ADMIN).
  std::optional<std::uint64_t> pfn() const {
    const std::uint64_t frame = raw & ((std::uint64_t{1} << 55) - 1);
    if (!present() || frame == 0) return std::nullopt;
    return frame;
  }
};

class PageTable {
 public:
  PageTable();
  PageTable(const PageTable&) = delete;
  PageTable& operator=(const PageTable&) = delete;
  bool ok() const { return fd_.valid(); }
  const std::string& reason() const { return reason_; }  // why !ok()
  // The entries of `pages` pages from `base`; nullopt (with reason()) when the read fails.
  std::optional<std::vector<PagemapEntry>> entries(const void* base, std::size_t pages);
  // The first page index in [from, pages) of the region at `base` that has no page-table
  // entry; `pages` when every one is mapped. Does not fault (its buffer is already written),
  // so a lab can use it between fault counts.
  std::size_t next_unmapped(const char* base, std::size_t from, std::size_t pages);

 private:
  Fd fd_;
  std::string reason_;
  std::vector<std::uint64_t> buf_;
};

}  // namespace illusion::core
