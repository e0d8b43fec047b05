// The Lab 3.3 commentary rules on hand-built results: each quotes the figures it was given and
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

TEST(VmCommentary, FirstTouchQuotesBothPassesAndTheFrameShare) {
  const std::vector<core::Result> rs{with_metrics(
      make_result("vm.first_touch", 1'500, -1, "ns/page"),
      {{"second_pass_ns_per_page", 15}, {"faults_per_page", 1}})};
  const auto in = checked_rule("first_touch", rs);
  ASSERT_TRUE(in);
  EXPECT_TRUE(has(in->text, "1.50 µs")) << in->text;
  EXPECT_TRUE(has(in->text, "15.0 ns")) << in->text;
  EXPECT_TRUE(has(in->text, "100x")) << in->text;
  EXPECT_TRUE(has(in->text, "74 pages")) << in->text;  // 111,111 ns / 1,500 ns
  EXPECT_FALSE(checked_rule("first_touch", {make_result("vm.first_touch", 1'500)}));
}

TEST(VmCommentary, PrefaultMovesTheCost) {
  const std::vector<core::Result> rs{
      with_metrics(make_result("vm.lazy_touch", 1), {{"total_ns_per_page", 2'000}}),
      with_metrics(make_result("vm.map_populate", 1),
                   {{"total_ns_per_page", 1'100}, {"use_ns_per_page", 100}}),
      with_metrics(make_result("vm.madv_willneed", 1), {{"use_faults_per_page", 1}})};
  const auto in = checked_rule("prefault", rs);
  ASSERT_TRUE(in);
  EXPECT_TRUE(has(in->text, "1.00 µs each at map time")) << in->text;
  EXPECT_TRUE(has(in->text, "100 ns at first use")) << in->text;
  EXPECT_TRUE(has(in->text, "2.00 µs per page")) << in->text;
  EXPECT_TRUE(has(in->text, "MADV_WILLNEED left 1.00")) << in->text;
  EXPECT_FALSE(checked_rule("prefault", {rs[0]}));
}

TEST(VmCommentary, ZeroPageAndHugePages) {
  const auto zero = checked_rule("zero_page", {with_metrics(make_result("vm.zero_page", 1),
                                                            {{"read_faults_per_page", 1},
                                                             {"write_faults_per_page", 1},
                                                             {"rss_growth_read_fraction", 0}})});
  ASSERT_TRUE(zero);
  EXPECT_TRUE(has(zero->text, "pays twice")) << zero->text;
  const auto huge =
      checked_rule("huge_pages", {with_metrics(make_result("vm.thp_fault", 1),
                                               {{"fault_reduction", 512}, {"huge_fraction", 1}})});
  ASSERT_TRUE(huge);
  EXPECT_TRUE(has(huge->text, "512x fewer faults")) << huge->text;
  EXPECT_FALSE(checked_rule("huge_pages", {make_result("vm.thp_fault", 1)}));
}

// A kernel without a zero page (a PVM guest with pvm_no_zero_page=1): the reads allocate, the
// writes do not fault. The rule must not claim the zero page, nor "pays twice".
TEST(VmCommentary, ZeroPageRuleFollowsTheMeasuredRssGrowth) {
  const auto none = checked_rule("zero_page", {with_metrics(make_result("vm.zero_page", 1),
                                                            {{"read_faults_per_page", 1},
                                                             {"write_faults_per_page", 0},
                                                             {"rss_growth_read_fraction", 1}})});
  ASSERT_TRUE(none);
  EXPECT_FALSE(has(none->text, "pays twice")) << none->text;
  EXPECT_FALSE(has(none->text, "maps the kernel's shared zero page")) << none->text;
  EXPECT_TRUE(has(none->text, "no shared zero page")) << none->text;
  EXPECT_TRUE(has(none->text, "100%")) << none->text;

  const auto mixed = checked_rule("zero_page", {with_metrics(make_result("vm.zero_page", 1),
                                                             {{"read_faults_per_page", 1},
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
  const auto in = checked_rule("major_vs_minor", rs);
  ASSERT_TRUE(in);
  EXPECT_TRUE(has(in->text, "50.0 µs")) << in->text;
  EXPECT_TRUE(has(in->text, "2.00 µs")) << in->text;
  EXPECT_TRUE(has(in->text, "25x")) << in->text;
  EXPECT_TRUE(has(in->text, "132 pages")) << in->text;
  EXPECT_FALSE(checked_rule("major_vs_minor", {rs[0]}));
}

TEST(VmCommentary, MallocAndFree) {
  const auto in = checked_rule(
      "malloc_and_free",
      {with_metrics(make_result("vm.calloc_vs_memset", 1), {{"calloc_rss_growth_kib", 4},
                                                            {"memset_rss_growth_kib", 65540},
                                                            {"memset_vs_calloc", 3000}})});
  ASSERT_TRUE(in);
  EXPECT_TRUE(has(in->text, "3000x")) << in->text;
  EXPECT_FALSE(checked_rule("malloc_and_free", {make_result("vm.calloc_vs_memset", 1)}));
}

TEST(VmCommentary, ReachFrameAndChurn) {
  const auto reach = checked_rule(
      "cache_and_tlb_reach",
      {with_metrics(make_result("vm.tlb_reach", 1), {{"l1_ns", 1.1},
                                                     {"dram_ns", 193},
                                                     {"l2_ns", 3.8},
                                                     {"llc_ns", 91},
                                                     {"huge_vs_4k_at_largest", 0.8}})});
  ASSERT_TRUE(reach);
  EXPECT_TRUE(has(reach->text, "1.10 ns")) << reach->text;
  EXPECT_TRUE(has(reach->text, "193 ns")) << reach->text;
  EXPECT_TRUE(has(reach->text, "80%")) << reach->text;
  const auto frame = checked_rule(
      "fault_in_frame",
      {with_metrics(make_result("vm.frame_loop_faults", 1), {{"worst_frame_ms_faulting", 5.8},
                                                             {"worst_frame_ms_prefaulted", 2.4},
                                                             {"faults_per_frame", 2000},
                                                             {"missed_deadlines_faulting", 0}})});
  ASSERT_TRUE(frame);
  EXPECT_TRUE(has(frame->text, "2,000 first-touch faults")) << frame->text;
  EXPECT_TRUE(has(frame->text, "5.80 ms")) << frame->text;
  const auto churn = checked_rule(
      "munmap_stalls_others",
      {with_metrics(make_result("vm.mmap_churn_stall", 1), {{"slow_batches_per_s_baseline", 500},
                                                            {"slow_batches_per_s_churn", 1600},
                                                            {"p999_ratio", 8}})});
  ASSERT_TRUE(churn);
  EXPECT_TRUE(has(churn->text, "from 500 to 1,600")) << churn->text;
  EXPECT_TRUE(has(churn->text, "likely an inter-processor interrupt")) << churn->text;
  // Counted IPIs are quoted as the cause; none counted on a host that flushes without them
  // (a PVM guest) is never called an interrupt.
  const auto counted = checked_rule(
      "munmap_stalls_others",
      {with_metrics(make_result("vm.mmap_churn_stall", 1), {{"slow_batches_per_s_baseline", 500},
                                                            {"slow_batches_per_s_churn", 1600},
                                                            {"p999_ratio", 8},
                                                            {"tlb_shootdowns_per_munmap", 1.02}})});
  ASSERT_TRUE(counted);
  EXPECT_TRUE(has(counted->text, "an inter-processor interrupt each: 1.02 counted")) << counted->text;
  core::Result pvm = with_metrics(make_result("vm.mmap_churn_stall", 1),
                                  {{"slow_batches_per_s_baseline", 500},
                                   {"slow_batches_per_s_churn", 1600},
                                   {"p999_ratio", 8},
                                   {"tlb_shootdowns_per_munmap", 0}});
  pvm.add_param("remote_tlb_flush_ipis", "no (probe: 0 per munmap)");
  const auto flushed = checked_rule("munmap_stalls_others", {pvm});
  ASSERT_TRUE(flushed);
  EXPECT_FALSE(has(flushed->text, "interrupt each")) << flushed->text;
  EXPECT_TRUE(has(flushed->text, "without IPIs")) << flushed->text;
  EXPECT_FALSE(checked_rule("munmap_stalls_others", {make_result("vm.mmap_churn_stall", 1)}));
  // On one CPU there is no shootdown to blame: the rule stays silent.
  core::Result one_cpu = with_metrics(make_result("vm.mmap_churn_stall", 1),
                                      {{"slow_batches_per_s_baseline", 500},
                                       {"slow_batches_per_s_churn", 1600},
                                       {"p999_ratio", 8}});
  one_cpu.add_param("placement", "one CPU usable: the churn thread and the toucher time-share it");
  EXPECT_FALSE(checked_rule("munmap_stalls_others", {one_cpu}));
}

// ---- Unfavourable inputs: every rule's words follow the data, or the rule goes silent. ----

namespace {

core::Result thp(std::initializer_list<std::pair<const char*, double>> metrics) {
  return with_metrics(make_result("vm.thp_fault", 90'000, -1, "ns/2MiB"), metrics);
}

core::Result reach(std::initializer_list<std::pair<const char*, double>> metrics) {
  return with_metrics(make_result("vm.tlb_reach", 1), metrics);
}

core::Result churn(std::initializer_list<std::pair<const char*, double>> metrics) {
  return with_metrics(make_result("vm.mmap_churn_stall", 1), metrics);
}

}  // namespace

TEST(VmCommentary, FirstTouchClaimsNoSpeedUpOrFaultWorkTheRunDidNotShow) {
  // Second pass within 10% of the first: not "faster", not "first access is slow".
  const auto same = checked_rule(
      "first_touch", {with_metrics(make_result("vm.first_touch", 1'500, -1, "ns/page"),
                                   {{"second_pass_ns_per_page", 1'450}, {"faults_per_page", 1}})});
  ASSERT_TRUE(same);
  EXPECT_FALSE(has(same->text, "faster")) << same->text;
  EXPECT_FALSE(has(same->text, "First access is slow")) << same->text;
  EXPECT_TRUE(has(same->text, "within 10%")) << same->text;
  // Fewer than one fault per page counted: the fault's work is not described.
  const auto few = checked_rule(
      "first_touch", {with_metrics(make_result("vm.first_touch", 1'500, -1, "ns/page"),
                                   {{"second_pass_ns_per_page", 15}, {"faults_per_page", 0.3}})});
  ASSERT_TRUE(few);
  EXPECT_FALSE(has(few->text, "allocates and zeroes")) << few->text;
  EXPECT_TRUE(has(few->text, "fewer than one")) << few->text;
  EXPECT_FALSE(checked_rule(
      "first_touch", {with_metrics(make_result("vm.first_touch", 1'500, -1, "ns/page"),
                                   {{"second_pass_ns_per_page", 15}, {"faults_per_page", -1}})}));
  EXPECT_FALSE(checked_rule(
      "first_touch", {with_metrics(make_result("vm.first_touch", 1'500, -1, "ns/page"),
                                   {{"second_pass_ns_per_page", 0}, {"faults_per_page", 1}})}));
}

TEST(VmCommentary, PrefaultWordsFollowTheTotalsAndTheCountedFaults) {
  const std::vector<core::Result> moved{
      with_metrics(make_result("vm.lazy_touch", 1), {{"total_ns_per_page", 2'000}}),
      with_metrics(make_result("vm.map_populate", 1),
                   {{"total_ns_per_page", 2'050}, {"use_ns_per_page", 1'900}}),
      with_metrics(make_result("vm.madv_willneed", 1), {{"use_faults_per_page", 0.2}})};
  const auto in = checked_rule("prefault", moved);
  ASSERT_TRUE(in);
  EXPECT_TRUE(has(in->text, "does not make the work disappear")) << in->text;
  EXPECT_FALSE(has(in->text, "that is the point")) << in->text;  // use ~ lazy: nothing gained
  EXPECT_TRUE(has(in->text, "nothing was gained at first use")) << in->text;
  EXPECT_FALSE(has(in->text, "prefaults nothing")) << in->text;
  EXPECT_TRUE(has(in->text, "prefaulted some")) << in->text;
  // A use dearer than the whole is inconsistent: silent.
  EXPECT_FALSE(checked_rule("prefault", {moved[0], with_metrics(make_result("vm.map_populate", 1),
                                                                {{"total_ns_per_page", 100},
                                                                 {"use_ns_per_page", 300}})}));
  EXPECT_FALSE(checked_rule(
      "prefault",
      {with_metrics(make_result("vm.lazy_touch", 1), {{"total_ns_per_page", 0}}), moved[1]}));
}

TEST(VmCommentary, ZeroPageNeedsTheCountedFaultsForItsClaims) {
  // No RSS growth, but the write did not fault again: no "pays twice".
  const auto once = checked_rule("zero_page", {with_metrics(make_result("vm.zero_page", 1),
                                                            {{"read_faults_per_page", 1},
                                                             {"write_faults_per_page", 0},
                                                             {"rss_growth_read_fraction", 0}})});
  ASSERT_TRUE(once);
  EXPECT_FALSE(has(once->text, "pays twice")) << once->text;
  // No read faults counted: no zero page is claimed.
  const auto no_faults = checked_rule(
      "zero_page",
      {with_metrics(make_result("vm.zero_page", 1), {{"read_faults_per_page", 0},
                                                     {"write_faults_per_page", 1},
                                                     {"rss_growth_read_fraction", 0}})});
  ASSERT_TRUE(no_faults);
  EXPECT_FALSE(has(no_faults->text, "because")) << no_faults->text;
  EXPECT_FALSE(checked_rule("zero_page", {with_metrics(make_result("vm.zero_page", 1),
                                                       {{"read_faults_per_page", 1},
                                                        {"write_faults_per_page", 1},
                                                        {"rss_growth_read_fraction", -0.2}})}));
}

TEST(VmCommentary, HugePagesFollowTheMeasuredHugeFraction) {
  // None of the region became huge: no "fewer faults", no speed comparison put on huge pages.
  const auto none = checked_rule("huge_pages", {thp({{"fault_reduction", 1.0},
                                                     {"huge_fraction", 0},
                                                     {"speedup_vs_4k", 1},
                                                     {"recycled_speedup_vs_4k", 1}})});
  ASSERT_TRUE(none);
  EXPECT_FALSE(has(none->text, "fewer faults")) << none->text;
  EXPECT_FALSE(has(none->text, "one per 2 MiB")) << none->text;
  EXPECT_FALSE(has(none->text, "Against 4 KiB pages")) << none->text;
  EXPECT_TRUE(has(none->text, "0% of the region became huge")) << none->text;
  // Half huge: "only", and not "one per 2 MiB instead of 512".
  const auto half =
      checked_rule("huge_pages", {thp({{"fault_reduction", 2}, {"huge_fraction", 0.5}})});
  ASSERT_TRUE(half);
  EXPECT_TRUE(has(half->text, "only 50%")) << half->text;
  EXPECT_FALSE(has(half->text, "instead of 512")) << half->text;
  // Slower fresh, faster reused: the wait for a fresh block is the likely cause, as said.
  const auto slow_first = checked_rule("huge_pages", {thp({{"fault_reduction", 512},
                                                           {"huge_fraction", 1},
                                                           {"speedup_vs_4k", 0.5},
                                                           {"recycled_speedup_vs_4k", 2}})});
  ASSERT_TRUE(slow_first);
  EXPECT_TRUE(has(slow_first->text, "Against 4 KiB pages they were 2.0x slower on first use"))
      << slow_first->text;
  EXPECT_TRUE(has(slow_first->text, "likely waited")) << slow_first->text;
  // Both equally fast: no waiting blamed.
  const auto even = checked_rule("huge_pages", {thp({{"fault_reduction", 512},
                                                     {"huge_fraction", 1},
                                                     {"speedup_vs_4k", 2},
                                                     {"recycled_speedup_vs_4k", 2.05}})});
  ASSERT_TRUE(even);
  EXPECT_FALSE(has(even->text, "waited")) << even->text;
  EXPECT_FALSE(checked_rule("huge_pages", {thp({{"fault_reduction", 0}, {"huge_fraction", 1}})}));
  EXPECT_FALSE(
      checked_rule("huge_pages", {thp({{"fault_reduction", 512}, {"huge_fraction", -1}})}));
}

TEST(VmCommentary, MallocAndFreeFollowTheMeasuredGrowthAndReturn) {
  const auto touched = checked_rule(
      "malloc_and_free",
      {with_metrics(make_result("vm.calloc_vs_memset", 1), {{"calloc_rss_growth_kib", 65000},
                                                            {"memset_rss_growth_kib", 65540},
                                                            {"memset_vs_calloc", 1.02}})});
  ASSERT_TRUE(touched);
  EXPECT_FALSE(has(touched->text, "nearly free")) << touched->text;
  EXPECT_TRUE(has(touched->text, "about as long")) << touched->text;
  // Served by mmap (counted): the cause is a fact, not "likely".
  const auto by_mmap = checked_rule(
      "malloc_and_free",
      {with_metrics(make_result("vm.calloc_vs_memset", 1), {{"calloc_rss_growth_kib", 4},
                                                            {"memset_rss_growth_kib", 65540},
                                                            {"memset_vs_calloc", 3000},
                                                            {"served_by_mmap", 1}})});
  ASSERT_TRUE(by_mmap);
  EXPECT_TRUE(has(by_mmap->text, "nearly free")) << by_mmap->text;
  EXPECT_FALSE(has(by_mmap->text, "likely")) << by_mmap->text;
  // A large block whose free returned only a fifth is not said to have been returned at once.
  const auto partial = checked_rule(
      "malloc_and_free",
      {with_metrics(make_result("vm.calloc_vs_memset", 1), {{"calloc_rss_growth_kib", 4},
                                                            {"memset_rss_growth_kib", 65540},
                                                            {"memset_vs_calloc", 3000}}),
       with_metrics(make_result("vm.free_returns_memory", 1), {{"retained_fraction", 0.9},
                                                               {"returned_by_trim_kib", 0},
                                                               {"large_returned_fraction", 0.2},
                                                               {"large_served_by_mmap", 1}})});
  ASSERT_TRUE(partial);
  EXPECT_FALSE(has(partial->text, "at once")) << partial->text;
  EXPECT_TRUE(has(partial->text, "returned 20% of it")) << partial->text;
  EXPECT_TRUE(has(partial->text, "gave back nothing measurable")) << partial->text;
  EXPECT_FALSE(checked_rule("malloc_and_free", {with_metrics(make_result("vm.calloc_vs_memset", 1),
                                                             {{"calloc_rss_growth_kib", -4},
                                                              {"memset_rss_growth_kib", 65540},
                                                              {"memset_vs_calloc", 3000}})}));
}

TEST(VmCommentary, MajorFaultIsPricedOnlyWhenItCostsMoreAndWasCounted) {
  const auto cached = checked_rule(
      "major_vs_minor", {make_result("vm.major_fault", 2'100, -1, "ns/fault"),
                         with_metrics(make_result("vm.minor_fault_file", 2'000, -1, "ns/fault"),
                                      {{"pages_per_fault", 1}})});
  ASSERT_TRUE(cached);
  EXPECT_FALSE(has(cached->text, "read from the device while")) << cached->text;
  EXPECT_TRUE(has(cached->text, "within noise")) << cached->text;
  EXPECT_TRUE(has(cached->text, "likely")) << cached->text;
  EXPECT_FALSE(has(cached->text, "fault-around over")) << cached->text;
  const auto uncounted = checked_rule(
      "major_vs_minor", {with_metrics(make_result("vm.major_fault", 50'000, -1, "ns/fault"),
                                      {{"major_faults_per_page", 0.1}}),
                         make_result("vm.minor_fault_file", 2'000, -1, "ns/fault")});
  ASSERT_TRUE(uncounted);
  EXPECT_FALSE(has(uncounted->text, "25x")) << uncounted->text;
  EXPECT_TRUE(has(uncounted->text, "does not price a major fault")) << uncounted->text;
}

TEST(VmCommentary, ReachWordsFollowTheHugeFractionAndTheCurve) {
  const auto no_huge = checked_rule("cache_and_tlb_reach", {reach({{"l1_ns", 1.1},
                                                                   {"dram_ns", 193},
                                                                   {"huge_vs_4k_at_largest", 0.5},
                                                                   {"huge_fraction", 0}})});
  ASSERT_TRUE(no_huge);
  EXPECT_FALSE(has(no_huge->text, "TLB entry")) << no_huge->text;
  EXPECT_TRUE(has(no_huge->text, "says nothing about huge pages")) << no_huge->text;
  const auto full = checked_rule("cache_and_tlb_reach", {reach({{"l1_ns", 1.1},
                                                                {"dram_ns", 193},
                                                                {"huge_vs_4k_at_largest", 0.5},
                                                                {"huge_fraction", 1}})});
  ASSERT_TRUE(full);
  EXPECT_TRUE(has(full->text, "(100% of the region)")) << full->text;
  EXPECT_TRUE(has(full->text, "likely because each TLB entry")) << full->text;
  const auto flat = checked_rule("cache_and_tlb_reach", {reach({{"l1_ns", 1.1},
                                                                {"dram_ns", 1.15},
                                                                {"huge_vs_4k_at_largest", 0.98},
                                                                {"huge_fraction", 1}})});
  ASSERT_TRUE(flat);
  EXPECT_FALSE(has(flat->text, "dominate")) << flat->text;
  EXPECT_TRUE(has(flat->text, "no cache effect")) << flat->text;
  EXPECT_TRUE(has(flat->text, "no TLB gain")) << flat->text;
  EXPECT_FALSE(checked_rule("cache_and_tlb_reach", {reach({{"l1_ns", 1.1}, {"dram_ns", -5}})}));
}

TEST(VmCommentary, FaultInFrameNeedsFaultsAndARise) {
  const auto flat = checked_rule(
      "fault_in_frame",
      {with_metrics(make_result("vm.frame_loop_faults", 1), {{"worst_frame_ms_faulting", 2.5},
                                                             {"worst_frame_ms_prefaulted", 2.4},
                                                             {"faults_per_frame", 2000},
                                                             {"missed_deadlines_faulting", 0},
                                                             {"major_fault_frame_ms", 2.45},
                                                             {"major_faults_in_frame", 1}})});
  ASSERT_TRUE(flat);
  EXPECT_FALSE(has(flat->text, "raised")) << flat->text;
  EXPECT_TRUE(has(flat->text, "within 10%")) << flat->text;
  EXPECT_FALSE(has(flat->text, "sleeps on the device")) << flat->text;
  // A "major fault frame" in which no major fault was counted is not quoted.
  const auto no_major = checked_rule(
      "fault_in_frame",
      {with_metrics(make_result("vm.frame_loop_faults", 1), {{"worst_frame_ms_faulting", 5.8},
                                                             {"worst_frame_ms_prefaulted", 2.4},
                                                             {"faults_per_frame", 2000},
                                                             {"missed_deadlines_faulting", 0},
                                                             {"major_fault_frame_ms", 30},
                                                             {"major_faults_in_frame", 0}})});
  ASSERT_TRUE(no_major);
  EXPECT_TRUE(has(no_major->text, "raised")) << no_major->text;
  EXPECT_FALSE(has(no_major->text, "major fault")) << no_major->text;
  EXPECT_FALSE(checked_rule("fault_in_frame", {with_metrics(make_result("vm.frame_loop_faults", 1),
                                                            {{"worst_frame_ms_faulting", 5.8},
                                                             {"worst_frame_ms_prefaulted", 2.4},
                                                             {"faults_per_frame", 0},
                                                             {"missed_deadlines_faulting", 0}})}));
}

// "Worst frame" is a span from the frame's scheduled start (a late wake-up included); the major
// fault's frame is its work. The sentence names the span as such and sets the major fault's
// work against a prefaulted frame's mean work, never against the worst span.
TEST(VmCommentary, FaultInFrameKeepsSpanAndWorkApart) {
  const auto in = checked_rule(
      "fault_in_frame",
      {with_metrics(make_result("vm.frame_loop_faults", 1), {{"worst_frame_ms_faulting", 1471},
                                                             {"worst_frame_ms_prefaulted", 5.06},
                                                             {"faults_per_frame", 2000},
                                                             {"missed_deadlines_faulting", 18},
                                                             {"major_fault_frame_ms", 6.61},
                                                             {"mean_work_ms_prefaulted", 1.13},
                                                             {"major_faults_in_frame", 1}})});
  ASSERT_TRUE(in);
  EXPECT_TRUE(has(in->text, "worst frame (scheduled start to done) from 5.06 ms")) << in->text;
  EXPECT_TRUE(has(in->text, "to 1.47 s")) << in->text;  // not "1471 ms"
  EXPECT_TRUE(has(in->text, "one major fault lasted 6.61 ms against 1.13 ms for a prefaulted "
                            "frame on average"))
      << in->text;
  // A major fault frame longer than the mean work but shorter than the worst span is still a
  // rise: the comparison is work with work.
  EXPECT_TRUE(has(in->text, "sleeps on the device")) << in->text;
  // Work no longer than a prefaulted frame's: no sleep on a device is claimed.
  const auto cached = checked_rule(
      "fault_in_frame",
      {with_metrics(make_result("vm.frame_loop_faults", 1), {{"worst_frame_ms_faulting", 1471},
                                                             {"worst_frame_ms_prefaulted", 5.06},
                                                             {"faults_per_frame", 2000},
                                                             {"missed_deadlines_faulting", 18},
                                                             {"major_fault_frame_ms", 1.15},
                                                             {"mean_work_ms_prefaulted", 1.13},
                                                             {"major_faults_in_frame", 1}})});
  ASSERT_TRUE(cached);
  EXPECT_FALSE(has(cached->text, "sleeps on the device")) << cached->text;
  EXPECT_TRUE(has(cached->text, "no longer than a prefaulted frame's 1.13 ms")) << cached->text;
}

TEST(VmCommentary, ChurnWithoutAStallBlamesNoFlush) {
  const auto calm =
      checked_rule("munmap_stalls_others", {churn({{"slow_batches_per_s_baseline", 500},
                                                   {"slow_batches_per_s_churn", 510},
                                                   {"p999_ratio", 1.02},
                                                   {"tlb_shootdowns_per_munmap", 1.0}})});
  ASSERT_TRUE(calm);
  EXPECT_TRUE(has(calm->text, "did not stall")) << calm->text;
  EXPECT_FALSE(has(calm->text, "flush")) << calm->text;
  EXPECT_FALSE(has(calm->text, "grow")) << calm->text;
  // The tail shrank and slow batches did not rise: no stall either.
  const auto better =
      checked_rule("munmap_stalls_others", {churn({{"slow_batches_per_s_baseline", 0},
                                                   {"slow_batches_per_s_churn", 0.5},
                                                   {"p999_ratio", 0.5}})});
  ASSERT_TRUE(better);
  EXPECT_TRUE(has(better->text, "shrink to 0.50x")) << better->text;
  EXPECT_FALSE(has(better->text, "interrupt")) << better->text;
  EXPECT_FALSE(checked_rule("munmap_stalls_others", {churn({{"slow_batches_per_s_baseline", 500},
                                                            {"slow_batches_per_s_churn", 1600},
                                                            {"p999_ratio", -8}})}));
}
