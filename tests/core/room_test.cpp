// The one rule for rows that write files: disk_shortfall says, with the arithmetic, why a row's
// files do not fit a directory, from facts a test can inject (a fake DiskRoom), so every case
// is checked on every host: a directory that refuses files, RLIMIT_FSIZE, too little space.
#include <gtest/gtest.h>

#include <string>

#include "core/room.h"

namespace {

using illusion::core::disk_room;
using illusion::core::disk_shortfall;
using illusion::core::DiskNeed;
using illusion::core::DiskRoom;
using illusion::core::one_file;

constexpr std::uint64_t kMiB = 1u << 20;

DiskRoom roomy() {
  DiskRoom r;
  r.dir = "/scratch";
  r.available = 1000 * kMiB;
  r.margin = 50 * kMiB;
  return r;
}

bool has(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

}  // namespace

TEST(DiskShortfall, NothingToWriteAlwaysFits) {
  DiskRoom r = roomy();
  r.unusable = "cannot create files in /scratch: Read-only file system";
  r.available = 0;
  EXPECT_EQ(disk_shortfall(DiskNeed{}, r), "");
}

TEST(DiskShortfall, FitsWithTheMarginKept) {
  EXPECT_EQ(disk_shortfall(one_file(950 * kMiB), roomy()), "");
  const std::string why = disk_shortfall(one_file(951 * kMiB), roomy());
  EXPECT_TRUE(has(why, "needs 951 MiB in /scratch")) << why;
  EXPECT_TRUE(has(why, "only 1000 MiB is free")) << why;
  EXPECT_TRUE(has(why, "keeping 50 MiB")) << why;
}

TEST(DiskShortfall, ADirectoryThatRefusesFilesIsTheReason) {
  DiskRoom r = roomy();
  r.unusable = "cannot create files in /scratch: Read-only file system";
  EXPECT_EQ(disk_shortfall(one_file(4096), r), r.unusable);
}

// RLIMIT_FSIZE caps each file, not the sum: two 8 MiB files pass a 10 MiB limit, one 16 MiB
// file does not.
TEST(DiskShortfall, TheFileSizeLimitCapsTheLargestFile) {
  DiskRoom r = roomy();
  r.file_size_limit = 10 * kMiB;
  EXPECT_EQ(disk_shortfall(DiskNeed{16 * kMiB, 8 * kMiB}, r), "");
  const std::string why = disk_shortfall(DiskNeed{16 * kMiB, 16 * kMiB}, r);
  EXPECT_TRUE(has(why, "16 MiB file")) << why;
  EXPECT_TRUE(has(why, "RLIMIT_FSIZE (ulimit -f) allows at most 10 MiB")) << why;
}

TEST(DiskRoom, ProcfsRefusesFilesEvenToRoot) {
  const DiskRoom r = disk_room("/proc");
  EXPECT_TRUE(has(r.unusable, "cannot create files in /proc")) << r.unusable;
  EXPECT_EQ(disk_shortfall(one_file(1), r), r.unusable);
}
