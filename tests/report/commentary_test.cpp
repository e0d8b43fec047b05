// Each rule quotes exactly the numbers it was given and stays silent without its inputs.
#include "report/commentary.h"
#include "report/checked_rule.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "report/synthetic.h"

using namespace illusion;
using namespace illusion::report;
using illusion::testing::checked_rule;
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

// `r` with a spread: its MAD and sample count, what the noise bound of a median comes from.
core::Result with_spread(core::Result r, double mad, std::size_t n) {
  r.stats->mad = mad;
  r.stats->n = n;
  return r;
}

// full_run() with the median of `id` set to `p50`.
Results with_p50(Results r, const std::string& id, double p50) {
  for (auto& x : r)
    if (x.id == id) x.stats->p50 = p50;
  return r;
}

Results with_metric(Results r, const std::string& id, const std::string& name, double v) {
  for (auto& x : r)
    if (x.id == id)
      for (auto& m : x.metrics)
        if (m.name == name) m.value = v;
  return r;
}

bool has_value(const Insight& in, const std::string& name) {
  for (const auto& [n, v] : in.values)
    if (n == name) return true;
  return false;
}

double value(const Insight& in, const std::string& name) {
  for (const auto& [n, v] : in.values)
    if (n == name) return v;
  ADD_FAILURE() << in.id << " has no value " << name;
  return 0;
}

}  // namespace

TEST(SyscallVsCall, QuotesTheRatioAndBothCosts) {
  const auto in = checked_rule("syscall_vs_call", full_run());
  ASSERT_TRUE(in);
  EXPECT_EQ(in->id, "syscall_vs_call");
  EXPECT_TRUE(has(in->text, "about 93 function calls")) << in->text;  // 84 / 0.9
  EXPECT_TRUE(has(in->text, "84.0 ns")) << in->text;
  EXPECT_TRUE(has(in->text, "0.900 ns")) << in->text;
  EXPECT_TRUE(has(in->text, "86.0 ns")) << in->text;  // the glibc wrapper
  EXPECT_NEAR(value(*in, "ratio"), 84 / 0.9, 1e-9);
}

TEST(SyscallVsCall, SilentWithoutAnInput) {
  EXPECT_FALSE(checked_rule("syscall_vs_call", without(full_run(), "syscalls.function_call")));
  EXPECT_FALSE(checked_rule("syscall_vs_call", without(full_run(), "syscalls.getppid_raw")));
  EXPECT_FALSE(checked_rule("syscall_vs_call", failed(full_run(), "syscalls.getppid_raw")));
  Results zero = full_run();
  zero[0].stats->p50 = 0;  // an overshooting subtraction: no ratio
  EXPECT_FALSE(checked_rule("syscall_vs_call", zero));
}

TEST(VdsoVsSyscall, StaysInUserSpace) {
  const auto in = checked_rule("vdso_vs_syscall", full_run());
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
  const auto in = checked_rule("vdso_vs_syscall", r);
  ASSERT_TRUE(in);
  EXPECT_TRUE(has(in->text, "entered the kernel")) << in->text;
  EXPECT_TRUE(has(in->text, "1.00 syscalls per call")) << in->text;
}

TEST(VdsoVsSyscall, SaysWhenUnverified) {
  Results r = full_run();
  r[1].counters = {{"syscalls", std::nullopt}};
  const auto in = checked_rule("vdso_vs_syscall", r);
  ASSERT_TRUE(in);
  EXPECT_TRUE(has(in->text, "Not verified")) << in->text;
}

TEST(VdsoVsSyscall, SilentWithoutAnInput) {
  EXPECT_FALSE(checked_rule("vdso_vs_syscall", without(full_run(), "syscalls.vdso_clock_gettime")));
  EXPECT_FALSE(checked_rule("vdso_vs_syscall", without(full_run(), "syscalls.getppid_raw")));
}

TEST(FastVsSlowPath, PathLookupCost) {
  const auto in = checked_rule("fast_vs_slow_path", full_run());
  ASSERT_TRUE(in);
  EXPECT_TRUE(has(in->text, "60.0 ns")) << in->text;
  EXPECT_TRUE(has(in->text, "1.26 µs")) << in->text;
  EXPECT_TRUE(has(in->text, "21x")) << in->text;
  EXPECT_TRUE(has(in->text, "1.20 µs")) << in->text;  // the difference
  EXPECT_TRUE(has(in->text, "700 ns")) << in->text;   // stat
  EXPECT_DOUBLE_EQ(value(*in, "extra_ns"), 1200);
}

