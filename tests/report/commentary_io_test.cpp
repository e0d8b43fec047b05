// The Lab 3.4 commentary rules on hand-built results: each quotes the figures it was given and
// stays silent when an input is missing.
#include <gtest/gtest.h>

#include "report/checked_rule.h"
#include "report/commentary.h"
#include "synthetic.h"

using namespace illusion;
using illusion::testing::checked_rule;
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
  const auto in = checked_rule("page_cache_illusion", rs);
  ASSERT_TRUE(in);
  EXPECT_TRUE(has(in->text, "10.9 GB/s")) << in->text;
  EXPECT_TRUE(has(in->text, "1.97 GB/s")) << in->text;
  EXPECT_TRUE(has(in->text, "5.5x slower")) << in->text;
  EXPECT_TRUE(has(in->text, "1.14 µs from the cache against 63.3 µs")) << in->text;
  EXPECT_TRUE(checked_rule("page_cache_illusion", {rs[0], rs[1]}));  // the random part is optional
  EXPECT_FALSE(checked_rule("page_cache_illusion", {rs[0], rs[2], rs[3]}));
}

TEST(IoCommentary, BufferSizeUsesTheSweepsBestPoint) {
  core::Result sweep = make_result("mmap_vs_read.read_sweep_warm", 123, -1, "ns/KiB");
  sweep.series.push_back(
      {"throughput_vs_buffer", "KiB", "GB/s", {{4, 5.1}, {1024, 10.7}, {4096, 11.0}}});
  const std::vector<core::Result> rs{io("read_4k_warm", 800, 4.91),
                                     io("read_1m_warm", 94'000, 10.9), sweep};
  const auto in = checked_rule("read_buffer_size", rs);
  ASSERT_TRUE(in);
  EXPECT_TRUE(has(in->text, "4.91 GB/s")) << in->text;
  EXPECT_TRUE(has(in->text, "2.2x")) << in->text;
  EXPECT_TRUE(has(in->text, "4 MiB (11.0 GB/s)")) << in->text;
  const auto without_sweep = checked_rule("read_buffer_size", {rs[0], rs[1]});
  ASSERT_TRUE(without_sweep);
  EXPECT_FALSE(has(without_sweep->text, "sweep")) << without_sweep->text;
  EXPECT_FALSE(checked_rule("read_buffer_size", {rs[1], sweep}));
}

TEST(IoCommentary, MmapStreamingNamesTheWinnerAndTheFaults) {
  core::Result mmap = io("mmap_warm", 2'560, 20.7);
  mmap.counters.push_back({"page_faults", 0.056});
  const std::vector<core::Result> rs{mmap, io("read_64k_warm", 7'960, 7.81),
                                     io("mmap_cold", 2'540, 3.08),
                                     io("read_1m_cold", 98'700, 1.97)};
  const auto in = checked_rule("mmap_streaming", rs);
  ASSERT_TRUE(in);
  EXPECT_TRUE(has(in->text, "2.7x in mmap's favour")) << in->text;
  EXPECT_TRUE(has(in->text, "0.056 page faults per 64 KiB")) << in->text;
  EXPECT_TRUE(has(in->text, "3.08 GB/s against 1.97 GB/s")) << in->text;
  // When read() wins, the sentence says so.
  const auto slow = checked_rule("mmap_streaming", {io("mmap_warm", 9'000, 3.9), rs[1]});
  ASSERT_TRUE(slow);
  EXPECT_TRUE(has(slow->text, "in read()'s favour")) << slow->text;
  EXPECT_FALSE(checked_rule("mmap_streaming", {rs[1]}));
}

TEST(IoCommentary, RandomAccessThroughAMapping) {
  const std::vector<core::Result> rs{
      io("rand_mmap_warm", 681, 5.77), io("rand_pread_warm", 1'140, 3.42),
      with_metrics(io("rand_mmap_warm_fresh", 671, 5.36), {{"faults_per_op", 0.014}})};
  const auto in = checked_rule("mmap_random_access", rs);
  ASSERT_TRUE(in);
  EXPECT_TRUE(has(in->text, "681 ns through an already-mapped file against 1.14 µs")) << in->text;
  EXPECT_TRUE(has(in->text, "0.014 faults per read")) << in->text;
  EXPECT_TRUE(has(in->text, "5.36 GB/s against 5.77 GB/s")) << in->text;
  EXPECT_FALSE(checked_rule("mmap_random_access", {rs[0], rs[2]}));
}

TEST(IoCommentary, QueueDepthInIops) {
  const std::vector<core::Result> rs{io("rand_uring_qd1_cold", 55'000, 0.0716),
                                     io("rand_uring_qd32_cold", 537'000, 0.2382)};
  const auto in = checked_rule("async_io_depth", rs);
  ASSERT_TRUE(in);
  EXPECT_TRUE(has(in->text, "17,480 IOPS")) << in->text;  // 0.0716e9 / 4096
  EXPECT_TRUE(has(in->text, "3.3x")) << in->text;
  EXPECT_FALSE(checked_rule("async_io_depth", {rs[0]}));
}

TEST(IoCommentary, ReadAroundAndDirectIo) {
  const std::vector<core::Result> rs{with_metrics(io("rand_mmap_cold_readaround", 4'480, 0.025),
                                                  {{"pages_cached_per_major_fault", 1305}}),
                                     io("rand_mmap_cold", 65'700, 0.06),
                                     io("direct_1m", 1'140'000, 0.897),
                                     io("read_1m_cold", 98'700, 1.97)};
  const auto around = checked_rule("read_around", rs);
  ASSERT_TRUE(around);
  EXPECT_TRUE(has(around->text, "1305 pages")) << around->text;
  EXPECT_TRUE(has(around->text, "4.48 µs, against 65.7 µs")) << around->text;
  EXPECT_FALSE(checked_rule("read_around", {rs[1]}));
  const auto direct = checked_rule("direct_io", rs);
  ASSERT_TRUE(direct);
  EXPECT_TRUE(has(direct->text, "0.897 GB/s against 1.97 GB/s")) << direct->text;
  EXPECT_FALSE(checked_rule("direct_io", {rs[2]}));
}

// A host that flushes remote TLBs without IPIs (a PVM guest: 0 shootdowns counted), one where
// they are not counted at all, and medians that do not differ: no IPI and no slowdown is claimed.
TEST(IoCommentary, ShootdownRuleClaimsOnlyWhatWasCounted) {
  core::Result pvm = with_metrics(make_result("mmap_vs_read.munmap_shootdown", 30'000),
                                  {{"tlb_shootdowns_per_op", 0.0}});
  pvm.add_param("remote_tlb_flush_ipis", "no (0 per munmap in the environment probe)");
  const auto none =
      checked_rule("tlb_shootdown", {make_result("mmap_vs_read.munmap_1thread", 10'000), pvm});
  ASSERT_TRUE(none);
  EXPECT_FALSE(has(none->text, "interrupted")) << none->text;
  EXPECT_TRUE(has(none->text, "without IPIs")) << none->text;
  EXPECT_TRUE(has(none->text, "0 shootdown IPIs")) << none->text;

  const auto uncounted =
      checked_rule("tlb_shootdown", {make_result("mmap_vs_read.munmap_1thread", 10'000),
                                     make_result("mmap_vs_read.munmap_shootdown", 30'000)});
  ASSERT_TRUE(uncounted);
  EXPECT_TRUE(has(uncounted->text, "likely by an IPI (not counted")) << uncounted->text;

  const auto same =
      checked_rule("tlb_shootdown", {make_result("mmap_vs_read.munmap_1thread", 10'000),
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
  const auto tlb = checked_rule("tlb_shootdown", rs);
  ASSERT_TRUE(tlb);
  EXPECT_TRUE(has(tlb->text, "5.41 µs")) << tlb->text;
  EXPECT_TRUE(has(tlb->text, "13.7 µs")) << tlb->text;
  EXPECT_TRUE(has(tlb->text, "1.00 TLB shootdown IPIs per munmap")) << tlb->text;
  EXPECT_TRUE(has(tlb->text, "was interrupted")) << tlb->text;
  EXPECT_FALSE(checked_rule("tlb_shootdown", {rs[0]}));
  const auto durable = checked_rule("write_durability", rs);
  ASSERT_TRUE(durable);
  EXPECT_TRUE(has(durable->text, "2.31 µs")) << durable->text;
  EXPECT_TRUE(has(durable->text, "103 µs (45x)")) << durable->text;
  EXPECT_TRUE(has(durable->text, "13.1 ms")) << durable->text;
  EXPECT_FALSE(checked_rule("write_durability", {rs[2]}));
}

// ---- Unfavourable inputs: every rule's words follow the data, or the rule goes silent. ----

namespace {

// `r` with the given MAD on its samples: a wide spread makes a difference of medians noise.
core::Result with_mad(core::Result r, double mad) {
  r.stats->mad = mad;
  return r;
}

}  // namespace

TEST(IoCommentary, PageCacheFollowsTheDirectionAndTheNoise) {
  // Warm and cold within 10%: no "slower", no page-cache claim.
  const auto same = checked_rule(
      "page_cache_illusion", {io("read_1m_warm", 94'000, 2.05), io("read_1m_cold", 99'000, 1.97)});
  ASSERT_TRUE(same);
  EXPECT_FALSE(has(same->text, "slower")) << same->text;
  EXPECT_FALSE(has(same->text, "is why")) << same->text;
  EXPECT_TRUE(has(same->text, "within 10% of each other")) << same->text;
  // The evicted file read faster: said so, with the cause only as the likely one.
  const auto reversed = checked_rule(
      "page_cache_illusion", {io("read_1m_warm", 94'000, 1.0), io("read_1m_cold", 99'000, 2.0)});
  ASSERT_TRUE(reversed);
  EXPECT_TRUE(has(reversed->text, "evicted reads were faster (2.0x)")) << reversed->text;
  EXPECT_TRUE(has(reversed->text, "likely")) << reversed->text;
  // A random gap no wider than the sequential one is not called wider.
  const auto narrow =
      checked_rule("page_cache_illusion",
                   {io("read_1m_warm", 94'000, 10.9), io("read_1m_cold", 99'000, 1.97),
                    io("rand_pread_warm", 1'000, 3.4), io("rand_pread_cold", 2'000, 1.0)});
  ASSERT_TRUE(narrow);
  EXPECT_FALSE(has(narrow->text, "wider")) << narrow->text;
  EXPECT_TRUE(has(narrow->text, "1.00 µs from the cache against 2.00 µs")) << narrow->text;
  // Random medians 5% apart: within noise, no direction.
  const auto noise =
      checked_rule("page_cache_illusion",
                   {io("read_1m_warm", 94'000, 10.9), io("read_1m_cold", 99'000, 1.97),
                    io("rand_pread_warm", 1'000, 3.4), io("rand_pread_cold", 1'050, 3.3)});
  ASSERT_TRUE(noise);
  EXPECT_TRUE(has(noise->text, "within noise")) << noise->text;
  EXPECT_FALSE(has(noise->text, "wider")) << noise->text;
  // Zero or negative throughput: silent.
  EXPECT_FALSE(checked_rule("page_cache_illusion",
                            {io("read_1m_warm", 94'000, 0), io("read_1m_cold", 99'000, 1.97)}));
  EXPECT_FALSE(checked_rule("page_cache_illusion",
                            {io("read_1m_warm", 94'000, 10.9), io("read_1m_cold", 99'000, -1)}));
}

TEST(IoCommentary, BufferSizeTurnsAroundAndNeedsAFlatSweepForAPlateau) {
  const auto reversed = checked_rule(
      "read_buffer_size", {io("read_4k_warm", 800, 11.0), io("read_1m_warm", 94'000, 5.0)});
  ASSERT_TRUE(reversed);
  EXPECT_FALSE(has(reversed->text, "cheapest")) << reversed->text;
  EXPECT_TRUE(has(reversed->text, "small calls were faster here (2.2x)")) << reversed->text;
  const auto same = checked_rule("read_buffer_size",
                                 {io("read_4k_warm", 800, 10.0), io("read_1m_warm", 94'000, 10.5)});
  ASSERT_TRUE(same);
  EXPECT_FALSE(has(same->text, "cheapest")) << same->text;
  EXPECT_TRUE(has(same->text, "within 10%")) << same->text;
  // A sweep still rising past 256 KiB shows no plateau.
  core::Result sweep = make_result("mmap_vs_read.read_sweep_warm", 123, -1, "ns/KiB");
  sweep.series.push_back(
      {"throughput_vs_buffer", "KiB", "GB/s", {{4, 2.0}, {256, 5.0}, {1024, 8.0}, {4096, 11.0}}});
  const auto rising = checked_rule(
      "read_buffer_size", {io("read_4k_warm", 800, 4.91), io("read_1m_warm", 94'000, 10.9), sweep});
  ASSERT_TRUE(rising);
  EXPECT_TRUE(has(rising->text, "the best was 4 MiB")) << rising->text;
  EXPECT_FALSE(has(rising->text, "did not help")) << rising->text;
  // The flat sweep of the first test does show one.
  core::Result flat = make_result("mmap_vs_read.read_sweep_warm", 123, -1, "ns/KiB");
  flat.series.push_back({"throughput_vs_buffer", "KiB", "GB/s", {{4, 5.1}, {1024, 10.7}, {4096, 11.0}}});
  const auto plateau = checked_rule(
      "read_buffer_size", {io("read_4k_warm", 800, 4.91), io("read_1m_warm", 94'000, 10.9), flat});
  ASSERT_TRUE(plateau);
  EXPECT_TRUE(has(plateau->text, "larger buffers did not help")) << plateau->text;
}

TEST(IoCommentary, MmapStreamingClaimsNoWinnerOrFaultAroundTheDataDoesNotShow) {
  core::Result mmap = io("mmap_warm", 7'000, 8.2);
  mmap.counters.push_back({"page_faults", 16.0});
  const auto in = checked_rule("mmap_streaming",
                               {mmap, io("read_64k_warm", 7'960, 7.81), io("mmap_cold", 2'540, 1.0),
                                io("read_1m_cold", 98'700, 1.97)});
  ASSERT_TRUE(in);
  EXPECT_FALSE(has(in->text, "favour")) << in->text;
  EXPECT_TRUE(has(in->text, "within 10% of each other")) << in->text;
  EXPECT_FALSE(has(in->text, "fault-around")) << in->text;  // 16 faults: one per page
  EXPECT_TRUE(has(in->text, "page faults per 64 KiB (16 pages)")) << in->text;
  EXPECT_TRUE(has(in->text, "likely waits inside page faults")) << in->text;  // mmap slower cold
  // Cold figures within 10%: no waiting is blamed.
  const auto cold_same = checked_rule(
      "mmap_streaming", {mmap, io("read_64k_warm", 7'960, 7.81), io("mmap_cold", 2'540, 1.9),
                         io("read_1m_cold", 98'700, 1.97)});
  ASSERT_TRUE(cold_same);
  EXPECT_FALSE(has(cold_same->text, "waits")) << cold_same->text;
  // A negative fault count is not quoted.
  core::Result odd = io("mmap_warm", 2'560, 20.7);
  odd.counters.push_back({"page_faults", -1.0});
  const auto negative = checked_rule("mmap_streaming", {odd, io("read_64k_warm", 7'960, 7.81)});
  ASSERT_TRUE(negative);
  EXPECT_FALSE(has(negative->text, "page faults per 64 KiB")) << negative->text;
}

TEST(IoCommentary, MmapWinsOnlyWhenPreadIsClearlySlower) {
  const auto slower = checked_rule(
      "mmap_random_access", {io("rand_mmap_warm", 1'500, 2.6), io("rand_pread_warm", 1'140, 3.42)});
  ASSERT_TRUE(slower);
  EXPECT_FALSE(has(slower->text, "Where mmap wins")) << slower->text;
  EXPECT_TRUE(has(slower->text, "the mapping was slower here")) << slower->text;
  const auto same = checked_rule(
      "mmap_random_access", {io("rand_mmap_warm", 1'100, 3.5), io("rand_pread_warm", 1'140, 3.42)});
  ASSERT_TRUE(same);
  EXPECT_FALSE(has(same->text, "Where mmap wins")) << same->text;
  EXPECT_TRUE(has(same->text, "within noise")) << same->text;
  // A 40% gap inside the rows' own spread is noise too.
  const auto wide =
      checked_rule("mmap_random_access", {with_mad(io("rand_mmap_warm", 800, 5.0), 2'000),
                                          with_mad(io("rand_pread_warm", 1'140, 3.42), 2'000)});
  ASSERT_TRUE(wide);
  EXPECT_FALSE(has(wide->text, "Where mmap wins")) << wide->text;
  EXPECT_TRUE(has(wide->text, "within noise")) << wide->text;
  // A fresh mapping clearly slower "pays off when the mapping lives long"; one fault per read or
  // more is not put down to neighbours.
  const auto fresh = checked_rule(
      "mmap_random_access",
      {io("rand_mmap_warm", 681, 5.77), io("rand_pread_warm", 1'140, 3.42),
       with_metrics(io("rand_mmap_warm_fresh", 2'000, 1.5), {{"faults_per_op", 1.2}})});
  ASSERT_TRUE(fresh);
  EXPECT_TRUE(has(fresh->text, "mmap pays off when the mapping lives long")) << fresh->text;
  EXPECT_FALSE(has(fresh->text, "neighbours")) << fresh->text;
  // The first test's fresh mapping (5.36 against 5.77 GB/s) is within 10%: no "pays off".
  const auto close = checked_rule(
      "mmap_random_access",
      {io("rand_mmap_warm", 681, 5.77), io("rand_pread_warm", 1'140, 3.42),
       with_metrics(io("rand_mmap_warm_fresh", 671, 5.36), {{"faults_per_op", 0.014}})});
  ASSERT_TRUE(close);
  EXPECT_FALSE(has(close->text, "pays off")) << close->text;
  EXPECT_TRUE(has(close->text, "likely maps cached neighbours")) << close->text;
}

TEST(IoCommentary, QueueDepthWithoutAGainSaysSo) {
  const auto same = checked_rule("async_io_depth", {io("rand_uring_qd1_cold", 55'000, 0.0716),
                                                    io("rand_uring_qd32_cold", 537'000, 0.075)});
  ASSERT_TRUE(same);
  EXPECT_FALSE(has(same->text, "works on many")) << same->text;
  EXPECT_TRUE(has(same->text, "did not serve more requests at once")) << same->text;
  const auto fewer = checked_rule("async_io_depth", {io("rand_uring_qd1_cold", 55'000, 0.0716),
                                                     io("rand_uring_qd32_cold", 537'000, 0.03)});
  ASSERT_TRUE(fewer);
  EXPECT_TRUE(has(fewer->text, "did not help this device")) << fewer->text;
  EXPECT_FALSE(checked_rule("async_io_depth", {io("rand_uring_qd1_cold", 55'000, 0),
                                               io("rand_uring_qd32_cold", 537'000, 0.2)}));
}

TEST(IoCommentary, ReadAroundFollowsThePagesAndTheMedians) {
  const auto none =
      checked_rule("read_around", {with_metrics(io("rand_mmap_cold_readaround", 66'000, 0.025),
                                                {{"pages_cached_per_major_fault", 1.0}}),
                                   io("rand_mmap_cold", 65'700, 0.06)});
  ASSERT_TRUE(none);
  EXPECT_FALSE(has(none->text, "far more than it uses")) << none->text;
  EXPECT_TRUE(has(none->text, "no read-around showed")) << none->text;
  EXPECT_TRUE(has(none->text, "within noise")) << none->text;
  EXPECT_FALSE(has(none->text, "already read in")) << none->text;
  const auto dearer =
      checked_rule("read_around", {with_metrics(io("rand_mmap_cold_readaround", 90'000, 0.025),
                                                {{"pages_cached_per_major_fault", 32}}),
                                   io("rand_mmap_cold", 65'700, 0.06)});
  ASSERT_TRUE(dearer);
  EXPECT_TRUE(has(dearer->text, "cost more than it saved")) << dearer->text;
  EXPECT_FALSE(has(dearer->text, "already read in")) << dearer->text;
  for (double bad : {0.0, -3.0})
    EXPECT_FALSE(
        checked_rule("read_around", {with_metrics(io("rand_mmap_cold_readaround", 4'480, 0.025),
                                                  {{"pages_cached_per_major_fault", bad}})}));
}

TEST(IoCommentary, ShootdownTurnsAroundAndIgnoresANegativeCount) {
  const auto less = checked_rule("tlb_shootdown",
                                 {make_result("mmap_vs_read.munmap_1thread", 10'000),
                                  with_metrics(make_result("mmap_vs_read.munmap_shootdown", 7'000),
                                               {{"tlb_shootdowns_per_op", 1.0}})});
  ASSERT_TRUE(less);
  EXPECT_TRUE(has(less->text, "less, 7.00 µs")) << less->text;
  EXPECT_TRUE(has(less->text, "took no longer")) << less->text;
  EXPECT_FALSE(has(less->text, "not free")) << less->text;
  // A 30% rise inside the rows' spread is not a slowdown.
  const auto noisy = checked_rule(
      "tlb_shootdown", {with_mad(make_result("mmap_vs_read.munmap_1thread", 10'000), 5'000),
                        with_mad(make_result("mmap_vs_read.munmap_shootdown", 13'000), 5'000)});
  ASSERT_TRUE(noisy);
  EXPECT_FALSE(has(noisy->text, "not free")) << noisy->text;
  EXPECT_TRUE(has(noisy->text, "within noise")) << noisy->text;
  // A negative count is no count.
  const auto negative = checked_rule(
      "tlb_shootdown", {make_result("mmap_vs_read.munmap_1thread", 10'000),
                        with_metrics(make_result("mmap_vs_read.munmap_shootdown", 30'000),
                                     {{"tlb_shootdowns_per_op", -1.0}})});
  ASSERT_TRUE(negative);
  EXPECT_TRUE(has(negative->text, "not counted")) << negative->text;
  EXPECT_FALSE(has(negative->text, "-1")) << negative->text;
}

TEST(IoCommentary, DurabilityWithAFreeFlushSaysSoAndNotDeferred) {
  const auto free_flush = checked_rule(
      "write_durability",
      {with_metrics(make_result("mmap_vs_read.write_buffered", 2'310), {{"fsync_after_ns", 500}}),
       make_result("mmap_vs_read.write_fsync", 2'400)});
  ASSERT_TRUE(free_flush);
  EXPECT_TRUE(has(free_flush->text, "within noise")) << free_flush->text;
  EXPECT_TRUE(has(free_flush->text, "likely")) << free_flush->text;
  EXPECT_FALSE(has(free_flush->text, "deferred")) << free_flush->text;
  EXPECT_TRUE(has(free_flush->text, "final fsync of the buffered data took 500 ns"))
      << free_flush->text;
  // A final fsync far cheaper than one synced write is not "the cost deferred".
  const auto cheap_final = checked_rule(
      "write_durability",
      {with_metrics(make_result("mmap_vs_read.write_buffered", 2'310), {{"fsync_after_ns", 1'000}}),
       make_result("mmap_vs_read.write_fsync", 103'000)});
  ASSERT_TRUE(cheap_final);
  EXPECT_TRUE(has(cheap_final->text, "(45x)")) << cheap_final->text;
  EXPECT_FALSE(has(cheap_final->text, "deferred")) << cheap_final->text;
  // Zero: no fsync clause.
  const auto zero = checked_rule(
      "write_durability",
      {with_metrics(make_result("mmap_vs_read.write_buffered", 2'310), {{"fsync_after_ns", 0}}),
       make_result("mmap_vs_read.write_fsync", 103'000)});
  ASSERT_TRUE(zero);
  EXPECT_FALSE(has(zero->text, "final fsync")) << zero->text;
}

TEST(IoCommentary, DirectIoQuotesWhatItLeftCachedOnlyWhenMeasured) {
  const core::Result cold = io("read_1m_cold", 98'700, 1.97);
  const auto unmeasured = checked_rule("direct_io", {io("direct_1m", 1'140'000, 0.897), cold});
  ASSERT_TRUE(unmeasured);
  EXPECT_FALSE(has(unmeasured->text, "left")) << unmeasured->text;
  EXPECT_TRUE(has(unmeasured->text, "2.2x slower (likely")) << unmeasured->text;
  const auto left = checked_rule(
      "direct_io",
      {with_metrics(io("direct_1m", 1'140'000, 0.897), {{"resident_after", 0.01}}), cold});
  ASSERT_TRUE(left);
  EXPECT_TRUE(has(left->text, "left 1.0% of the file cached")) << left->text;
  const auto cached = checked_rule(
      "direct_io",
      {with_metrics(io("direct_1m", 1'140'000, 2.0), {{"resident_after", 0.5}}), cold});
  ASSERT_TRUE(cached);
  EXPECT_FALSE(has(cached->text, "left")) << cached->text;
  EXPECT_TRUE(has(cached->text, "50% of the file was cached afterwards")) << cached->text;
  EXPECT_TRUE(has(cached->text, "within 10%")) << cached->text;
  EXPECT_FALSE(checked_rule("direct_io", {io("direct_1m", 1'140'000, -0.5), cold}));
}
