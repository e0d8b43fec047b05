// The lab's table: ids are API, every row is complete, and results carry their identity.
#include <set>
#include <string>

#include <gtest/gtest.h>

#include "syscalls/lab.h"

using illusion::core::Experiment;
using illusion::core::Lab;
using illusion::labs::syscalls::lab;

namespace {

const Experiment* find(const Lab& l, const std::string& id) {
  for (const Experiment& e : l.experiments)
    if (e.id == id) return &e;
  return nullptr;
}

}  // namespace

TEST(SyscallsLabTable, IdentifiesTheLab) {
  const Lab l = lab();
  EXPECT_EQ(l.id, "syscalls");
  EXPECT_EQ(l.title, "Syscall Cost Microscope");
  EXPECT_EQ(l.question, "Why are syscalls orders of magnitude slower than function calls?");
}

TEST(SyscallsLabTable, RowsAreCompleteAndIdsUnique) {
  const Lab l = lab();
  ASSERT_FALSE(l.experiments.empty());
  std::set<std::string> ids;
  for (const Experiment& e : l.experiments) {
    EXPECT_EQ(e.id.rfind("syscalls.", 0), 0u) << e.id;
    EXPECT_TRUE(ids.insert(e.id).second) << "duplicate id " << e.id;
    EXPECT_FALSE(e.title.empty()) << e.id;
    EXPECT_FALSE(e.shows.empty()) << e.id;
    EXPECT_FALSE(e.unit.empty()) << e.id;
    EXPECT_TRUE(static_cast<bool>(e.run)) << e.id;
    EXPECT_GT(e.duration.quick_s, 0) << e.id;
    EXPECT_LE(e.duration.quick_s, e.duration.standard_s) << e.id;
    EXPECT_LE(e.duration.standard_s, e.duration.thorough_s) << e.id;
  }
}

TEST(SyscallsLabTable, EveryPromisedIdExists) {
  const Lab l = lab();
  for (const char* id : {"syscalls.function_call",  "syscalls.vdso_clock_gettime",
                         "syscalls.getppid_glibc",  "syscalls.getppid_raw",
                         "syscalls.read_dev_zero",  "syscalls.write_dev_null",
                         "syscalls.close_ebadf",    "syscalls.stat",
                         "syscalls.open_close",     "syscalls.sched_yield",
                         "syscalls.futex_wake",     "syscalls.loop_pure",
                         "syscalls.loop_every_1",   "syscalls.loop_every_10",
                         "syscalls.loop_every_100", "syscalls.loop_every_1000",
                         "syscalls.read_4k",        "syscalls.read_1m",
                         "syscalls.preadv",         "syscalls.uring_batch_1",
                         "syscalls.uring_batch_8",  "syscalls.uring_batch_64"})
    EXPECT_NE(find(l, id), nullptr) << id;
}

TEST(SyscallsLabTable, TheCostLadderRowsAndTheirBaselinesAreHeadline) {
  const Lab l = lab();
  // loop_every_1 divides by loop_pure and subtracts getppid_raw: they run with it.
  for (const char* id : {"syscalls.function_call", "syscalls.vdso_clock_gettime",
                         "syscalls.getppid_raw", "syscalls.loop_pure", "syscalls.loop_every_1"})
    EXPECT_TRUE(find(l, id)->headline) << id;
  EXPECT_FALSE(find(l, "syscalls.loop_every_10")->headline);
}

TEST(SyscallsLabTable, UnitsMatchWhatOneOpIs) {
  const Lab l = lab();
  EXPECT_EQ(find(l, "syscalls.getppid_raw")->unit, "ns/op");
  EXPECT_EQ(find(l, "syscalls.loop_every_10")->unit, "ns/iter");
  EXPECT_EQ(find(l, "syscalls.read_4k")->unit, "ns/KiB");
  EXPECT_EQ(find(l, "syscalls.uring_batch_64")->unit, "ns/KiB");
}
