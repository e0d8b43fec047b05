// The Lab 3.4 commentary rules on hand-built results: each quotes the figures it was given and
// stays silent when an input is missing.
#include <gtest/gtest.h>

#include "report/commentary.h"
#include "synthetic.h"

using namespace illusion;
using illusion::testing::has;
using illusion::testing::make_result;
using illusion::testing::with_metrics;

namespace {

core::Result io(const std::string& name, double p50, double gbps) {
  return with_metrics(make_result("mmap_vs_read." + name, p50), {{"throughput_gbps", gbps}});
}

}  // namespace

TEST(IoCommentary, PageCacheQuotesWarmColdAndRandom) {
  const std::vector<core::Result> rs{
      io("read_1m_warm", 94'000, 10.9), io("read_1m_cold", 99'000, 1.97),
      io("rand_pread_warm", 1'140, 3.4), io("rand_pread_cold", 63'300, 0.06)};
  const auto in = report::rules::page_cache_illusion(rs);
  ASSERT_TRUE(in);
  EXPECT_TRUE(has(in->text, "10.9 GB/s")) << in->text;
  EXPECT_TRUE(has(in->text, "1.97 GB/s")) << in->text;
  EXPECT_TRUE(has(in->text, "5.5x slower")) << in->text;
  EXPECT_TRUE(has(in->text, "1.14 µs from the cache against 63.3 µs")) << in->text;
  EXPECT_TRUE(report::rules::page_cache_illusion({rs[0], rs[1]}));  // the random part is optional
  EXPECT_FALSE(report::rules::page_cache_illusion({rs[0], rs[2], rs[3]}));
}

