// The Lab 3.1 commentary rules on hand-built results: each quotes the figures it was given and
// stays silent when an input is missing.
#include <gtest/gtest.h>

#include "report/commentary.h"
#include "synthetic.h"

using namespace illusion;
using illusion::testing::has;
using illusion::testing::make_result;
using illusion::testing::with_metrics;
using illusion::testing::make_skipped;

TEST(ProcessCommentary, ProcessVsThreadQuotesBothAndTheRate) {
  const std::vector<core::Result> rs{make_result("processes.pthread_create", 40'000),
                                     make_result("processes.fork_exit", 200'000)};
  const auto in = report::rules::process_vs_thread(rs);
  ASSERT_TRUE(in);
  EXPECT_TRUE(has(in->text, "200 µs")) << in->text;
  EXPECT_TRUE(has(in->text, "40.0 µs")) << in->text;
  EXPECT_TRUE(has(in->text, "5.0x")) << in->text;
  EXPECT_TRUE(has(in->text, "5,000 processes")) << in->text;
  EXPECT_TRUE(has(in->text, "25,000 threads")) << in->text;
}

TEST(ProcessCommentary, ProcessVsThreadSilentWithoutFork) {
  EXPECT_FALSE(report::rules::process_vs_thread({make_result("processes.pthread_create", 1)}));
  EXPECT_FALSE(report::rules::process_vs_thread(
      {make_result("processes.pthread_create", 1), make_skipped("processes.fork_exit", "x")}));
}

TEST(ProcessCommentary, ForkSlopeWithVforkSpawnAndThp) {
  const std::vector<core::Result> rs{
      with_metrics(make_result("processes.fork_vs_size", 1), {{"slope_us_per_gib", 35'000}}),
      with_metrics(make_result("processes.vfork_vs_size", 1), {{"slope_us_per_gib", 12}}),
      with_metrics(make_result("processes.spawn_vs_size", 1), {{"slope_us_per_gib", -3}}),
      with_metrics(make_result("processes.fork_thp_1g", 1), {{"speedup_vs_4k", 20}})};
  const auto in = report::rules::fork_grows_with_memory(rs);
  ASSERT_TRUE(in);
  EXPECT_TRUE(has(in->text, "35.0 ms more per GiB")) << in->text;
  EXPECT_TRUE(has(in->text, "vfork (12.0 µs per GiB)")) << in->text;
  EXPECT_TRUE(has(in->text, "posix_spawn (-3.00 µs per GiB)")) << in->text;
  EXPECT_TRUE(has(in->text, "20x faster")) << in->text;
  EXPECT_FALSE(report::rules::fork_grows_with_memory({make_result("processes.fork_vs_size", 1)}));
}

TEST(ProcessCommentary, CopyOnWrite) {
  const std::vector<core::Result> rs{
      with_metrics(make_result("processes.cow_write_fault", 2'500, -1, "ns/fault"),
                   {{"minor_faults_per_page", 1}}),
      make_result("processes.first_touch_fault", 1'800, -1, "ns/fault"),
      with_metrics(make_result("processes.cow_read_no_fault", 300, -1, "ns/page"),
                   {{"faults_per_page", 0}})};
  const auto in = report::rules::copy_on_write(rs);
  ASSERT_TRUE(in);
  EXPECT_TRUE(has(in->text, "2.50 µs")) << in->text;
  EXPECT_TRUE(has(in->text, "1.80 µs")) << in->text;
  EXPECT_TRUE(has(in->text, "0 faults per page read")) << in->text;
  EXPECT_FALSE(report::rules::copy_on_write({rs[0]}));
}

TEST(ProcessCommentary, MemoryPerUnit) {
  const std::vector<core::Result> rs{
      with_metrics(make_result("processes.spawn_threads_100", 1),
                   {{"rss_per_thread_kib", 8}, {"stack_virtual_kib", 8192}}),
      with_metrics(make_result("processes.spawn_processes_100", 1),
                   {{"pss_per_process_kib", 70}, {"page_tables_per_process_kib", 76}})};
  const auto in = report::rules::memory_per_unit(rs);
  ASSERT_TRUE(in);
  EXPECT_TRUE(has(in->text, "8.00 KiB")) << in->text;
  EXPECT_TRUE(has(in->text, "8190 KiB") || has(in->text, "8192 KiB")) << in->text;
  EXPECT_TRUE(has(in->text, "70.0 KiB")) << in->text;
  EXPECT_TRUE(has(in->text, "76.0 KiB of page tables")) << in->text;
  EXPECT_FALSE(report::rules::memory_per_unit({rs[0]}));
}

TEST(ProcessCommentary, IsolationOutcomes) {
  const std::vector<core::Result> rs{
      with_metrics(make_result("processes.crash_in_child", 1, -1, "ns/run"),
                   {{"sigsegv_seen", 5}, {"runs", 5}}),
      with_metrics(make_result("processes.stray_write_thread", 1, -1, "ns/run"),
                   {{"corrupted_runs", 3}, {"runs", 3}}),
      with_metrics(make_result("processes.stray_write_process", 1, -1, "ns/run"),
                   {{"parent_corrupted_runs", 0}})};
  const auto in = report::rules::isolation_outcomes(rs);
  ASSERT_TRUE(in);
  EXPECT_TRUE(has(in->text, "5 of 5 children")) << in->text;
  EXPECT_TRUE(has(in->text, "3 of 3 runs")) << in->text;
  EXPECT_TRUE(has(in->text, "reached the parent in 0 runs")) << in->text;
  EXPECT_FALSE(report::rules::isolation_outcomes({rs[0]}));
}
