#include "core/page_cache.h"

#include <linux/magic.h>
#include <sys/mman.h>
#include <sys/vfs.h>

#include <cstdio>
#include <fstream>
#include <vector>

#include <fmt/format.h>

#include "core/page_access.h"

namespace illusion::core {

std::optional<double> resident_fraction(const void* addr, std::size_t bytes) {
  const std::size_t page = page_size_bytes();
  const std::size_t pages = (bytes + page - 1) / page;
  if (pages == 0) return std::nullopt;
  std::vector<unsigned char> vec(pages);
  if (::mincore(const_cast<void*>(addr), bytes, vec.data()) != 0) return std::nullopt;
  std::size_t resident = 0;
  for (unsigned char v : vec) resident += v & 1u;
  return static_cast<double>(resident) / static_cast<double>(pages);
}

std::optional<double> file_resident_fraction(int fd, std::uint64_t offset, std::size_t bytes) {
  void* map = ::mmap(nullptr, bytes, PROT_READ, MAP_SHARED, fd, static_cast<off_t>(offset));
  if (map == MAP_FAILED) return std::nullopt;
  const std::optional<double> f = resident_fraction(map, bytes);
  ::munmap(map, bytes);
  return f;
}

std::optional<double> proc_kib(const std::string& path, const std::string& field) {
  std::ifstream in(path);
  std::string line;
  const std::string key = field + ":";
  while (std::getline(in, line)) {
    if (line.compare(0, key.size(), key) != 0) continue;
    unsigned long long kib = 0;
    if (std::sscanf(line.c_str() + key.size(), " %llu kB", &kib) == 1)
      return static_cast<double>(kib);
  }
  return std::nullopt;
}

FsInfo filesystem_of(const std::string& path) {
  struct statfs st {};
  if (::statfs(path.c_str(), &st) != 0) return {"unknown", false};
  switch (static_cast<unsigned long>(st.f_type)) {
    case TMPFS_MAGIC:
      return {"tmpfs", true};
    case RAMFS_MAGIC:
      return {"ramfs", true};
    case EXT4_SUPER_MAGIC:
      return {"ext4", false};  // ext2/ext3 share the magic
    case XFS_SUPER_MAGIC:
      return {"xfs", false};
    case BTRFS_SUPER_MAGIC:
      return {"btrfs", false};
    case OVERLAYFS_SUPER_MAGIC:
      return {"overlayfs", false};
    case NFS_SUPER_MAGIC:
      return {"nfs", false};
    default:
      break;
  }
  return {fmt::format("{:#x}", static_cast<unsigned long>(st.f_type)), false};
}

}  // namespace illusion::core
