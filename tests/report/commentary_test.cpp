// Each rule quotes exactly the numbers it was given and stays silent without its inputs.
#include "report/commentary.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "report/synthetic.h"

using namespace illusion;
using namespace illusion::report;
using illusion::testing::has;
using illusion::testing::make_result;
using illusion::testing::with_metrics;

namespace {

using Results = std::vector<core::Result>;

Results full_run() {
  Results r;
  r.push_back(make_result("syscalls.function_call", 0.9));
  r.push_back(make_result("syscalls.vdso_clock_gettime", 20));
  r.back().counters.push_back({"syscalls", 0.0});
  r.push_back(make_result("syscalls.getppid_glibc", 86));
  r.push_back(make_result("syscalls.getppid_raw", 84, 120));
  r.push_back(make_result("syscalls.close_ebadf", 60));
  r.push_back(make_result("syscalls.stat", 700));
  r.push_back(make_result("syscalls.open_close", 1260));
  r.push_back(make_result("syscalls.loop_pure", 1.0));
  r.push_back(
      with_metrics(make_result("syscalls.loop_every_1", 97), {{"slowdown_vs_pure", 97},
                                                              {"direct_cost_ns_per_iter", 72},
                                                              {"indirect_cost_ns_per_iter", 24}}));
  r.push_back(
      with_metrics(make_result("syscalls.loop_every_1000", 1.1), {{"slowdown_vs_pure", 1.1}}));
  r.push_back(with_metrics(make_result("syscalls.read_4k", 30.1, -1, "ns/KiB"),
                           {{"syscalls_per_mib", 256}, {"mib_per_s", 32000}}));
  r.push_back(with_metrics(make_result("syscalls.read_1m", 10.2, -1, "ns/KiB"),
                           {{"syscalls_per_mib", 1}, {"mib_per_s", 95000}}));
  r.push_back(with_metrics(make_result("syscalls.uring_batch_1", 50, -1, "ns/KiB"),
                           {{"syscalls_per_mib", 256}}));
  r.push_back(with_metrics(make_result("syscalls.uring_batch_64", 12.5, -1, "ns/KiB"),
                           {{"syscalls_per_mib", 4}}));
  return r;
}

Results without(Results r, const std::string& id) {
  r.erase(std::remove_if(r.begin(), r.end(), [&](const core::Result& x) { return x.id == id; }),
          r.end());
  return r;
}

Results failed(Results r, const std::string& id) {
  for (auto& x : r)
    if (x.id == id) x.status = core::Status::failed;
  return r;
}

double value(const Insight& in, const std::string& name) {
  for (const auto& [n, v] : in.values)
    if (n == name) return v;
  ADD_FAILURE() << in.id << " has no value " << name;
  return 0;
}

}  // namespace

TEST(SyscallVsCall, QuotesTheRatioAndBothCosts) {
  const auto in = rules::syscall_vs_call(full_run());
  ASSERT_TRUE(in);
  EXPECT_EQ(in->id, "syscall_vs_call");
  EXPECT_TRUE(has(in->text, "about 93 function calls")) << in->text;  // 84 / 0.9
  EXPECT_TRUE(has(in->text, "84.0 ns")) << in->text;
  EXPECT_TRUE(has(in->text, "0.900 ns")) << in->text;
  EXPECT_TRUE(has(in->text, "86.0 ns")) << in->text;  // the glibc wrapper
  EXPECT_NEAR(value(*in, "ratio"), 84 / 0.9, 1e-9);
}

TEST(SyscallVsCall, SilentWithoutAnInput) {
  EXPECT_FALSE(rules::syscall_vs_call(without(full_run(), "syscalls.function_call")));
  EXPECT_FALSE(rules::syscall_vs_call(without(full_run(), "syscalls.getppid_raw")));
  EXPECT_FALSE(rules::syscall_vs_call(failed(full_run(), "syscalls.getppid_raw")));
  Results zero = full_run();
  zero[0].stats->p50 = 0;  // an overshooting subtraction: no ratio
  EXPECT_FALSE(rules::syscall_vs_call(zero));
}

TEST(VdsoVsSyscall, StaysInUserSpace) {
  const auto in = rules::vdso_vs_syscall(full_run());
  ASSERT_TRUE(in);
  EXPECT_TRUE(has(in->text, "20.0 ns")) << in->text;
  EXPECT_TRUE(has(in->text, "4.2x cheaper")) << in->text;
  EXPECT_TRUE(has(in->text, "84.0 ns")) << in->text;
  EXPECT_TRUE(has(in->text, "0 syscalls per call")) << in->text;
  EXPECT_DOUBLE_EQ(value(*in, "ratio"), 84.0 / 20);
}

TEST(VdsoVsSyscall, NoticesAFallbackToARealSyscall) {
  Results r = full_run();
  r[1].counters = {{"syscalls", 1.0}};
  const auto in = rules::vdso_vs_syscall(r);
  ASSERT_TRUE(in);
  EXPECT_TRUE(has(in->text, "entered the kernel")) << in->text;
  EXPECT_TRUE(has(in->text, "1.00 syscalls per call")) << in->text;
}

TEST(VdsoVsSyscall, SaysWhenUnverified) {
  Results r = full_run();
  r[1].counters = {{"syscalls", std::nullopt}};
  const auto in = rules::vdso_vs_syscall(r);
  ASSERT_TRUE(in);
  EXPECT_TRUE(has(in->text, "Not verified")) << in->text;
}

TEST(VdsoVsSyscall, SilentWithoutAnInput) {
  EXPECT_FALSE(rules::vdso_vs_syscall(without(full_run(), "syscalls.vdso_clock_gettime")));
  EXPECT_FALSE(rules::vdso_vs_syscall(without(full_run(), "syscalls.getppid_raw")));
}

