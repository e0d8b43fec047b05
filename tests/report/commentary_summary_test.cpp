// The cross-lab commentary rules on hand-built results: each quotes the figures it was given,
// and stays silent when its inputs are missing.
#include <gtest/gtest.h>

#include "report/checked_rule.h"
#include "report/commentary.h"
#include "synthetic.h"

using namespace illusion;
using illusion::testing::checked_rule;
using illusion::testing::has;
using illusion::testing::make_result;
using illusion::testing::with_metrics;

TEST(SummaryCommentary, KernelBypassSplitsTheReadIntoCopyAndKernel) {
  const std::vector<core::Result> rs{make_result("mmap_vs_read.rand_pread_warm", 1'140),
                                     make_result("mmap_vs_read.rand_copy_warm", 660),
                                     make_result("syscalls.getppid_raw", 164),
                                     make_result("mmap_vs_read.rand_pread_cold", 63'600)};
  const auto in = checked_rule("kernel_bypass", rs);
  ASSERT_TRUE(in);
  EXPECT_TRUE(has(in->text, "costs 1.14 µs")) << in->text;
  EXPECT_TRUE(has(in->text, "costs 660 ns")) << in->text;
  EXPECT_TRUE(has(in->text, "The other 480 ns (42% of the read)")) << in->text;
  EXPECT_TRUE(has(in->text, "entry and exit is 164 ns")) << in->text;
  EXPECT_TRUE(has(in->text, "keeps 0.480 CPUs busy")) << in->text;
  EXPECT_TRUE(has(in->text, "costs 63.6 µs")) << in->text;
  EXPECT_TRUE(has(in->text, "0.75% of the wait")) << in->text;
  // The syscall and the disk are optional; the two 4 KiB paths are not.
  const auto bare = checked_rule("kernel_bypass", {rs[0], rs[1]});
  ASSERT_TRUE(bare);
  EXPECT_FALSE(has(bare->text, "disk")) << bare->text;
  EXPECT_FALSE(checked_rule("kernel_bypass", {rs[0], rs[2], rs[3]}));
  EXPECT_FALSE(checked_rule("kernel_bypass", {rs[1], rs[2]}));
}

TEST(SummaryCommentary, KernelBypassSaysSoWhenTheCopyCostsAsMuch) {
  const auto in = checked_rule("kernel_bypass", {make_result("mmap_vs_read.rand_pread_warm", 600),
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
  const auto in = checked_rule("amortised_costs", rs);
  ASSERT_TRUE(in);
  EXPECT_TRUE(has(in->text, "instead of creating one (33.0 µs): 1.50 µs per futex switch on the "
                            "same CPU, 22x cheaper")) << in->text;
  EXPECT_TRUE(has(in->text, "(a hand-off to another CPU was not measured)")) << in->text;
  EXPECT_TRUE(has(in->text, "1.5x cheaper than 4 KiB calls")) << in->text;
  EXPECT_TRUE(has(in->text, "is 4.0x cheaper per byte")) << in->text;
  EXPECT_TRUE(has(in->text, "512x fewer faults")) << in->text;
  EXPECT_TRUE(has(in->text, "costs 20.0 ns instead of a 700 ns fault")) << in->text;
  EXPECT_EQ(in->values.size(), 5u);
  // One amortisation alone is the lab's own rule, not a summary.
  EXPECT_FALSE(checked_rule("amortised_costs", {rs[0], rs[1]}));
  EXPECT_TRUE(checked_rule("amortised_costs", {rs[0], rs[1], rs[2], rs[3]}));
  EXPECT_FALSE(checked_rule("amortised_costs", {}));
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
  const auto in = checked_rule("hot_path", rs);
  ASSERT_TRUE(in);
  EXPECT_TRUE(has(in->text, "a 90 Hz frame is 11.1 ms")) << in->text;
  EXPECT_TRUE(has(in->text, "(164 ns, 0.0015% of it)")) << in->text;
  EXPECT_TRUE(has(in->text, "p99 is 1.11 ms (10% of the frame)")) << in->text;
  EXPECT_TRUE(has(in->text, "38.4 µs")) << in->text;
  // Without the fresh-buffer row the 64 MiB figure is an estimate, and says so.
  EXPECT_TRUE(has(in->text, "would take an estimated 4.10 ms (37% of the frame; per-page p50 x "
                            "16,384 pages, not measured whole)")) << in->text;
  EXPECT_FALSE(has(in->text, "minor faults counted")) << in->text;
  EXPECT_FALSE(has(in->text, "and and")) << in->text;
  // Without the syscall the sentence still reads; with one tail alone the rule is silent.
  const auto no_sys = checked_rule("hot_path", {rs[1], rs[2]});
  ASSERT_TRUE(no_sys);
  EXPECT_TRUE(has(no_sys->text, "Against it: a major fault")) << no_sys->text;
  EXPECT_FALSE(checked_rule("hot_path", {rs[0], rs[1]}));
}

TEST(SummaryCommentary, RulesRunInTheFullCommentary) {
  const std::vector<core::Result> rs{make_result("mmap_vs_read.rand_pread_warm", 1'140),
                                     make_result("mmap_vs_read.rand_copy_warm", 660)};
  const auto all = report::commentary(rs);
  ASSERT_EQ(all.size(), 1u);
  EXPECT_EQ(all[0].id, "kernel_bypass");
}

// ---- Unfavourable inputs and the measured fresh buffer. ----

namespace {

core::Result fresh_buffer(double p50_ns, double first_ns) {
  return with_metrics(make_result("vm.fresh_64m_first_touch", p50_ns, -1, "ns/64MiB"),
                      {{"faults_per_op", 16'390}, {"first_ns", first_ns}});
}

}  // namespace

TEST(SummaryCommentary, KernelBypassClaimsNoPartLargerThanTheWholeNorADeviceThatDidNotDominate) {
  const auto in =
      checked_rule("kernel_bypass", {make_result("mmap_vs_read.rand_pread_warm", 1'140),
                                     make_result("mmap_vs_read.rand_copy_warm", 660),
                                     make_result("syscalls.getppid_raw", 600),
                                     make_result("mmap_vs_read.rand_pread_cold", 1'200)});
  ASSERT_TRUE(in);
  EXPECT_FALSE(has(in->text, "of which")) << in->text;
  EXPECT_TRUE(has(in->text, "no less than the whole difference")) << in->text;
  EXPECT_FALSE(has(in->text, "device dominates")) << in->text;
  EXPECT_TRUE(has(in->text, "not clearly more")) << in->text;
  // A 30% gap inside the rows' own spread is noise: no gain claimed.
  core::Result pread = make_result("mmap_vs_read.rand_pread_warm", 860);
  core::Result copy = make_result("mmap_vs_read.rand_copy_warm", 660);
  pread.stats->mad = copy.stats->mad = 1'000;
  const auto noisy = checked_rule("kernel_bypass", {pread, copy});
  ASSERT_TRUE(noisy);
  EXPECT_TRUE(has(noisy->text, "within noise")) << noisy->text;
  EXPECT_FALSE(has(noisy->text, "CPUs busy")) << noisy->text;
}

TEST(SummaryCommentary, ThreadPoolQuotesTheSameCpuAndTheCrossCpuHandOff) {
  const core::Result create = make_result("processes.pthread_create", 33'000);
  const core::Result same = make_result("scheduling.futex_same_cpu", 1'500);
  const core::Result reads_4k = make_result("syscalls.read_4k", 120, -1, "ns/KiB");
  const core::Result reads_1m = make_result("syscalls.read_1m", 80, -1, "ns/KiB");
  const auto cheaper = checked_rule(
      "amortised_costs",
      {create, same, make_result("scheduling.futex_cross_cpu", 20'800), reads_4k, reads_1m});
  ASSERT_TRUE(cheaper);
  EXPECT_TRUE(has(cheaper->text, "1.50 µs per futex switch on the same CPU, 22x cheaper, and "
                                 "20.8 µs to another CPU, 1.6x cheaper")) << cheaper->text;
  // A pool on several cores pays the cross-CPU hand-off: dearer than a thread here, said so.
  const auto dearer = checked_rule(
      "amortised_costs",
      {create, same, make_result("scheduling.futex_cross_cpu", 40'000), reads_4k, reads_1m});
  ASSERT_TRUE(dearer);
  EXPECT_TRUE(has(dearer->text, "but 40.0 µs to another CPU, dearer than creating a thread"))
      << dearer->text;
  const auto even = checked_rule(
      "amortised_costs",
      {create, same, make_result("scheduling.futex_cross_cpu", 32'000), reads_4k, reads_1m});
  ASSERT_TRUE(even);
  EXPECT_TRUE(has(even->text, "about as dear as creating a thread")) << even->text;
}

TEST(SummaryCommentary, AmortisedCostsListsOnlySavingsBeyondNoise) {
  const std::vector<core::Result> rs{
      make_result("processes.pthread_create", 1'600),  // within 10% of a same-CPU switch
      make_result("scheduling.futex_same_cpu", 1'500),
      make_result("syscalls.read_4k", 82, -1, "ns/KiB"),  // within 10% of 1 MiB calls
      make_result("syscalls.read_1m", 80, -1, "ns/KiB"),
      make_result("syscalls.uring_batch_1", 400, -1, "ns/KiB"),
      make_result("syscalls.uring_batch_64", 100, -1, "ns/KiB"),
      // 512x fewer faults counted, but none of the region was in huge pages.
      with_metrics(make_result("vm.thp_fault", 90'000, -1, "ns/2MiB"),
                   {{"fault_reduction", 512}, {"huge_fraction", 0}}),
      make_result("vm.first_touch", 700, -1, "ns/page"),
      with_metrics(make_result("vm.map_populate", 300, -1, "ns/page"), {{"use_ns_per_page", 680}}),
  };
  // Only io_uring's saving is left: one part is not a summary.
  EXPECT_FALSE(checked_rule("amortised_costs", rs));
  std::vector<core::Result> with_reads = rs;
  with_reads[2] = make_result("syscalls.read_4k", 120, -1, "ns/KiB");
  const auto in = checked_rule("amortised_costs", with_reads);
  ASSERT_TRUE(in);
  EXPECT_FALSE(has(in->text, "thread pool")) << in->text;
  EXPECT_FALSE(has(in->text, "huge pages")) << in->text;
  EXPECT_FALSE(has(in->text, "MAP_POPULATE")) << in->text;
  EXPECT_EQ(in->values.size(), 2u);
}

TEST(SummaryCommentary, HotPathQuotesTheMeasuredFreshBufferAndTheEstimateOnlyBesideIt) {
  const std::vector<core::Result> rs{
      make_result("syscalls.getppid_raw", 164),
      make_result("vm.major_fault", 90'000, 1'110'000, "ns/fault"),
      make_result("vm.first_touch", 250, -1, "ns/page"),  // 4.10 ms extrapolated
      fresh_buffer(22.2e6, 40e6),
  };
  const auto in = checked_rule("hot_path", rs);
  ASSERT_TRUE(in);
  EXPECT_TRUE(has(in->text, "first-touching a fresh 64 MiB buffer (16,390 minor faults counted) "
                            "takes 22.2 ms (200% of the frame)")) << in->text;
  EXPECT_TRUE(has(in->text, "the process's first such buffer 40.0 ms")) << in->text;
  EXPECT_TRUE(has(in->text, "against 4.10 ms from vm.first_touch's per-page p50 x pages"))
      << in->text;
  EXPECT_FALSE(has(in->text, "estimated")) << in->text;

  // Measured and extrapolated within 10%, first buffer no slower: only the measurement.
  const auto close = checked_rule("hot_path", {rs[0], rs[1], rs[2], fresh_buffer(4.2e6, 4.3e6)});
  ASSERT_TRUE(close);
  EXPECT_TRUE(has(close->text, "takes 4.20 ms")) << close->text;
  EXPECT_FALSE(has(close->text, "per-page p50")) << close->text;
  EXPECT_FALSE(has(close->text, "first such buffer")) << close->text;

  // A row under that id in another unit is not the measurement: the estimate is labelled.
  core::Result odd = fresh_buffer(22.2e6, 40e6);
  odd.unit = "ns/page";
  const auto wrong_unit = checked_rule("hot_path", {rs[0], rs[1], rs[2], odd});
  ASSERT_TRUE(wrong_unit);
  EXPECT_TRUE(has(wrong_unit->text, "estimated 4.10 ms")) << wrong_unit->text;
  EXPECT_FALSE(has(wrong_unit->text, "22.2 ms")) << wrong_unit->text;

  // Neither row: no buffer clause at all.
  const auto none =
      checked_rule("hot_path", {rs[0], rs[1], make_result("processes.pthread_create", 33'000)});
  ASSERT_TRUE(none);
  EXPECT_FALSE(has(none->text, "64 MiB")) << none->text;
}

TEST(SummaryCommentary, HotPathDropsBatchMeanTailsAndNeedsACostlyWait) {
  // A batched row without single-operation samples has no operation's p99 to quote.
  core::Result batched = make_result("scheduling.futex_cross_cpu", 20'800, 38'400);
  batched.ops_per_sample = 37;
  const auto in =
      checked_rule("hot_path", {make_result("syscalls.getppid_raw", 164),
                                make_result("vm.major_fault", 90'000, 1'110'000),
                                make_result("processes.pthread_create", 33'000), batched});
  ASSERT_TRUE(in);
  EXPECT_FALSE(has(in->text, "another CPU")) << in->text;
  EXPECT_FALSE(has(in->text, "38.4 µs")) << in->text;
  // Every wait under 1% of the frame: the argument does not hold, the rule is silent.
  EXPECT_FALSE(checked_rule("hot_path", {make_result("syscalls.getppid_raw", 164),
                                         make_result("mmap_vs_read.rand_pread_cold", 9'000, 20'000),
                                         make_result("processes.pthread_create", 33'000)}));
  // A syscall median that is not a small share of the frame is not called cheap.
  const auto dear = checked_rule("hot_path", {make_result("syscalls.getppid_raw", 20'000),
                                              make_result("vm.major_fault", 90'000, 1'110'000),
                                              make_result("processes.pthread_create", 33'000)});
  ASSERT_TRUE(dear);
  EXPECT_FALSE(has(dear->text, "cheap")) << dear->text;
  EXPECT_TRUE(has(dear->text, "A syscall's median here is 20.0 µs")) << dear->text;
}