TEST(IoCommentary, BufferSizeUsesTheSweepsBestPoint) {
  core::Result sweep = make_result("mmap_vs_read.read_sweep_warm", 123, -1, "ns/KiB");
  sweep.series.push_back(
      {"throughput_vs_buffer", "KiB", "GB/s", {{4, 5.1}, {1024, 10.7}, {4096, 11.0}}});
  const std::vector<core::Result> rs{io("read_4k_warm", 800, 4.91),
                                     io("read_1m_warm", 94'000, 10.9), sweep};
  const auto in = report::rules::read_buffer_size(rs);
  ASSERT_TRUE(in);
  EXPECT_TRUE(has(in->text, "4.91 GB/s")) << in->text;
  EXPECT_TRUE(has(in->text, "2.2x")) << in->text;
  EXPECT_TRUE(has(in->text, "4 MiB (11.0 GB/s)")) << in->text;
  const auto without_sweep = report::rules::read_buffer_size({rs[0], rs[1]});
  ASSERT_TRUE(without_sweep);
  EXPECT_FALSE(has(without_sweep->text, "sweep")) << without_sweep->text;
  EXPECT_FALSE(report::rules::read_buffer_size({rs[1], sweep}));
}

TEST(IoCommentary, MmapStreamingNamesTheWinnerAndTheFaults) {
  core::Result mmap = io("mmap_warm", 2'560, 20.7);
  mmap.counters.push_back({"page_faults", 0.056});
  const std::vector<core::Result> rs{mmap, io("read_64k_warm", 7'960, 7.81),
                                     io("mmap_cold", 2'540, 3.08),
                                     io("read_1m_cold", 98'700, 1.97)};
  const auto in = report::rules::mmap_streaming(rs);
  ASSERT_TRUE(in);
  EXPECT_TRUE(has(in->text, "2.7x in mmap's favour")) << in->text;
  EXPECT_TRUE(has(in->text, "0.056 page faults per 64 KiB")) << in->text;
  EXPECT_TRUE(has(in->text, "3.08 GB/s against 1.97 GB/s")) << in->text;
  // When read() wins, the sentence says so.
  const auto slow = report::rules::mmap_streaming({io("mmap_warm", 9'000, 3.9), rs[1]});
  ASSERT_TRUE(slow);
  EXPECT_TRUE(has(slow->text, "in read()'s favour")) << slow->text;
  EXPECT_FALSE(report::rules::mmap_streaming({rs[1]}));
}

TEST(IoCommentary, RandomAccessThroughAMapping) {
  const std::vector<core::Result> rs{
      io("rand_mmap_warm", 681, 5.77), io("rand_pread_warm", 1'140, 3.42),
      with_metrics(io("rand_mmap_warm_fresh", 671, 5.36), {{"faults_per_op", 0.014}})};
  const auto in = report::rules::mmap_random_access(rs);
  ASSERT_TRUE(in);
  EXPECT_TRUE(has(in->text, "681 ns through an already-mapped file against 1.14 µs")) << in->text;
  EXPECT_TRUE(has(in->text, "0.014 faults per read")) << in->text;
  EXPECT_TRUE(has(in->text, "5.36 GB/s against 5.77 GB/s")) << in->text;
  EXPECT_FALSE(report::rules::mmap_random_access({rs[0], rs[2]}));
}

TEST(IoCommentary, QueueDepthInIops) {
  const std::vector<core::Result> rs{io("rand_uring_qd1_cold", 55'000, 0.0716),
                                     io("rand_uring_qd32_cold", 537'000, 0.2382)};
  const auto in = report::rules::async_io_depth(rs);
  ASSERT_TRUE(in);
  EXPECT_TRUE(has(in->text, "17,480 IOPS")) << in->text;  // 0.0716e9 / 4096
  EXPECT_TRUE(has(in->text, "3.3x")) << in->text;
  EXPECT_FALSE(report::rules::async_io_depth({rs[0]}));
}

TEST(IoCommentary, ReadAroundAndDirectIo) {
  const std::vector<core::Result> rs{with_metrics(io("rand_mmap_cold_readaround", 4'480, 0.025),
                                                  {{"pages_cached_per_major_fault", 1305}}),
                                     io("rand_mmap_cold", 65'700, 0.06),
                                     io("direct_1m", 1'140'000, 0.897),
                                     io("read_1m_cold", 98'700, 1.97)};
  const auto around = report::rules::read_around(rs);
  ASSERT_TRUE(around);
  EXPECT_TRUE(has(around->text, "1305 pages")) << around->text;
  EXPECT_TRUE(has(around->text, "4.48 µs, against 65.7 µs")) << around->text;
  EXPECT_FALSE(report::rules::read_around({rs[1]}));
  const auto direct = report::rules::direct_io(rs);
  ASSERT_TRUE(direct);
  EXPECT_TRUE(has(direct->text, "0.897 GB/s against 1.97 GB/s")) << direct->text;
  EXPECT_FALSE(report::rules::direct_io({rs[2]}));
}

// A host that flushes remote TLBs without IPIs (a PVM guest: 0 shootdowns counted), one where
// they are not counted at all, and medians that do not differ: no IPI and no slowdown is claimed.
TEST(IoCommentary, ShootdownRuleClaimsOnlyWhatWasCounted) {
  core::Result pvm = with_metrics(make_result("mmap_vs_read.munmap_shootdown", 30'000),
                                  {{"tlb_shootdowns_per_op", 0.0}});
  pvm.add_param("remote_tlb_flush_ipis", "no (0 per munmap in the environment probe)");
  const auto none = report::rules::tlb_shootdown(
      {make_result("mmap_vs_read.munmap_1thread", 10'000), pvm});
  ASSERT_TRUE(none);
  EXPECT_FALSE(has(none->text, "interrupted")) << none->text;
  EXPECT_TRUE(has(none->text, "without IPIs")) << none->text;
  EXPECT_TRUE(has(none->text, "0 shootdown IPIs")) << none->text;

  const auto uncounted = report::rules::tlb_shootdown(
      {make_result("mmap_vs_read.munmap_1thread", 10'000),
       make_result("mmap_vs_read.munmap_shootdown", 30'000)});
  ASSERT_TRUE(uncounted);
  EXPECT_TRUE(has(uncounted->text, "likely by an IPI (not counted")) << uncounted->text;

  const auto same = report::rules::tlb_shootdown(
      {make_result("mmap_vs_read.munmap_1thread", 10'000),
       make_result("mmap_vs_read.munmap_shootdown", 10'300)});
  ASSERT_TRUE(same);
  EXPECT_FALSE(has(same->text, "not free")) << same->text;
  EXPECT_TRUE(has(same->text, "about the same")) << same->text;
}

TEST(IoCommentary, ShootdownsAndDurability) {
  const std::vector<core::Result> rs{
      make_result("mmap_vs_read.munmap_1thread", 5'410),
      with_metrics(make_result("mmap_vs_read.munmap_shootdown", 13'700),
                   {{"tlb_shootdowns_per_op", 1.0}}),
      with_metrics(make_result("mmap_vs_read.write_buffered", 2'310), {{"fsync_after_ns", 13.1e6}}),
      make_result("mmap_vs_read.write_fsync", 103'000)};
  const auto tlb = report::rules::tlb_shootdown(rs);
  ASSERT_TRUE(tlb);
  EXPECT_TRUE(has(tlb->text, "5.41 µs")) << tlb->text;
  EXPECT_TRUE(has(tlb->text, "13.7 µs")) << tlb->text;
  EXPECT_TRUE(has(tlb->text, "1.00 TLB shootdown IPIs per munmap")) << tlb->text;
  EXPECT_TRUE(has(tlb->text, "was interrupted")) << tlb->text;
  EXPECT_FALSE(report::rules::tlb_shootdown({rs[0]}));
  const auto durable = report::rules::write_durability(rs);
  ASSERT_TRUE(durable);
  EXPECT_TRUE(has(durable->text, "2.31 µs")) << durable->text;
  EXPECT_TRUE(has(durable->text, "103 µs (45x)")) << durable->text;
  EXPECT_TRUE(has(durable->text, "13.1 ms")) << durable->text;
  EXPECT_FALSE(report::rules::write_durability({rs[2]}));
}
