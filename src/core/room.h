// Whether the machine has room for what a lab is about to take: memory (cgroup- and
// RLIMIT_AS-aware) and disk, checked before any work, with messages that say how much is missing.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace illusion::core {

// MemAvailable from /proc/meminfo, or less when a memory limit on this process's cgroup or
// one above it (v1 or v2: core/cgroup_limits.h) leaves less room; 0 when unknown.
std::uint64_t available_memory_bytes();
// Free bytes for an unprivileged user on the filesystem holding `path` (statvfs f_bavail).
std::uint64_t free_disk_bytes(const std::string& path);

// The address space left under RLIMIT_AS (`ulimit -v`): the limit less what is mapped already
// (VmSize). Past it mmap(2) fails with ENOMEM however much memory is free, and every thread's
// stack (8 MiB by default) counts against it. nullopt when there is no limit.
struct AddressSpace {
  std::uint64_t limit = 0, mapped = 0, room = 0;
};
std::optional<AddressSpace> address_space_room();

// The files a row writes: their sum, and the largest one (which RLIMIT_FSIZE, `ulimit -f`,
// caps: past it write(2) fails with EFBIG).
struct DiskNeed {
  std::uint64_t total = 0;
  std::uint64_t largest_file = 0;
};
inline DiskNeed one_file(std::uint64_t bytes) {
  return {bytes, bytes};
}

// What a directory offers a run's files: whether one can be created there at all, the free
// space, and the size limit on any one file.
struct DiskRoom {
  std::string dir;
  std::string unusable;         // why no file can be created in `dir` ("" when one can)
  std::uint64_t available = 0;  // statvfs f_bavail, bytes
  std::uint64_t margin = 0;     // kept spare: 5% of the filesystem
  std::optional<std::uint64_t> file_size_limit;  // RLIMIT_FSIZE, bytes; nullopt: unlimited
};
// Looks at `dir` (creating and removing a probe directory: permission bits say nothing for
// root, read-only mounts or procfs). Never throws: what it cannot learn goes in `unusable`.
DiskRoom disk_room(const std::string& dir);
// "" when `need` fits in `room`; else why not, with the arithmetic ("needs 128 MiB but only
// 40 MiB is free in /tmp, keeping 5% spare"; "needs a 128 MiB file but RLIMIT_FSIZE (ulimit
// -f) allows at most 10 MiB per file"; "cannot create files in /x: Read-only file system").
std::string disk_shortfall(const DiskNeed& need, const DiskRoom& room);

// Throw std::runtime_error with a clear message when there is not enough room (keeping a
// margin: 256 MiB of memory, 5% of disk). `mapped`: the caller maps the bytes into this
// process, so they must also fit under RLIMIT_AS (with 64 MiB spare); false for memory the
// process does not map, such as a file kept in the page cache.
void require_free_memory(std::uint64_t bytes, const std::string& what, bool mapped = true);
// require_free_disk also refuses a file larger than RLIMIT_FSIZE.
void require_free_disk(const std::string& path, std::uint64_t bytes, const std::string& what);

}  // namespace illusion::core
