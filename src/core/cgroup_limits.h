// The cgroup limits that bind this process, wherever in the hierarchy they are set.
//
// A parent's limit binds its children too, so every limit is found by walking from this
// process's cgroup (/proc/self/cgroup) up to the mount point. Pure cgroup v2 (the unified tree
// mounted at /sys/fs/cgroup) and v1 (one tree per controller under /sys/fs/cgroup/<controller>,
// which is also where a hybrid host keeps its limits: its v2 tree is empty) are both read
// (cgroups(7); Documentation/admin-guide/cgroup-v2.rst). `root` prefixes every path so tests can
// point the reader at a fake tree. A missing or malformed file means "no limit known", never an
// exception: a container or an odd kernel must not stop a run.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace illusion::core {

// The tightest limit of each controller along the path (the env report's figures).
struct CgroupLimits {
  std::optional<double> cpu_quota;          // CPUs' worth of time (cpu.max, cfs_quota/period)
  std::optional<std::uint64_t> memory_max;  // bytes (memory.max, memory.limit_in_bytes)
  std::optional<std::uint64_t> pids_max;    // tasks (pids.max)
};
CgroupLimits read_cgroup_limits(const std::string& root = "");

// What is left under a counted limit: memory (bytes) or pids (tasks).
enum class CgroupCounter { memory, pids };

// The level of the path that leaves the least room: its limit, the usage charged against it
// there (memory.current or memory.usage_in_bytes, pids.current; 0 when unreadable: the limit
// alone still bounds the room) and where it is. A parent shared with siblings can leave less
// room than a child's own, lower, limit: the room, not the limit, picks the level.
struct CgroupRoom {
  std::uint64_t limit = 0;
  std::uint64_t usage = 0;
  std::string cgroup;  // the binding level's path inside its hierarchy, "/" for the top
  std::uint64_t room() const { return limit > usage ? limit - usage : 0; }
};
// nullopt when no level of the path limits `counter`.
std::optional<CgroupRoom> cgroup_room(CgroupCounter counter, const std::string& root = "");

}  // namespace illusion::core