TEST(FastVsSlowPath, PathLookupCost) {
  const auto in = rules::fast_vs_slow_path(full_run());
  ASSERT_TRUE(in);
  EXPECT_TRUE(has(in->text, "60.0 ns")) << in->text;
  EXPECT_TRUE(has(in->text, "1.26 µs")) << in->text;
  EXPECT_TRUE(has(in->text, "21x")) << in->text;
  EXPECT_TRUE(has(in->text, "1.20 µs")) << in->text;  // the difference
  EXPECT_TRUE(has(in->text, "700 ns")) << in->text;   // stat
  EXPECT_DOUBLE_EQ(value(*in, "extra_ns"), 1200);
}

TEST(FastVsSlowPath, SilentWithoutAnInputAndStatIsOptional) {
  EXPECT_FALSE(rules::fast_vs_slow_path(without(full_run(), "syscalls.close_ebadf")));
  EXPECT_FALSE(rules::fast_vs_slow_path(without(full_run(), "syscalls.open_close")));
  const auto in = rules::fast_vs_slow_path(without(full_run(), "syscalls.stat"));
  ASSERT_TRUE(in);
  EXPECT_FALSE(has(in->text, "stat()")) << in->text;
}

TEST(SyscallInLoop, SlowdownsAndIndirectShare) {
  const auto in = rules::syscall_in_loop(full_run());
  ASSERT_TRUE(in);
  EXPECT_TRUE(has(in->text, "97x slower")) << in->text;
  EXPECT_TRUE(has(in->text, "1.1x")) << in->text;
  EXPECT_TRUE(has(in->text, "72.0 ns")) << in->text;
  EXPECT_TRUE(has(in->text, "24.0 ns")) << in->text;
  EXPECT_TRUE(has(in->text, "25%")) << in->text;  // 24 / 96
  EXPECT_DOUBLE_EQ(value(*in, "indirect_share"), 0.25);
}

TEST(SyscallInLoop, NegativeIndirectCostIsFlaggedNotClamped) {
  Results r = full_run();
  r[8].metrics[2].value = -3;
  const auto in = rules::syscall_in_loop(r);
  ASSERT_TRUE(in);
  EXPECT_TRUE(has(in->text, "-3.00 ns")) << in->text;
  EXPECT_TRUE(has(in->text, "noise")) << in->text;
}

TEST(SyscallInLoop, SilentWithoutAnInput) {
  EXPECT_FALSE(rules::syscall_in_loop(without(full_run(), "syscalls.loop_every_1")));
  EXPECT_FALSE(rules::syscall_in_loop(without(full_run(), "syscalls.loop_every_1000")));
  Results no_metric = full_run();
  no_metric[9].metrics.clear();
  EXPECT_FALSE(rules::syscall_in_loop(no_metric));
}

TEST(Amortisation, PerKibAndSyscallsPerMib) {
  const auto in = rules::amortisation(full_run());
  ASSERT_TRUE(in);
  EXPECT_TRUE(has(in->text, "30.1 ns/KiB")) << in->text;
  EXPECT_TRUE(has(in->text, "10.2 ns/KiB")) << in->text;
  EXPECT_TRUE(has(in->text, "256 syscalls per MiB")) << in->text;
  EXPECT_TRUE(has(in->text, "3.0x cheaper")) << in->text;
}

TEST(Amortisation, SilentWithoutAnInputOrWithMismatchedUnits) {
  EXPECT_FALSE(rules::amortisation(without(full_run(), "syscalls.read_4k")));
  EXPECT_FALSE(rules::amortisation(without(full_run(), "syscalls.read_1m")));
  Results r = full_run();
  r[11].unit = "ns/op";
  EXPECT_FALSE(rules::amortisation(r));
}

TEST(UringBatching, BatchOfSixtyFour) {
  const auto in = rules::uring_batching(full_run());
  ASSERT_TRUE(in);
  EXPECT_TRUE(has(in->text, "12.5 ns/KiB")) << in->text;
  EXPECT_TRUE(has(in->text, "50.0 ns/KiB")) << in->text;
  EXPECT_TRUE(has(in->text, "4.0x cheaper")) << in->text;
  EXPECT_FALSE(rules::uring_batching(without(full_run(), "syscalls.uring_batch_64")));
  EXPECT_FALSE(rules::uring_batching(without(full_run(), "syscalls.uring_batch_1")));
}

TEST(FrameBudget, GetppidInOnePercentOfNinetyHertz) {
  const auto in = rules::frame_budget(full_run());
  ASSERT_TRUE(in);
  // 1% of 11.1 ms is 111,111 ns: 1322 calls of 84 ns, 925 of 120 ns.
  EXPECT_TRUE(has(in->text, "90 Hz")) << in->text;
  EXPECT_TRUE(has(in->text, "111 µs")) << in->text;
  EXPECT_TRUE(has(in->text, "11.1 ms")) << in->text;
  EXPECT_TRUE(has(in->text, "1,322 getppid")) << in->text;
  EXPECT_TRUE(has(in->text, "925 at the p99")) << in->text;
  EXPECT_EQ(value(*in, "fit_1pct_p50"), 1322);
  EXPECT_FALSE(rules::frame_budget(without(full_run(), "syscalls.getppid_raw")));
}

TEST(Commentary, RunsEveryRuleInOrder) {
  const auto all = commentary(full_run());
  std::vector<std::string> ids;
  for (const auto& in : all) ids.push_back(in.id);
  EXPECT_EQ(ids, (std::vector<std::string>{"syscall_vs_call", "vdso_vs_syscall",
                                           "fast_vs_slow_path", "syscall_in_loop", "amortisation",
                                           "uring_batching", "frame_budget", "amortised_costs"}));
  EXPECT_TRUE(commentary({}).empty());
}
