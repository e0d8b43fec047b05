// The Lab 3.3 commentary rules on hand-built results: each quotes the figures it was given and
// stays silent when an input is missing.
#include <gtest/gtest.h>

#include "report/commentary.h"
#include "synthetic.h"

using namespace illusion;
using illusion::testing::has;
using illusion::testing::make_result;
using illusion::testing::with_metrics;

TEST(VmCommentary, FirstTouchQuotesBothPassesAndTheFrameShare) {
  const std::vector<core::Result> rs{with_metrics(
      make_result("vm.first_touch", 1'500, -1, "ns/page"),
      {{"second_pass_ns_per_page", 15}, {"faults_per_page", 1}})};
  const auto in = report::rules::first_touch(rs);
  ASSERT_TRUE(in);
  EXPECT_TRUE(has(in->text, "1.50 µs")) << in->text;
  EXPECT_TRUE(has(in->text, "15.0 ns")) << in->text;
  EXPECT_TRUE(has(in->text, "100x")) << in->text;
  EXPECT_TRUE(has(in->text, "74 pages")) << in->text;  // 111,111 ns / 1,500 ns
  EXPECT_FALSE(report::rules::first_touch({make_result("vm.first_touch", 1'500)}));
}

TEST(VmCommentary, PrefaultMovesTheCost) {
  const std::vector<core::Result> rs{
      with_metrics(make_result("vm.lazy_touch", 1), {{"total_ns_per_page", 2'000}}),
      with_metrics(make_result("vm.map_populate", 1),
                   {{"total_ns_per_page", 1'100}, {"use_ns_per_page", 100}}),
      with_metrics(make_result("vm.madv_willneed", 1), {{"use_faults_per_page", 1}})};
  const auto in = report::rules::prefault(rs);
  ASSERT_TRUE(in);
  EXPECT_TRUE(has(in->text, "1.00 µs each at map time")) << in->text;
  EXPECT_TRUE(has(in->text, "100 ns at first use")) << in->text;
  EXPECT_TRUE(has(in->text, "2.00 µs per page")) << in->text;
  EXPECT_TRUE(has(in->text, "MADV_WILLNEED left 1.00")) << in->text;
  EXPECT_FALSE(report::rules::prefault({rs[0]}));
}

TEST(VmCommentary, ZeroPageAndHugePages) {
  const auto zero = report::rules::zero_page({with_metrics(
      make_result("vm.zero_page", 1),
      {{"read_faults_per_page", 1}, {"write_faults_per_page", 1}, {"rss_growth_read_fraction", 0}})});
  ASSERT_TRUE(zero);
  EXPECT_TRUE(has(zero->text, "pays twice")) << zero->text;
  const auto huge = report::rules::huge_pages({with_metrics(
      make_result("vm.thp_fault", 1), {{"fault_reduction", 512}, {"huge_fraction", 1}})});
  ASSERT_TRUE(huge);
  EXPECT_TRUE(has(huge->text, "512x fewer faults")) << huge->text;
  EXPECT_FALSE(report::rules::huge_pages({make_result("vm.thp_fault", 1)}));
}

// A kernel without a zero page (a PVM guest with pvm_no_zero_page=1): the reads allocate, the
// writes do not fault. The rule must not claim the zero page, nor "pays twice".
TEST(VmCommentary, ZeroPageRuleFollowsTheMeasuredRssGrowth) {
  const auto none = report::rules::zero_page({with_metrics(
      make_result("vm.zero_page", 1),
      {{"read_faults_per_page", 1}, {"write_faults_per_page", 0}, {"rss_growth_read_fraction", 1}})});
  ASSERT_TRUE(none);
  EXPECT_FALSE(has(none->text, "pays twice")) << none->text;
  EXPECT_FALSE(has(none->text, "maps the kernel's shared zero page")) << none->text;
  EXPECT_TRUE(has(none->text, "no shared zero page")) << none->text;
  EXPECT_TRUE(has(none->text, "100%")) << none->text;

  const auto mixed = report::rules::zero_page({with_metrics(
      make_result("vm.zero_page", 1), {{"read_faults_per_page", 1},
                                       {"write_faults_per_page", 0.5},
                                       {"rss_growth_read_fraction", 0.5}})});
  ASSERT_TRUE(mixed);
  EXPECT_FALSE(has(mixed->text, "because")) << mixed->text;  // no cause the run did not count
  EXPECT_TRUE(has(mixed->text, "50%")) << mixed->text;
}

TEST(VmCommentary, MajorVsMinor) {
  const std::vector<core::Result> rs{
      make_result("vm.major_fault", 50'000, -1, "ns/fault"),
      with_metrics(make_result("vm.minor_fault_file", 2'000, -1, "ns/fault"),
                   {{"pages_per_fault", 132}})};
  const auto in = report::rules::major_vs_minor(rs);
  ASSERT_TRUE(in);
  EXPECT_TRUE(has(in->text, "50.0 µs")) << in->text;
  EXPECT_TRUE(has(in->text, "2.00 µs")) << in->text;
  EXPECT_TRUE(has(in->text, "25x")) << in->text;
  EXPECT_TRUE(has(in->text, "132 pages")) << in->text;
  EXPECT_FALSE(report::rules::major_vs_minor({rs[0]}));
}

TEST(VmCommentary, MallocAndFree) {
  const auto in = report::rules::malloc_and_free({with_metrics(
      make_result("vm.calloc_vs_memset", 1),
      {{"calloc_rss_growth_kib", 4}, {"memset_rss_growth_kib", 65540}, {"memset_vs_calloc", 3000}})});
  ASSERT_TRUE(in);
  EXPECT_TRUE(has(in->text, "3000x")) << in->text;
  EXPECT_FALSE(report::rules::malloc_and_free({make_result("vm.calloc_vs_memset", 1)}));
}

TEST(VmCommentary, ReachFrameAndChurn) {
  const auto reach = report::rules::cache_and_tlb_reach({with_metrics(
      make_result("vm.tlb_reach", 1),
      {{"l1_ns", 1.1}, {"dram_ns", 193}, {"l2_ns", 3.8}, {"llc_ns", 91},
       {"huge_vs_4k_at_largest", 0.8}})});
  ASSERT_TRUE(reach);
  EXPECT_TRUE(has(reach->text, "1.10 ns")) << reach->text;
  EXPECT_TRUE(has(reach->text, "193 ns")) << reach->text;
  EXPECT_TRUE(has(reach->text, "80%")) << reach->text;
  const auto frame = report::rules::fault_in_frame({with_metrics(
      make_result("vm.frame_loop_faults", 1),
      {{"worst_frame_ms_faulting", 5.8}, {"worst_frame_ms_prefaulted", 2.4},
       {"faults_per_frame", 2000}, {"missed_deadlines_faulting", 0}})});
  ASSERT_TRUE(frame);
  EXPECT_TRUE(has(frame->text, "2,000 first-touch faults")) << frame->text;
  EXPECT_TRUE(has(frame->text, "5.80 ms")) << frame->text;
  const auto churn = report::rules::munmap_stalls_others({with_metrics(
      make_result("vm.mmap_churn_stall", 1),
      {{"slow_batches_per_s_baseline", 500}, {"slow_batches_per_s_churn", 1600},
       {"p999_ratio", 8}})});
  ASSERT_TRUE(churn);
  EXPECT_TRUE(has(churn->text, "from 500 to 1,600")) << churn->text;
  EXPECT_TRUE(has(churn->text, "likely an inter-processor interrupt")) << churn->text;
  // Counted IPIs are quoted as the cause; none counted on a host that flushes without them
  // (a PVM guest) is never called an interrupt.
  const auto counted = report::rules::munmap_stalls_others({with_metrics(
      make_result("vm.mmap_churn_stall", 1),
      {{"slow_batches_per_s_baseline", 500}, {"slow_batches_per_s_churn", 1600},
       {"p999_ratio", 8}, {"tlb_shootdowns_per_munmap", 1.02}})});
  ASSERT_TRUE(counted);
  EXPECT_TRUE(has(counted->text, "an inter-processor interrupt each: 1.02 counted")) << counted->text;
  core::Result pvm = with_metrics(make_result("vm.mmap_churn_stall", 1),
                                  {{"slow_batches_per_s_baseline", 500},
                                   {"slow_batches_per_s_churn", 1600},
                                   {"p999_ratio", 8},
                                   {"tlb_shootdowns_per_munmap", 0}});
  pvm.add_param("remote_tlb_flush_ipis", "no (probe: 0 per munmap)");
  const auto flushed = report::rules::munmap_stalls_others({pvm});
  ASSERT_TRUE(flushed);
  EXPECT_FALSE(has(flushed->text, "interrupt each")) << flushed->text;
  EXPECT_TRUE(has(flushed->text, "without IPIs")) << flushed->text;
  EXPECT_FALSE(report::rules::munmap_stalls_others({make_result("vm.mmap_churn_stall", 1)}));
  // On one CPU there is no shootdown to blame: the rule stays silent.
  core::Result one_cpu = with_metrics(make_result("vm.mmap_churn_stall", 1),
                                      {{"slow_batches_per_s_baseline", 500},
                                       {"slow_batches_per_s_churn", 1600},
                                       {"p999_ratio", 8}});
  one_cpu.add_param("placement", "one CPU usable: the churn thread and the toucher time-share it");
  EXPECT_FALSE(report::rules::munmap_stalls_others({one_cpu}));
}
