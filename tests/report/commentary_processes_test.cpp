// The Lab 3.1 commentary rules on hand-built results: each quotes the figures it was given and
// stays silent when an input is missing.
#include <gtest/gtest.h>

#include "report/checked_rule.h"
#include "report/commentary.h"
#include "synthetic.h"

using namespace illusion;
using illusion::testing::checked_rule;
using illusion::testing::has;
using illusion::testing::make_result;
using illusion::testing::make_skipped;
using illusion::testing::with_metrics;

namespace {

// A parent-size sweep row as processes/fork_size.cpp writes it: the fitted slope, the median
// at each size, and the largest size's stats (p50 in ns).
core::Result sweep(const std::string& id, double slope_us_per_gib, double p50_us_at_0,
                   double p50_us_at_1024) {
  core::Result r = with_metrics(make_result(id, p50_us_at_1024 * 1e3),
                                {{"slope_us_per_gib", slope_us_per_gib},
                                 {"p50_us_at_0MiB", p50_us_at_0},
                                 {"p50_us_at_64MiB", p50_us_at_0 + slope_us_per_gib / 16},
                                 {"p50_us_at_1024MiB", p50_us_at_1024}});
  return r;
}

std::vector<core::Result> flat_helpers() {
  return {sweep("processes.vfork_vs_size", 12, 150, 150.012),
          sweep("processes.spawn_vs_size", -3, 400, 399.997)};
}

}  // namespace

