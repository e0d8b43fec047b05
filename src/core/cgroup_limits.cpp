#include "core/cgroup_limits.h"

#include <algorithm>
#include <charconv>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string_view>
#include <vector>

#include "core/text_file.h"

namespace illusion::core {
namespace {

struct CgroupPaths {
  std::optional<std::string> unified;     // "0::/path"
  std::map<std::string, std::string> v1;  // controller -> path
};

CgroupPaths read_cgroup_paths(const std::string& root) {
  CgroupPaths p;
  std::ifstream in(root + "/proc/self/cgroup");
  std::string line;
  while (std::getline(in, line)) {
    const auto c1 = line.find(':');
    const auto c2 = c1 == std::string::npos ? c1 : line.find(':', c1 + 1);
    if (c2 == std::string::npos) continue;
    const std::string hierarchy = line.substr(0, c1);
    const std::string controllers = line.substr(c1 + 1, c2 - c1 - 1);
    std::string path = line.substr(c2 + 1);
    if (hierarchy == "0" && controllers.empty()) {
      p.unified = path;
      continue;
    }
    std::istringstream names(controllers);
    std::string name;
    while (std::getline(names, name, ',')) p.v1[name] = path;
  }
  return p;
}

// Where one controller's files are: the mount point of its hierarchy and this process's path in
// it. Pure v2 mounts the unified tree at /sys/fs/cgroup (cgroup.controllers at its top); a hybrid
// host has an empty v2 tree under /unified and the limits in the v1 controller directories.
struct Hierarchy {
  std::string mount, path;
  bool v2 = false;
};

std::optional<Hierarchy> hierarchy_of(const std::string& root, const char* v1_controller) {
  const CgroupPaths paths = read_cgroup_paths(root);
  const std::string base = root + "/sys/fs/cgroup";
  if (paths.unified && std::filesystem::exists(base + "/cgroup.controllers"))
    return Hierarchy{base, *paths.unified, true};
  const auto it = paths.v1.find(v1_controller);
  if (it == paths.v1.end()) return std::nullopt;
  return Hierarchy{base + "/" + v1_controller, it->second, false};
}

// Calls visit(directory, cgroup path) from the process's cgroup up to the mount point. Levels
// that do not exist (a container that sees only its own subtree) simply have no files to read.
template <class Visit>
void walk_up(const Hierarchy& h, Visit visit) {
  std::string path = h.path;
  while (!path.empty() && path.back() == '/') path.pop_back();
  for (;;) {
    visit(h.mount + path + "/", path.empty() ? std::string("/") : path);
    if (path.empty()) return;
    const auto slash = path.rfind('/');
    path.erase(slash == std::string::npos ? 0 : slash);
  }
}

// The smallest value read_dir gives along the path: a parent's limit binds its children too.
template <class T, class ReadDir>
std::optional<T> tightest(const Hierarchy& h, ReadDir read_dir) {
  std::optional<T> best;
  walk_up(h, [&](const std::string& dir, const std::string&) {
    if (const std::optional<T> v = read_dir(dir)) best = best ? std::min(*best, *v) : v;
  });
  return best;
}

// "max" means no limit in every v2 file; v1 says "no limit" with huge numbers instead.
std::optional<std::uint64_t> limit_value(const std::string& text) {
  if (text.empty() || text == "max") return std::nullopt;
  const auto v = parse_number<std::uint64_t>(text);
  if (!v || *v >= (std::uint64_t{1} << 62)) return std::nullopt;  // v1: PAGE_COUNTER_MAX pages
  return v;
}

std::optional<double> cpu_limit_v2(const std::string& dir) {
  std::istringstream in(first_line(dir + "cpu.max"));  // "$MAX $PERIOD"
  std::string quota;
  double period = 0;
  if (!(in >> quota >> period) || quota == "max" || period <= 0) return std::nullopt;
  const auto q = parse_number<std::uint64_t>(quota);
  if (!q) return std::nullopt;
  return static_cast<double>(*q) / period;
}

std::optional<double> cpu_limit_v1(const std::string& dir) {
  const auto quota = parse_number<std::int64_t>(first_line(dir + "cpu.cfs_quota_us"));
  const auto period = parse_number<std::int64_t>(first_line(dir + "cpu.cfs_period_us"));
  if (!quota || !period || *quota <= 0 || *period <= 0) return std::nullopt;  // -1: no quota
  return static_cast<double>(*quota) / static_cast<double>(*period);
}

// The limit and usage files of a counted controller, by hierarchy version.
struct CounterFiles {
  const char* v1_controller;
  const char* limit_v2;
  const char* usage_v2;
  const char* limit_v1;
  const char* usage_v1;
};

CounterFiles files_of(CgroupCounter counter) {
  switch (counter) {
    case CgroupCounter::memory:
      return {"memory", "memory.max", "memory.current", "memory.limit_in_bytes",
              "memory.usage_in_bytes"};
    case CgroupCounter::pids:
      break;
  }
  return {"pids", "pids.max", "pids.current", "pids.max", "pids.current"};
}

std::optional<std::uint64_t> counter_limit(const std::string& root, CgroupCounter counter) {
  const CounterFiles f = files_of(counter);
  const auto h = hierarchy_of(root, f.v1_controller);
  if (!h) return std::nullopt;
  const char* file = h->v2 ? f.limit_v2 : f.limit_v1;
  return tightest<std::uint64_t>(
      *h, [file](const std::string& dir) { return limit_value(first_line(dir + file)); });
}

}  // namespace

CgroupLimits read_cgroup_limits(const std::string& root) {
  CgroupLimits out;
  if (const auto h = hierarchy_of(root, "cpu"))
    out.cpu_quota = tightest<double>(*h, h->v2 ? cpu_limit_v2 : cpu_limit_v1);
  out.memory_max = counter_limit(root, CgroupCounter::memory);
  out.pids_max = counter_limit(root, CgroupCounter::pids);
  return out;
}

std::optional<CgroupRoom> cgroup_room(CgroupCounter counter, const std::string& root) {
  const CounterFiles f = files_of(counter);
  const auto h = hierarchy_of(root, f.v1_controller);
  if (!h) return std::nullopt;
  const char* limit_file = h->v2 ? f.limit_v2 : f.limit_v1;
  const char* usage_file = h->v2 ? f.usage_v2 : f.usage_v1;
  std::optional<CgroupRoom> best;
  walk_up(*h, [&](const std::string& dir, const std::string& cgroup) {
    const auto limit = limit_value(first_line(dir + limit_file));
    if (!limit) return;
    const CgroupRoom level{
        *limit, parse_number<std::uint64_t>(first_line(dir + usage_file)).value_or(0), cgroup};
    if (!best || level.room() < best->room()) best = level;
  });
  return best;
}

}  // namespace illusion::core
