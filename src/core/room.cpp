#include "core/room.h"

#include <sys/resource.h>
#include <sys/statvfs.h>

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <stdexcept>

#include <fmt/format.h>

#include "core/cgroup_limits.h"
#include "core/sizes.h"

namespace illusion::core {

std::uint64_t available_memory_bytes() {
  std::ifstream in("/proc/meminfo");
  std::string key;
  std::uint64_t kb = 0;
  std::string unit;
  std::uint64_t avail = 0;
  while (in >> key >> kb >> unit) {
    if (key == "MemAvailable:") {
      avail = kb * 1024;
      break;
    }
  }
  // In a container MemAvailable describes the host, and allocating up to it would meet the
  // cgroup's OOM killer first: the tightest room up the cgroup path (v1 or v2) caps it.
  // A cgroup at its limit leaves 1 byte, not 0, since 0 here means "unknown".
  if (const auto cg = cgroup_room(CgroupCounter::memory)) {
    const std::uint64_t room = std::max<std::uint64_t>(1, cg->room());
    avail = avail == 0 ? room : std::min(avail, room);
  }
  return avail;
}

std::uint64_t free_disk_bytes(const std::string& path) {
  struct statvfs st {};
  if (statvfs(path.c_str(), &st) != 0) return 0;
  return static_cast<std::uint64_t>(st.f_bavail) * st.f_frsize;
}

std::optional<AddressSpace> address_space_room() {
  rlimit rl{};
  if (getrlimit(RLIMIT_AS, &rl) != 0 || rl.rlim_cur == RLIM_INFINITY) return std::nullopt;
  AddressSpace as;
  as.limit = rl.rlim_cur;
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line))
    if (line.rfind("VmSize:", 0) == 0)
      as.mapped = std::strtoull(line.c_str() + 7, nullptr, 10) * 1024;
  as.room = as.limit > as.mapped ? as.limit - as.mapped : 0;
  return as;
}

void require_free_memory(std::uint64_t bytes, const std::string& what, bool mapped) {
  constexpr std::uint64_t kMargin = 256ull << 20;
  const std::uint64_t avail = available_memory_bytes();
  if (avail != 0 && avail < bytes + kMargin)
    throw std::runtime_error(fmt::format(
        "{} needs {} of memory but only {} is available (keeping {} spare); use a smaller "
        "size",
        what, format_size(bytes), format_size(avail), format_size(kMargin)));
  // Under `ulimit -v` the mmap would fail with ENOMEM with memory to spare: refuse it here, with
  // the limit named, instead. The margin is for what the row maps besides: thread stacks, the
  // heap, the sample vectors.
  if (!mapped) return;
  constexpr std::uint64_t kAddressMargin = 64ull << 20;
  if (const auto as = address_space_room(); as && as->room < bytes + kAddressMargin)
    throw std::runtime_error(fmt::format(
        "{} needs {} of address space but RLIMIT_AS (ulimit -v) is {} with {} mapped already, "
        "leaving {} (keeping {} spare); raise the limit or use a smaller size",
        what, format_size(bytes), format_size(as->limit), format_size(as->mapped),
        format_size(as->room), format_size(kAddressMargin)));
}

namespace {

// The free space and the file size limit; `unusable` set only when statvfs fails.
DiskRoom space_and_limit(const std::string& dir) {
  DiskRoom room;
  room.dir = dir;
  struct statvfs st {};
  if (statvfs(dir.c_str(), &st) == 0) {
    room.available = static_cast<std::uint64_t>(st.f_bavail) * st.f_frsize;
    room.margin = static_cast<std::uint64_t>(st.f_blocks) * st.f_frsize / 20;
  } else {
    room.unusable = fmt::format("cannot check the free space in {}: {}", dir, std::strerror(errno));
  }
  rlimit rl{};
  if (getrlimit(RLIMIT_FSIZE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY)
    room.file_size_limit = rl.rlim_cur;
  return room;
}

}  // namespace

DiskRoom disk_room(const std::string& dir) {
  DiskRoom room = space_and_limit(dir);
  std::string probe = dir + "/illusion-check-XXXXXX";
  if (::mkdtemp(probe.data()) == nullptr) {
    room.unusable = fmt::format("cannot create files in {}: {}", dir, std::strerror(errno));
    return room;
  }
  ::rmdir(probe.c_str());
  return room;
}

std::string disk_shortfall(const DiskNeed& need, const DiskRoom& room) {
  if (need.total == 0) return "";
  if (!room.unusable.empty()) return room.unusable;
  if (room.file_size_limit && need.largest_file > *room.file_size_limit)
    return fmt::format(
        "needs a {} file but RLIMIT_FSIZE (ulimit -f) allows at most {} per file; raise the "
        "limit",
        format_size(need.largest_file), format_size(*room.file_size_limit));
  if (room.available < need.total + room.margin)
    return fmt::format(
        "needs {} in {} but only {} is free (keeping {}, 5% of the filesystem, spare); free "
        "some space or choose another directory",
        format_size(need.total), room.dir, format_size(room.available), format_size(room.margin));
  return "";
}

void require_free_disk(const std::string& path, std::uint64_t bytes, const std::string& what) {
  if (const std::string why = disk_shortfall(one_file(bytes), space_and_limit(path)); !why.empty())
    throw std::runtime_error(what + " " + why);
}

}  // namespace illusion::core
