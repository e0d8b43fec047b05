// The cross-lab commentary rules on hand-built results: each quotes the figures it was given,
// and stays silent when its inputs are missing.
#include <gtest/gtest.h>

#include "report/commentary.h"
#include "synthetic.h"

using namespace illusion;
using illusion::testing::has;
using illusion::testing::make_result;
using illusion::testing::with_metrics;

TEST(SummaryCommentary, KernelBypassSplitsTheReadIntoCopyAndKernel) {
  const std::vector<core::Result> rs{make_result("mmap_vs_read.rand_pread_warm", 1'140),
                                     make_result("mmap_vs_read.rand_copy_warm", 660),
                                     make_result("syscalls.getppid_raw", 164),
                                     make_result("mmap_vs_read.rand_pread_cold", 63'600)};
  const auto in = report::rules::kernel_bypass(rs);
  ASSERT_TRUE(in);
  EXPECT_TRUE(has(in->text, "costs 1.14 µs")) << in->text;
  EXPECT_TRUE(has(in->text, "costs 660 ns")) << in->text;
  EXPECT_TRUE(has(in->text, "The other 480 ns (42% of the read)")) << in->text;
  EXPECT_TRUE(has(in->text, "entry and exit is 164 ns")) << in->text;
  EXPECT_TRUE(has(in->text, "keeps 0.480 CPUs busy")) << in->text;
  EXPECT_TRUE(has(in->text, "costs 63.6 µs")) << in->text;
  EXPECT_TRUE(has(in->text, "0.75% of the wait")) << in->text;
  // The syscall and the disk are optional; the two 4 KiB paths are not.
  const auto bare = report::rules::kernel_bypass({rs[0], rs[1]});
  ASSERT_TRUE(bare);
  EXPECT_FALSE(has(bare->text, "disk")) << bare->text;
  EXPECT_FALSE(report::rules::kernel_bypass({rs[0], rs[2], rs[3]}));
  EXPECT_FALSE(report::rules::kernel_bypass({rs[1], rs[2]}));
}

TEST(SummaryCommentary, KernelBypassSaysSoWhenTheCopyCostsAsMuch) {
  const auto in = report::rules::kernel_bypass({make_result("mmap_vs_read.rand_pread_warm", 600),
                                                make_result("mmap_vs_read.rand_copy_warm", 640)});
  ASSERT_TRUE(in);
  EXPECT_TRUE(has(in->text, "no gain")) << in->text;
  EXPECT_FALSE(has(in->text, "CPUs busy")) << in->text;
}

TEST(SummaryCommentary, AmortisedCostsListsEachMeasuredAmortisation) {
  const std::vector<core::Result> rs{
      make_result("processes.pthread_create", 33'000),
      make_result("scheduling.futex_same_cpu", 1'500),
      make_result("syscalls.read_4k", 120, -1, "ns/KiB"),
      make_result("syscalls.read_1m", 80, -1, "ns/KiB"),
      make_result("syscalls.uring_batch_1", 400, -1, "ns/KiB"),
      make_result("syscalls.uring_batch_64", 100, -1, "ns/KiB"),
      with_metrics(make_result("vm.thp_fault", 90'000, -1, "ns/2MiB"), {{"fault_reduction", 512}}),
      make_result("vm.first_touch", 700, -1, "ns/page"),
      with_metrics(make_result("vm.map_populate", 300, -1, "ns/page"), {{"use_ns_per_page", 20}}),
  };
  const auto in = report::rules::amortised_costs(rs);
  ASSERT_TRUE(in);
  EXPECT_TRUE(has(in->text, "(1.50 µs per futex switch)")) << in->text;
  EXPECT_TRUE(has(in->text, "(33.0 µs), 22x cheaper")) << in->text;
  EXPECT_TRUE(has(in->text, "1.5x cheaper than 4 KiB calls")) << in->text;
  EXPECT_TRUE(has(in->text, "is 4.0x cheaper per byte")) << in->text;
  EXPECT_TRUE(has(in->text, "512x fewer faults")) << in->text;
  EXPECT_TRUE(has(in->text, "costs 20.0 ns instead of a 700 ns fault")) << in->text;
  EXPECT_EQ(in->values.size(), 5u);
  // One amortisation alone is the lab's own rule, not a summary.
  EXPECT_FALSE(report::rules::amortised_costs({rs[0], rs[1]}));
  EXPECT_TRUE(report::rules::amortised_costs({rs[0], rs[1], rs[2], rs[3]}));
  EXPECT_FALSE(report::rules::amortised_costs({}));
}

TEST(SummaryCommentary, HotPathQuotesTheTailsAgainstTheFrame) {
  const std::vector<core::Result> rs{
      make_result("syscalls.getppid_raw", 164),
      make_result("vm.major_fault", 90'000, 1'110'000, "ns/fault"),
      make_result("mmap_vs_read.rand_pread_cold", 63'600, 200'000),
      make_result("scheduling.futex_cross_cpu", 20'800, 38'400),
      make_result("processes.pthread_create", 33'000),
      make_result("vm.first_touch", 250, -1, "ns/page"),
  };
  const auto in = report::rules::hot_path(rs);
  ASSERT_TRUE(in);
  EXPECT_TRUE(has(in->text, "a 90 Hz frame is 11.1 ms")) << in->text;
  EXPECT_TRUE(has(in->text, "(164 ns, 0.0015% of it)")) << in->text;
  EXPECT_TRUE(has(in->text, "p99 is 1.11 ms (10% of the frame)")) << in->text;
  EXPECT_TRUE(has(in->text, "38.4 µs")) << in->text;
  EXPECT_TRUE(has(in->text, "(16,384 minor faults) takes 4.10 ms (37% of the frame)")) << in->text;
  EXPECT_FALSE(has(in->text, "and and")) << in->text;
  // Without the syscall the sentence still reads; with one tail alone the rule is silent.
  const auto no_sys = report::rules::hot_path({rs[1], rs[2]});
  ASSERT_TRUE(no_sys);
  EXPECT_TRUE(has(no_sys->text, "Against it: a major fault")) << no_sys->text;
  EXPECT_FALSE(report::rules::hot_path({rs[0], rs[1]}));
}

TEST(SummaryCommentary, RulesRunInTheFullCommentary) {
  const std::vector<core::Result> rs{make_result("mmap_vs_read.rand_pread_warm", 1'140),
                                     make_result("mmap_vs_read.rand_copy_warm", 660)};
  const auto all = report::commentary(rs);
  ASSERT_EQ(all.size(), 1u);
  EXPECT_EQ(all[0].id, "kernel_bypass");
}