TEST(FastVsSlowPath, SilentWithoutAnInputAndStatIsOptional) {
  EXPECT_FALSE(checked_rule("fast_vs_slow_path", without(full_run(), "syscalls.close_ebadf")));
  EXPECT_FALSE(checked_rule("fast_vs_slow_path", without(full_run(), "syscalls.open_close")));
  const auto in = checked_rule("fast_vs_slow_path", without(full_run(), "syscalls.stat"));
  ASSERT_TRUE(in);
  EXPECT_FALSE(has(in->text, "stat()")) << in->text;
}

TEST(SyscallInLoop, SlowdownsAndIndirectShare) {
  const auto in = checked_rule("syscall_in_loop", full_run());
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
  const auto in = checked_rule("syscall_in_loop", r);
  ASSERT_TRUE(in);
  EXPECT_TRUE(has(in->text, "-3.00 ns")) << in->text;
  EXPECT_TRUE(has(in->text, "noise")) << in->text;
}

TEST(SyscallInLoop, SilentWithoutAnInput) {
  EXPECT_FALSE(checked_rule("syscall_in_loop", without(full_run(), "syscalls.loop_every_1")));
  EXPECT_FALSE(checked_rule("syscall_in_loop", without(full_run(), "syscalls.loop_every_1000")));
  Results no_metric = full_run();
  no_metric[9].metrics.clear();
  EXPECT_FALSE(checked_rule("syscall_in_loop", no_metric));
}

TEST(Amortisation, PerKibAndSyscallsPerMib) {
  const auto in = checked_rule("amortisation", full_run());
  ASSERT_TRUE(in);
  EXPECT_TRUE(has(in->text, "30.1 ns/KiB")) << in->text;
  EXPECT_TRUE(has(in->text, "10.2 ns/KiB")) << in->text;
  EXPECT_TRUE(has(in->text, "256 syscalls per MiB")) << in->text;
  EXPECT_TRUE(has(in->text, "3.0x cheaper")) << in->text;
}

TEST(Amortisation, SilentWithoutAnInputOrWithMismatchedUnits) {
  EXPECT_FALSE(checked_rule("amortisation", without(full_run(), "syscalls.read_4k")));
  EXPECT_FALSE(checked_rule("amortisation", without(full_run(), "syscalls.read_1m")));
  Results r = full_run();
  r[11].unit = "ns/op";
  EXPECT_FALSE(checked_rule("amortisation", r));
}

TEST(UringBatching, BatchOfSixtyFour) {
  const auto in = checked_rule("uring_batching", full_run());
  ASSERT_TRUE(in);
  EXPECT_TRUE(has(in->text, "12.5 ns/KiB")) << in->text;
  EXPECT_TRUE(has(in->text, "50.0 ns/KiB")) << in->text;
  EXPECT_TRUE(has(in->text, "4.0x cheaper")) << in->text;
  EXPECT_FALSE(checked_rule("uring_batching", without(full_run(), "syscalls.uring_batch_64")));
  EXPECT_FALSE(checked_rule("uring_batching", without(full_run(), "syscalls.uring_batch_1")));
}

TEST(FrameBudget, GetppidInOnePercentOfNinetyHertz) {
  const auto in = checked_rule("frame_budget", full_run());
  ASSERT_TRUE(in);
  // 1% of 11.1 ms is 111,111 ns: 1322 calls of 84 ns, 925 of 120 ns.
  EXPECT_TRUE(has(in->text, "90 Hz")) << in->text;
  EXPECT_TRUE(has(in->text, "111 µs")) << in->text;
  EXPECT_TRUE(has(in->text, "11.1 ms")) << in->text;
  EXPECT_TRUE(has(in->text, "1,322 getppid")) << in->text;
  EXPECT_TRUE(has(in->text, "925 at a single call's p99 cost (120 ns)")) << in->text;
  EXPECT_EQ(value(*in, "fit_1pct_p50"), 1322);
  EXPECT_FALSE(checked_rule("frame_budget", without(full_run(), "syscalls.getppid_raw")));
}

// --- Unfavourable inputs: each clause that names a direction or a cause follows the data. ---

TEST(SyscallVsCall, NamesNoMitigationItCannotSee) {
  // Rules see results, not the environment: mitigations are a possibility, not a finding.
  const auto in = checked_rule("syscall_vs_call", full_run());
  ASSERT_TRUE(in);
  EXPECT_FALSE(has(in->text, "and the speculation mitigations applied")) << in->text;
  EXPECT_TRUE(has(in->text, "any speculation mitigations this kernel applies")) << in->text;
}

TEST(SyscallVsCall, WithinNoiseClaimsNoRatio) {
  // 84 against 80 ns: 5%, inside the 10% bound.
  const auto in =
      checked_rule("syscall_vs_call", with_p50(full_run(), "syscalls.function_call", 80));
  ASSERT_TRUE(in);
  EXPECT_FALSE(has(in->text, "function calls:")) << in->text;
  EXPECT_TRUE(has(in->text, "within noise (±8.00 ns)")) << in->text;
  EXPECT_FALSE(has(in->text, "round trip into the kernel:")) << in->text;
}

