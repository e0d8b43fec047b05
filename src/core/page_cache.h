// What the page cache holds: residency of a mapped range (mincore(2)), the system-wide Cached
// figure (/proc/meminfo), and the kind of filesystem a path lives on (whether it has a disk
// behind its cache at all).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

namespace illusion::core {

// Fraction of the pages of [addr, addr+bytes) that mincore(2) reports resident (for a file
// mapping: in the page cache, whether or not this mapping has them mapped yet); nullopt when
// mincore fails. `addr` must be page-aligned (a mapping's start).
std::optional<double> resident_fraction(const void* addr, std::size_t bytes);
// The same for [offset, offset+bytes) of the open file `fd`, through a temporary read-only
// mapping (mapping faults nothing in); nullopt when the mapping or mincore fails. `offset`
// must be page-aligned.
std::optional<double> file_resident_fraction(int fd, std::uint64_t offset, std::size_t bytes);

// The "Name:  123 kB" line `field` of a /proc file in KiB (proc(5)); nullopt when absent.
std::optional<double> proc_kib(const std::string& path, const std::string& field);
// /proc/meminfo's `field` ("Cached", "Dirty") in KiB.
inline std::optional<double> meminfo_kib(const std::string& field) {
  return proc_kib("/proc/meminfo", field);
}

// The filesystem holding `path`, from statfs(2) f_type: "ext4", "tmpfs", ... or "0x<hex>".
struct FsInfo {
  std::string name;
  bool memory_backed = false;  // tmpfs/ramfs: the page cache is the file, nothing to evict to
};
FsInfo filesystem_of(const std::string& path);

}  // namespace illusion::core