TEST(ProcessCommentary, ProcessVsThreadQuotesBothAndTheRate) {
  const std::vector<core::Result> rs{make_result("processes.pthread_create", 40'000),
                                     make_result("processes.fork_exit", 200'000)};
  const auto in = checked_rule("process_vs_thread", rs);
  ASSERT_TRUE(in);
  EXPECT_TRUE(has(in->text, "200 µs")) << in->text;
  EXPECT_TRUE(has(in->text, "40.0 µs")) << in->text;
  EXPECT_TRUE(has(in->text, "5.0x")) << in->text;
  EXPECT_TRUE(has(in->text, "5,000 processes")) << in->text;
  EXPECT_TRUE(has(in->text, "25,000 threads")) << in->text;
  // The address space is the likely cause: not counted by these two rows.
  EXPECT_TRUE(has(in->text, "likely the new address space")) << in->text;
}

TEST(ProcessCommentary, ProcessVsThreadWithinNoiseOrReversed) {
  const auto same =
      checked_rule("process_vs_thread", {make_result("processes.pthread_create", 40'000),
                                         make_result("processes.fork_exit", 42'000)});
  ASSERT_TRUE(same);
  EXPECT_FALSE(has(same->text, "address space fork builds")) << same->text;
  EXPECT_TRUE(has(same->text, "the same within noise")) << same->text;
  const auto reversed =
      checked_rule("process_vs_thread", {make_result("processes.pthread_create", 40'000),
                                         make_result("processes.fork_exit", 20'000)});
  ASSERT_TRUE(reversed);
  EXPECT_TRUE(has(reversed->text, "less than a thread's 40.0 µs")) << reversed->text;
  EXPECT_FALSE(has(reversed->text, "address space fork builds")) << reversed->text;
}

TEST(ProcessCommentary, ProcessVsThreadSilentWithoutFork) {
  EXPECT_FALSE(checked_rule("process_vs_thread", {make_result("processes.pthread_create", 1)}));
  EXPECT_FALSE(checked_rule("process_vs_thread", {make_result("processes.pthread_create", 1),
                                                  make_skipped("processes.fork_exit", "x")}));
}

TEST(ProcessCommentary, ForkSlopeWithVforkSpawnAndThp) {
  std::vector<core::Result> rs{sweep("processes.fork_vs_size", 35'000, 200, 35'200),
                               with_metrics(make_result("processes.fork_thp_1g", 1),
                                            {{"speedup_vs_4k", 20}, {"huge_fraction", 1.0}})};
  for (auto& h : flat_helpers()) rs.push_back(h);
  rs[0].add_metric("page_tables_kib_at_0MiB", 300, "KiB");
  rs[0].add_metric("page_tables_kib_at_1024MiB", 2'400, "KiB");
  const auto in = checked_rule("fork_grows_with_memory", rs);
  ASSERT_TRUE(in);
  EXPECT_TRUE(has(in->text, "gets slower as the parent grows: 35.0 ms more per GiB")) << in->text;
  // The cause is counted here: the page tables grew with the parent.
  EXPECT_TRUE(has(in->text, ", because it copies the page tables")) << in->text;
  EXPECT_TRUE(has(in->text, "from 300 KiB at 0 MiB to 2400 KiB at 1024 MiB")) << in->text;
  EXPECT_TRUE(has(in->text,
                  "vfork (12.0 µs per GiB) and posix_spawn (-3.00 µs per GiB) stay "
                  "flat within noise"))
      << in->text;
  EXPECT_TRUE(has(in->text, "pays the copy only to throw it away")) << in->text;
  EXPECT_TRUE(has(in->text, "20x faster (100% of it in huge pages)")) << in->text;
  EXPECT_FALSE(checked_rule("fork_grows_with_memory", {make_result("processes.fork_vs_size", 1)}));
}

TEST(ProcessCommentary, ForkSlopeCauseIsLikelyWithoutPageTableCounts) {
  const auto in = checked_rule("fork_grows_with_memory",
                               {sweep("processes.fork_vs_size", 35'000, 200, 35'200)});
  ASSERT_TRUE(in);
  EXPECT_TRUE(has(in->text, "most likely because it copies")) << in->text;
}

TEST(ProcessCommentary, ForkSlopeWithinNoiseIsFlatAndANegativeOneIsTurnedAround) {
  // 5 µs per GiB over 1 GiB against a 200 µs fork: 2.5%, under the 10% flat share.
  const auto flat =
      checked_rule("fork_grows_with_memory", {sweep("processes.fork_vs_size", 5, 200, 205)});
  ASSERT_TRUE(flat);
  EXPECT_FALSE(has(flat->text, "gets slower")) << flat->text;
  EXPECT_TRUE(has(flat->text, "stayed flat")) << flat->text;
  // A steep slope inside the largest size's noise (a MAD of 1 ms over 5 samples) is flat too.
  core::Result noisy = sweep("processes.fork_vs_size", 400, 200, 600);
  noisy.stats->mad = 1e6;
  noisy.stats->n = 5;
  const auto within = checked_rule("fork_grows_with_memory", {noisy});
  ASSERT_TRUE(within);
  EXPECT_TRUE(has(within->text, "stayed flat")) << within->text;
  const auto negative = checked_rule("fork_grows_with_memory",
                                     {sweep("processes.fork_vs_size", -5'000, 6'000, 1'000)});
  ASSERT_TRUE(negative);
  EXPECT_FALSE(has(negative->text, "gets slower")) << negative->text;
  EXPECT_TRUE(has(negative->text, "got faster as the parent grew")) << negative->text;
  // Without the per-size medians, no direction at all.
  const auto unjudged = checked_rule(
      "fork_grows_with_memory",
      {with_metrics(make_result("processes.fork_vs_size", 1), {{"slope_us_per_gib", 35'000}})});
  ASSERT_TRUE(unjudged);
  EXPECT_FALSE(has(unjudged->text, "slower")) << unjudged->text;
  EXPECT_TRUE(has(unjudged->text, "changed by 35.0 ms per GiB")) << unjudged->text;
}

TEST(ProcessCommentary, GrowingHelpersAreNotCalledFlat) {
  std::vector<core::Result> rs{sweep("processes.fork_vs_size", 35'000, 200, 35'200),
                               sweep("processes.vfork_vs_size", 20'000, 150, 20'150),
                               sweep("processes.spawn_vs_size", -3, 400, 399.997)};
  const auto in = checked_rule("fork_grows_with_memory", rs);
  ASSERT_TRUE(in);
  EXPECT_FALSE(has(in->text, "stay flat")) << in->text;
  EXPECT_FALSE(has(in->text, "throw it away")) << in->text;
  EXPECT_TRUE(has(in->text, "vfork: 20.0 ms per GiB (grows)")) << in->text;
  EXPECT_TRUE(has(in->text, "posix_spawn: -3.00 µs per GiB (flat within noise)")) << in->text;
}

TEST(ProcessCommentary, ThpClauseFollowsSpeedupAndHugeFraction) {
  auto with_thp = [](double speedup, double fraction) {
    return checked_rule("fork_grows_with_memory",
                        {sweep("processes.fork_vs_size", 35'000, 200, 35'200),
                         with_metrics(make_result("processes.fork_thp_1g", 1),
                                      {{"speedup_vs_4k", speedup}, {"huge_fraction", fraction}})});
  };
  const auto same = with_thp(1.04, 1.0);
  ASSERT_TRUE(same);
  EXPECT_TRUE(has(same->text, "forked no faster (1.0x)")) << same->text;
  const auto slower = with_thp(0.5, 1.0);
  ASSERT_TRUE(slower);
  EXPECT_TRUE(has(slower->text, "forked 2.0x slower")) << slower->text;
  const auto few_huge = with_thp(3, 0.3);
  ASSERT_TRUE(few_huge);
  EXPECT_TRUE(has(few_huge->text, "only 30% of it was in huge pages")) << few_huge->text;
  EXPECT_FALSE(has(few_huge->text, "instead of 512")) << few_huge->text;
}

TEST(ProcessCommentary, CopyOnWrite) {
  const std::vector<core::Result> rs{
      with_metrics(make_result("processes.cow_write_fault", 2'500, -1, "ns/fault"),
                   {{"minor_faults_per_page", 1}}),
      make_result("processes.first_touch_fault", 1'800, -1, "ns/fault"),
      with_metrics(make_result("processes.cow_read_no_fault", 300, -1, "ns/page"),
                   {{"faults_per_page", 0}})};
  const auto in = checked_rule("copy_on_write", rs);
  ASSERT_TRUE(in);
  EXPECT_TRUE(has(in->text, "2.50 µs")) << in->text;
  EXPECT_TRUE(has(in->text, "1.80 µs")) << in->text;
  EXPECT_TRUE(has(in->text, "0 faults per page read")) << in->text;
  EXPECT_FALSE(checked_rule("copy_on_write", {rs[0]}));
}

TEST(ProcessCommentary, CopyOnWriteFollowsTheFaultCounts) {
  std::vector<core::Result> rs{
      with_metrics(make_result("processes.cow_write_fault", 2'500, -1, "ns/fault"),
                   {{"minor_faults_per_page", 0}}),
      make_result("processes.first_touch_fault", 1'800, -1, "ns/fault"),
      with_metrics(make_result("processes.cow_read_no_fault", 300, -1, "ns/page"),
                   {{"faults_per_page", 1}})};
  const auto in = checked_rule("copy_on_write", rs);
  ASSERT_TRUE(in);
  EXPECT_FALSE(has(in->text, "each page the child writes takes")) << in->text;
  EXPECT_TRUE(has(in->text, "no copy-on-write fault per page showed")) << in->text;
  EXPECT_FALSE(has(in->text, "stay shared")) << in->text;
  EXPECT_TRUE(has(in->text, "faulted too: 1.00 faults per page read")) << in->text;
  rs[0] = with_metrics(make_result("processes.cow_write_fault", 2'500, -1, "ns/fault"),
                       {{"minor_faults_per_page", -1}});
  EXPECT_FALSE(checked_rule("copy_on_write", rs));
}

TEST(ProcessCommentary, MemoryPerUnit) {
  const std::vector<core::Result> rs{
      with_metrics(make_result("processes.spawn_threads_100", 1),
                   {{"rss_per_thread_kib", 8}, {"stack_virtual_kib", 8192}}),
      with_metrics(make_result("processes.spawn_processes_100", 1),
                   {{"pss_per_process_kib", 70}, {"page_tables_per_process_kib", 76}})};
  const auto in = checked_rule("memory_per_unit", rs);
  ASSERT_TRUE(in);
  EXPECT_TRUE(has(in->text, "8.00 KiB")) << in->text;
  EXPECT_TRUE(has(in->text, "8190 KiB") || has(in->text, "8192 KiB")) << in->text;
  EXPECT_TRUE(has(in->text, "70.0 KiB")) << in->text;
  EXPECT_TRUE(has(in->text, "76.0 KiB of page tables")) << in->text;
  // Without the children's RSS the sharing is not claimed.
  EXPECT_FALSE(has(in->text, "cost little memory")) << in->text;
  EXPECT_FALSE(checked_rule("memory_per_unit", {rs[0]}));
}

TEST(ProcessCommentary, MemoryPerUnitClaimsSharingOnlyWhenMeasured) {
  auto run = [](double pss, double rss, double thread_rss) {
    return checked_rule(
        "memory_per_unit",
        {with_metrics(make_result("processes.spawn_threads_100", 1),
                      {{"rss_per_thread_kib", thread_rss}, {"stack_virtual_kib", 8192}}),
         with_metrics(make_result("processes.spawn_processes_100", 1),
                      {{"pss_per_process_kib", pss}, {"rss_per_process_kib", rss}})});
  };
  const auto shared = run(70, 3'000, 8);
  ASSERT_TRUE(shared);
  EXPECT_TRUE(has(shared->text, "against 3000 KiB each maps resident")) << shared->text;
  EXPECT_TRUE(has(shared->text, "cost little memory")) << shared->text;
  const auto unshared = run(2'900, 3'000, 8);
  ASSERT_TRUE(unshared);
  EXPECT_FALSE(has(unshared->text, "cost little memory")) << unshared->text;
  EXPECT_TRUE(has(unshared->text, "shared little")) << unshared->text;
  // A thread that made most of its stack resident: "virtual until touched" is not said.
  const auto touched = run(70, 3'000, 8'000);
  ASSERT_TRUE(touched);
  EXPECT_FALSE(has(touched->text, "virtual until touched")) << touched->text;
  EXPECT_FALSE(run(-1, 3'000, 8));
}

TEST(ProcessCommentary, IsolationOutcomes) {
  const std::vector<core::Result> rs{
      with_metrics(make_result("processes.crash_in_child", 1, -1, "ns/run"),
                   {{"sigsegv_seen", 5}, {"runs", 5}}),
      with_metrics(make_result("processes.stray_write_thread", 1, -1, "ns/run"),
                   {{"corrupted_runs", 3}, {"runs", 3}}),
      with_metrics(make_result("processes.stray_write_process", 1, -1, "ns/run"),
                   {{"parent_corrupted_runs", 0}})};
  const auto in = checked_rule("isolation_outcomes", rs);
  ASSERT_TRUE(in);
  EXPECT_TRUE(has(in->text, "5 of 5 children")) << in->text;
  EXPECT_TRUE(has(in->text, "3 of 3 runs")) << in->text;
  EXPECT_TRUE(has(in->text, "reached the parent in 0 runs")) << in->text;
  EXPECT_TRUE(has(in->text, "What the cost buys")) << in->text;
  EXPECT_TRUE(has(in->text, "Use processes where")) << in->text;
  EXPECT_FALSE(checked_rule("isolation_outcomes", {rs[0]}));
}

TEST(ProcessCommentary, IsolationAdviceOnlyWhenTheRunShowedIt) {
  auto run = [](double crashes, double corrupted, double parent) {
    return checked_rule("isolation_outcomes",
                        {with_metrics(make_result("processes.crash_in_child", 1, -1, "ns/run"),
                                      {{"sigsegv_seen", crashes}, {"runs", 5}}),
                         with_metrics(make_result("processes.stray_write_thread", 1, -1, "ns/run"),
                                      {{"corrupted_runs", corrupted}, {"runs", 3}}),
                         with_metrics(make_result("processes.stray_write_process", 1, -1, "ns/run"),
                                      {{"parent_corrupted_runs", parent}})});
  };
  for (const auto& in : {run(3, 3, 0), run(5, 0, 0), run(5, 3, 2)}) {
    ASSERT_TRUE(in);
    EXPECT_FALSE(has(in->text, "What the cost buys")) << in->text;
    EXPECT_FALSE(has(in->text, "Use processes where")) << in->text;
    EXPECT_TRUE(has(in->text, "did not show the isolation difference")) << in->text;
  }
  EXPECT_FALSE(run(-1, 3, 0));
  EXPECT_FALSE(run(6, 3, 0));  // more crashes than runs: the inputs are broken
}
