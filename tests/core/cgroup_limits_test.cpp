// The cgroup reader on fake trees: a limit set on a parent binds, v1 controllers are found on a
// hybrid host, the level with the least room wins over the one with the lowest limit, and a
// tree without limits (or without a cgroup at all) gives none.
#include "core/cgroup_limits.h"

#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

#include "support/files.h"

using namespace illusion::core;
namespace fs = std::filesystem;

namespace {

class CgroupTree : public ::testing::Test {
 protected:
  void write(const std::string& path, const std::string& text) {
    const fs::path p = dir_.path() + path;
    fs::create_directories(p.parent_path());
    std::ofstream(p) << text;
  }
  const std::string& root() const { return dir_.path(); }

 private:
  illusion::testing::ScratchDir dir_;
};

TEST_F(CgroupTree, V2LimitOnAParentBindsTheLeaf) {
  write("/proc/self/cgroup", "0::/app.slice/job\n");
  write("/sys/fs/cgroup/cgroup.controllers", "cpu memory pids\n");
  write("/sys/fs/cgroup/app.slice/memory.max", "536870912\n");
  write("/sys/fs/cgroup/app.slice/memory.current", "402653184\n");  // 384 MiB, siblings included
  write("/sys/fs/cgroup/app.slice/pids.max", "100\n");
  write("/sys/fs/cgroup/app.slice/pids.current", "40\n");
  write("/sys/fs/cgroup/app.slice/job/memory.max", "max\n");
  write("/sys/fs/cgroup/app.slice/job/memory.current", "1048576\n");
  write("/sys/fs/cgroup/app.slice/job/pids.max", "max\n");
  write("/sys/fs/cgroup/app.slice/job/pids.current", "3\n");

  const auto memory = cgroup_room(CgroupCounter::memory, root());
  ASSERT_TRUE(memory.has_value());
  EXPECT_EQ(memory->limit, 512ull << 20);
  EXPECT_EQ(memory->usage, 384ull << 20);  // the parent's usage, not the leaf's
  EXPECT_EQ(memory->room(), 128ull << 20);
  EXPECT_EQ(memory->cgroup, "/app.slice");

  const auto pids = cgroup_room(CgroupCounter::pids, root());
  ASSERT_TRUE(pids.has_value());
  EXPECT_EQ(pids->room(), 60u);
  EXPECT_EQ(pids->cgroup, "/app.slice");

  const CgroupLimits limits = read_cgroup_limits(root());
  EXPECT_EQ(limits.memory_max, 512ull << 20);
  EXPECT_EQ(limits.pids_max, 100u);
  EXPECT_FALSE(limits.cpu_quota.has_value());
}

// A parent shared with siblings can leave less room than the child's own lower limit.
TEST_F(CgroupTree, TheLevelWithLeastRoomBindsNotTheLowestLimit) {
  write("/proc/self/cgroup", "0::/a/b\n");
  write("/sys/fs/cgroup/cgroup.controllers", "pids\n");
  write("/sys/fs/cgroup/a/pids.max", "1000\n");
  write("/sys/fs/cgroup/a/pids.current", "990\n");
  write("/sys/fs/cgroup/a/b/pids.max", "50\n");
  write("/sys/fs/cgroup/a/b/pids.current", "5\n");
  const auto pids = cgroup_room(CgroupCounter::pids, root());
  ASSERT_TRUE(pids.has_value());
  EXPECT_EQ(pids->room(), 10u);
  EXPECT_EQ(pids->cgroup, "/a");
  EXPECT_EQ(read_cgroup_limits(root()).pids_max, 50u);  // the report's figure stays the limit
}

TEST_F(CgroupTree, V1ControllersOnAHybridHost) {
  write("/proc/self/cgroup", "5:pids:/grp\n4:memory:/grp/job\n2:cpu,cpuacct:/grp\n0::/\n");
  write("/sys/fs/cgroup/unified/cgroup.procs", "");  // an empty v2 tree: no cgroup.controllers
  write("/sys/fs/cgroup/memory/memory.limit_in_bytes", "9223372036854771712\n");  // no limit
  write("/sys/fs/cgroup/memory/grp/memory.limit_in_bytes", "1073741824\n");
  write("/sys/fs/cgroup/memory/grp/memory.usage_in_bytes", "268435456\n");
  write("/sys/fs/cgroup/memory/grp/job/memory.limit_in_bytes", "9223372036854771712\n");
  write("/sys/fs/cgroup/memory/grp/job/memory.usage_in_bytes", "4096\n");
  write("/sys/fs/cgroup/pids/grp/pids.max", "max\n");
  write("/sys/fs/cgroup/pids/grp/pids.current", "7\n");
  write("/sys/fs/cgroup/cpu/grp/cpu.cfs_quota_us", "150000\n");
  write("/sys/fs/cgroup/cpu/grp/cpu.cfs_period_us", "100000\n");

  const auto memory = cgroup_room(CgroupCounter::memory, root());
  ASSERT_TRUE(memory.has_value());
  EXPECT_EQ(memory->limit, 1ull << 30);
  EXPECT_EQ(memory->usage, 256ull << 20);
  EXPECT_EQ(memory->room(), 768ull << 20);
  EXPECT_EQ(memory->cgroup, "/grp");
  EXPECT_FALSE(cgroup_room(CgroupCounter::pids, root()).has_value());

  const CgroupLimits limits = read_cgroup_limits(root());
  ASSERT_TRUE(limits.cpu_quota.has_value());
  EXPECT_DOUBLE_EQ(*limits.cpu_quota, 1.5);
  EXPECT_EQ(limits.memory_max, 1ull << 30);
  EXPECT_FALSE(limits.pids_max.has_value());
}

TEST_F(CgroupTree, NoLimitsAnywhereGivesNone) {
  write("/proc/self/cgroup", "0::/user.slice/session\n");
  write("/sys/fs/cgroup/cgroup.controllers", "cpu memory pids\n");
  write("/sys/fs/cgroup/user.slice/memory.max", "max\n");
  write("/sys/fs/cgroup/user.slice/memory.current", "12345\n");
  write("/sys/fs/cgroup/user.slice/session/pids.max", "max\n");
  write("/sys/fs/cgroup/user.slice/session/cpu.max", "max 100000\n");
  EXPECT_FALSE(cgroup_room(CgroupCounter::memory, root()).has_value());
  EXPECT_FALSE(cgroup_room(CgroupCounter::pids, root()).has_value());
  const CgroupLimits limits = read_cgroup_limits(root());
  EXPECT_FALSE(limits.cpu_quota.has_value());
  EXPECT_FALSE(limits.memory_max.has_value());
  EXPECT_FALSE(limits.pids_max.has_value());
}

// A container that sees only its own subtree: the path in /proc/self/cgroup does not exist
// below the mount, whose top is the container's cgroup and carries the limit.
TEST_F(CgroupTree, MissingLevelsAreSkippedOnTheWayUp) {
  write("/proc/self/cgroup", "0::/docker/abc123\n");
  write("/sys/fs/cgroup/cgroup.controllers", "memory\n");
  write("/sys/fs/cgroup/memory.max", "268435456\n");
  write("/sys/fs/cgroup/memory.current", "67108864\n");
  const auto memory = cgroup_room(CgroupCounter::memory, root());
  ASSERT_TRUE(memory.has_value());
  EXPECT_EQ(memory->room(), 192ull << 20);
  EXPECT_EQ(memory->cgroup, "/");
}

TEST_F(CgroupTree, UnreadableUsageLeavesTheLimitAsTheRoomAndNoCgroupGivesNothing) {
  EXPECT_FALSE(cgroup_room(CgroupCounter::memory, root()).has_value());  // no /proc/self/cgroup
  write("/proc/self/cgroup", "0::/job\n");
  write("/sys/fs/cgroup/cgroup.controllers", "pids\n");
  write("/sys/fs/cgroup/job/pids.max", "64\n");
  write("/sys/fs/cgroup/job/pids.current", "garbage\n");
  const auto pids = cgroup_room(CgroupCounter::pids, root());
  ASSERT_TRUE(pids.has_value());
  EXPECT_EQ(pids->usage, 0u);
  EXPECT_EQ(pids->room(), 64u);
}

TEST(CgroupThisMachine, RoomNeverExceedsTheLimit) {
  for (CgroupCounter c : {CgroupCounter::memory, CgroupCounter::pids}) {
    if (const auto r = cgroup_room(c)) {
      EXPECT_GT(r->limit, 0u);
      EXPECT_LE(r->room(), r->limit);
      EXPECT_FALSE(r->cgroup.empty());
    }
  }
}

}  // namespace
