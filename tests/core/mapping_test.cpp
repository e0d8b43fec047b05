#include "core/mapping.h"

#include <sys/resource.h>

#include <gtest/gtest.h>

#include "core/clock.h"

using illusion::core::Mapping;

TEST(Mapping, RoundsUpToPagesAndTouches) {
  Mapping m(10000);
  EXPECT_EQ(m.size() % 4096, 0u);
  EXPECT_GE(m.size(), 10000u);
  m.touch_all();
  EXPECT_EQ(m.data()[0], 1);
  EXPECT_EQ(m.data()[m.size() - 4096], 1);
}

TEST(Mapping, EmptyMappingIsValid) {
  Mapping m(0);
  EXPECT_EQ(m.size(), 0u);
  EXPECT_EQ(m.data(), nullptr);
}

TEST(Mapping, HugePagesNeverExceedTheMapping) {
  // Two huge-advised mappings may be merged into one VMA by the kernel; each must still count
  // at most its own size.
  Mapping a(8u << 20, true), b(8u << 20, true);
  a.touch_all();
  b.touch_all();
  EXPECT_LE(a.huge_pages_bytes(), a.size());
  EXPECT_LE(b.huge_pages_bytes(), b.size());
  if (a.huge_pages_bytes() == 0) GTEST_SKIP() << "no transparent huge pages were used here";
  EXPECT_GT(a.huge_pages_bytes(), 0u);
}

// The warm-up takes its first-touch faults (counted: one per page at least) and gives the
// memory back: nothing of it stays mapped.
TEST(BackWithHostMemory, TouchesEveryPageAndUnmapsIt) {
  const illusion::core::FakeClock clock(100);  // the touches themselves are real
  EXPECT_EQ(illusion::core::back_with_host_memory(clock, 0), 0);
  rusage before{}, after{};
  getrusage(RUSAGE_THREAD, &before);
  const double ns = illusion::core::back_with_host_memory(clock, 4u << 20);
  getrusage(RUSAGE_THREAD, &after);
  EXPECT_GT(ns, 0);
  EXPECT_GE(after.ru_minflt - before.ru_minflt, 1024);
  // Again: fresh faults, since the first region was unmapped, not kept.
  getrusage(RUSAGE_THREAD, &before);
  illusion::core::back_with_host_memory(clock, 4u << 20);
  getrusage(RUSAGE_THREAD, &after);
  EXPECT_GE(after.ru_minflt - before.ru_minflt, 1024);
}
