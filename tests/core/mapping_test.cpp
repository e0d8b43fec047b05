#include "core/mapping.h"

#include <gtest/gtest.h>

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