TEST(SyscallVsCall, TheRowsSpreadWidensTheBound) {
  // 84 against 60 ns is 1.4x, but three samples with a MAD of 30 ns cannot tell them apart.
  Results r = with_p50(full_run(), "syscalls.function_call", 60);
  for (auto& x : r)
    if (x.id == "syscalls.getppid_raw" || x.id == "syscalls.function_call")
      x = with_spread(x, 30, 3);
  const auto in = checked_rule("syscall_vs_call", r);
  ASSERT_TRUE(in);
  EXPECT_TRUE(has(in->text, "within noise")) << in->text;
  EXPECT_GT(value(*in, "noise_ns"), 24);
}

TEST(SyscallVsCall, TurnedAroundWhenTheCallIsDearer) {
  const auto in =
      checked_rule("syscall_vs_call", with_p50(full_run(), "syscalls.function_call", 200));
  ASSERT_TRUE(in);
  EXPECT_TRUE(has(in->text, "less than the 200 ns of a plain function call")) << in->text;
  EXPECT_FALSE(has(in->text, "costs about")) << in->text;
}

TEST(VdsoVsSyscall, WithinNoiseOrDearerIsNotCheaper) {
  const auto same =
      checked_rule("vdso_vs_syscall", with_p50(full_run(), "syscalls.vdso_clock_gettime", 80));
  ASSERT_TRUE(same);
  EXPECT_FALSE(has(same->text, "cheaper")) << same->text;
  EXPECT_TRUE(has(same->text, "saved nothing measurable")) << same->text;
  const auto dearer =
      checked_rule("vdso_vs_syscall", with_p50(full_run(), "syscalls.vdso_clock_gettime", 200));
  ASSERT_TRUE(dearer);
  EXPECT_FALSE(has(dearer->text, "cheaper than")) << dearer->text;
  EXPECT_TRUE(has(dearer->text, "more than a getppid syscall (84.0 ns)")) << dearer->text;
}

TEST(VdsoVsSyscall, UncountedCauseIsOnlyLikely) {
  Results r = full_run();
  r[1].counters = {{"syscalls", std::nullopt}};
  const auto uncounted = checked_rule("vdso_vs_syscall", r);
  ASSERT_TRUE(uncounted);
  EXPECT_TRUE(has(uncounted->text, "most likely because it stays in user space"))
      << uncounted->text;
  const auto counted = checked_rule("vdso_vs_syscall", full_run());
  ASSERT_TRUE(counted);
  EXPECT_TRUE(has(counted->text, ", because it stays in user space")) << counted->text;
  // The fallback is counted; why it happened is not.
  r[1].counters = {{"syscalls", 1.0}};
  const auto fallback = checked_rule("vdso_vs_syscall", r);
  ASSERT_TRUE(fallback);
  EXPECT_TRUE(has(fallback->text, "most likely a clocksource")) << fallback->text;
}

TEST(FastVsSlowPath, WithinNoiseOrReversedClaimsNoExtraWork) {
  const auto same =
      checked_rule("fast_vs_slow_path", with_p50(full_run(), "syscalls.open_close", 62));
  ASSERT_TRUE(same);
  EXPECT_FALSE(has(same->text, "the other")) << same->text;
  EXPECT_TRUE(has(same->text, "within noise")) << same->text;
  const auto reversed =
      checked_rule("fast_vs_slow_path", with_p50(full_run(), "syscalls.open_close", 30));
  ASSERT_TRUE(reversed);
  EXPECT_FALSE(has(reversed->text, "path lookup, permission")) << reversed->text;
  EXPECT_TRUE(has(reversed->text, "suspect")) << reversed->text;
}

TEST(SyscallInLoop, NoSlowdownWithinNoiseAndFasterTurnedAround) {
  Results flat = with_metric(full_run(), "syscalls.loop_every_1", "slowdown_vs_pure", 1.03);
  const auto in = checked_rule("syscall_in_loop", flat);
  ASSERT_TRUE(in);
  EXPECT_TRUE(has(in->text, "ran no slower (1.0x")) << in->text;
  EXPECT_FALSE(has(in->text, "1.0x slower")) << in->text;
  const auto faster =
      checked_rule("syscall_in_loop",
                   with_metric(full_run(), "syscalls.loop_every_1000", "slowdown_vs_pure", 0.5));
  ASSERT_TRUE(faster);
  EXPECT_TRUE(has(faster->text, "2.0x faster")) << faster->text;
  EXPECT_FALSE(checked_rule(
      "syscall_in_loop", with_metric(full_run(), "syscalls.loop_every_1", "slowdown_vs_pure", 0)));
}

