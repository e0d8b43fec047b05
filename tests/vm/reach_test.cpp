// vm.tlb_reach in the quick profile (4 KiB to 256 MiB): one series point per working set for
// each page kind, the largest set clearly slower per load than the smallest, the stats taken at
// the largest; plus the pure parts (Sattolo's single cycle, the chain, the size ladder).
#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "support/lab_fixture.h"

#include "core/barrier.h"
#include "core/mapping.h"
#include "core/resources.h"
#include "vm/lab.h"
#include "vm/reach_chase.h"

using namespace illusion;
using labs::vm::chase;
using labs::vm::is_single_cycle;
using labs::vm::kSlotBytes;
using labs::vm::link_slots;
using labs::vm::reach_sizes;
using labs::vm::size_label;
using labs::vm::SlotCycle;

namespace {

constexpr std::uint64_t kMiB = 1ull << 20;

const core::Series* series(const core::Result& r, const std::string& name) {
  for (const core::Series& s : r.series)
    if (s.name == name) return &s;
  return nullptr;
}

double metric_value(const core::Result& r, const std::string& name) {
  const core::Metric* m = r.metric(name);
  if (!m) throw std::logic_error(r.id + " has no metric " + name);
  return m->value;
}

class ReachRun : public illusion::testing::LabTest {
 protected:
  ReachRun() : LabTest(labs::vm::lab()) {}
  void SetUp() override {
    // Quick holds 2 x 256 MiB (4 KiB and huge regions) plus the 256 MiB margin it keeps.
    const std::uint64_t avail = core::available_memory_bytes();
    if (avail != 0 && avail < 900 * kMiB) GTEST_SKIP() << "less than 900 MiB available";
    LabTest::SetUp();
  }
};

TEST_F(ReachRun, ChaseCurveHasAPointPerSizeAndClimbs) {
  const core::Result& r = run("vm.tlb_reach");
  expect_ok(r);
  EXPECT_EQ(r.unit, "ns/access");
  const std::vector<std::uint64_t> sizes = reach_sizes(256 * kMiB);
  const core::Series* small = series(r, "latency_vs_working_set_4k");
  ASSERT_NE(small, nullptr);
  EXPECT_EQ(small->x_unit, "KiB");
  EXPECT_EQ(small->y_unit, "ns");
  ASSERT_EQ(small->points.size(), sizes.size());
  for (std::size_t i = 0; i < sizes.size(); ++i) {
    EXPECT_DOUBLE_EQ(small->points[i].first, static_cast<double>(sizes[i] / 1024));
    EXPECT_GT(small->points[i].second, 0);
  }
  // 4 KiB lives in L1 (~1 ns); 256 MiB misses every cache and, with 4 KiB pages, the TLB
  // (~150+ ns here): far more than 2x apart on any machine.
  EXPECT_GT(small->points.back().second, 2 * small->points.front().second);
  // The stats are the largest size's samples.
  EXPECT_DOUBLE_EQ(r.stats->p50, small->points.back().second);
  for (const char* m : {"l1_ns", "l2_ns", "llc_ns", "dram_ns"}) EXPECT_GT(metric_value(r, m), 0) << m;
  EXPECT_DOUBLE_EQ(metric_value(r, "dram_ns"), small->points.back().second);

  const std::string thp = env_->thp_enabled;
  const core::Series* huge = series(r, "latency_vs_working_set_huge");
  if (thp == "never" || thp == "unavailable") {
    EXPECT_EQ(huge, nullptr);
    return;
  }
  ASSERT_NE(huge, nullptr);
  ASSERT_EQ(huge->points.size(), sizes.size());
  EXPECT_GT(huge->points.back().second, 2 * huge->points.front().second);
  const double fraction = metric_value(r, "huge_fraction");
  EXPECT_GE(fraction, 0.0);
  EXPECT_LE(fraction, 1.0);
  if (fraction > 0) {
    EXPECT_GT(metric_value(r, "huge_vs_4k_at_largest"), 0);
  }
}

TEST(ReachChase, SattoloGivesOneCycleThroughEverySlot) {
  for (std::size_t n : {2u, 3u, 64u, 1000u, 65536u}) {
    const SlotCycle c(n, 42);
    EXPECT_TRUE(is_single_cycle(c.next(), c.size())) << n;
  }
  const std::vector<std::uint32_t> two_cycles = {1, 0, 3, 2};
  EXPECT_FALSE(is_single_cycle(two_cycles.data(), two_cycles.size()));
  const std::vector<std::uint32_t> fixed_point = {0, 2, 1};
  EXPECT_FALSE(is_single_cycle(fixed_point.data(), fixed_point.size()));
}

TEST(ReachChase, SameSeedSameChainOtherSeedOtherChain) {
  const SlotCycle a(4096, 7), b(4096, 7), c(4096, 8);
  const std::vector<std::uint32_t> va(a.next(), a.next() + a.size());
  const std::vector<std::uint32_t> vb(b.next(), b.next() + b.size());
  const std::vector<std::uint32_t> vc(c.next(), c.next() + c.size());
  EXPECT_EQ(va, vb);
  EXPECT_NE(va, vc);
}

TEST(ReachChase, ChainVisitsEverySlotAndComesBack) {
  const SlotCycle c(256, 3);
  core::Mapping mem(c.size() * kSlotBytes);
  link_slots(mem.data(), c);
  // A full lap returns to the start; every step lands on a slot boundary inside the buffer.
  const void* p = chase(mem.data(), c.size());
  EXPECT_EQ(p, mem.data());
  const char* q = mem.data();
  for (std::size_t i = 0; i < c.size(); ++i) {
    q = *reinterpret_cast<char* const*>(q);
    ASSERT_GE(q, mem.data());
    ASSERT_LT(q, mem.data() + mem.size());
    ASSERT_EQ(static_cast<std::size_t>(q - mem.data()) % kSlotBytes, 0u);
  }
}

TEST(ReachChase, SizesDoubleThenQuadrupleAndEndAtTheLargest) {
  const std::vector<std::uint64_t> q = reach_sizes(256 * kMiB);
  ASSERT_FALSE(q.empty());
  EXPECT_EQ(q.front(), 4096u);
  EXPECT_EQ(q.back(), 256 * kMiB);
  for (std::size_t i = 1; i < q.size(); ++i)
    EXPECT_EQ(q[i], q[i - 1] * (q[i - 1] < 64 * kMiB ? 2 : 4)) << i;
  EXPECT_EQ(reach_sizes(1024 * kMiB).back(), 1024 * kMiB);
  EXPECT_EQ(size_label(16 * 1024), "16 KiB");
  EXPECT_EQ(size_label(8 * kMiB), "8 MiB");
  EXPECT_EQ(size_label(1024 * kMiB), "1 GiB");
}

}  // namespace