TEST(SyscallInLoop, IndirectCostWithinTheRowsNoiseIsNotClaimed) {
  // The row's own bound (indirect_noise_ns_per_iter) is larger than the 24 ns left over.
  Results r = full_run();
  r[8].add_metric("indirect_noise_ns_per_iter", 30, "ns/iter");
  const auto in = checked_rule("syscall_in_loop", r);
  ASSERT_TRUE(in);
  EXPECT_TRUE(has(in->text, "within noise (±30.0 ns)")) << in->text;
  EXPECT_FALSE(has(in->text, "is indirect")) << in->text;
  EXPECT_FALSE(has_value(*in, "indirect_share"));
  // Far below zero, beyond the noise: said as such, no share.
  r[8].metrics[2].value = -90;
  const auto below = checked_rule("syscall_in_loop", r);
  ASSERT_TRUE(below);
  EXPECT_TRUE(has(below->text, "below zero beyond the noise (±30.0 ns)")) << below->text;
  // The cause of a clear indirect cost is not counted by the rows: "most likely".
  const auto clear = checked_rule("syscall_in_loop", full_run());
  ASSERT_TRUE(clear);
  EXPECT_TRUE(has(clear->text, "most likely cache lines")) << clear->text;
}

TEST(Amortisation, WithinNoiseReversedAndUncountedCause) {
  const auto same = checked_rule("amortisation", with_p50(full_run(), "syscalls.read_4k", 10.6));
  ASSERT_TRUE(same);
  EXPECT_FALSE(has(same->text, "cheaper")) << same->text;
  EXPECT_TRUE(has(same->text, "the same per byte within noise")) << same->text;
  const auto reversed = checked_rule("amortisation", with_p50(full_run(), "syscalls.read_1m", 60));
  ASSERT_TRUE(reversed);
  EXPECT_FALSE(has(reversed->text, "cheaper")) << reversed->text;
  EXPECT_TRUE(has(reversed->text, "2.0x dearer per byte")) << reversed->text;
  Results uncounted = full_run();
  uncounted[10].metrics.clear();
  const auto likely = checked_rule("amortisation", uncounted);
  ASSERT_TRUE(likely);
  EXPECT_TRUE(has(likely->text, "most likely because the fixed cost")) << likely->text;
  const auto counted = checked_rule("amortisation", full_run());
  ASSERT_TRUE(counted);
  EXPECT_TRUE(has(counted->text, "cheaper per byte, because the fixed cost")) << counted->text;
}

TEST(UringBatching, WithinNoiseReversedAndUncountedCause) {
  const auto same =
      checked_rule("uring_batching", with_p50(full_run(), "syscalls.uring_batch_64", 48));
  ASSERT_TRUE(same);
  EXPECT_FALSE(has(same->text, "cheaper")) << same->text;
  EXPECT_TRUE(has(same->text, "batching saved nothing measurable")) << same->text;
  const auto reversed =
      checked_rule("uring_batching", with_p50(full_run(), "syscalls.uring_batch_64", 100));
  ASSERT_TRUE(reversed);
  EXPECT_TRUE(has(reversed->text, "batching made it 2.0x dearer")) << reversed->text;
  Results uncounted = full_run();
  uncounted[12].metrics.clear();
  const auto likely = checked_rule("uring_batching", uncounted);
  ASSERT_TRUE(likely);
  EXPECT_TRUE(has(likely->text, "most likely because one io_uring_enter")) << likely->text;
}

TEST(FrameBudget, NoP99ClauseWithoutASingleCallsP99) {
  // An unusable p99: the median's budget only.
  Results r = full_run();
  r[3].stats->p99 = 0;
  const auto zero = checked_rule("frame_budget", r);
  ASSERT_TRUE(zero);
  EXPECT_FALSE(has(zero->text, "p99")) << zero->text;
  EXPECT_FALSE(has_value(*zero, "fit_1pct_p99"));
  // A batched row (each sample a mean of 37 calls) with no single-call pass: its p99 is a
  // batch mean's and must not be quoted as a call's.
  r = full_run();
  r[3].ops_per_sample = 37;
  r[3].op_tail.reset();
  const auto batched = checked_rule("frame_budget", r);
  ASSERT_TRUE(batched);
  EXPECT_FALSE(has(batched->text, "p99")) << batched->text;
  EXPECT_FALSE(has(batched->text, "120 ns")) << batched->text;
  // With a single-call pass, its p99 is the one quoted.
  core::Stats tail = *r[3].stats;
  tail.p99 = 300;
  r[3].op_tail = tail;
  const auto single = checked_rule("frame_budget", r);
  ASSERT_TRUE(single);
  EXPECT_TRUE(has(single->text, "370 at a single call's p99 cost (300 ns)")) << single->text;
  // A zero median: silent.
  EXPECT_FALSE(checked_rule("frame_budget", with_p50(full_run(), "syscalls.getppid_raw", 0)));
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
