// The periodic sleeper's rows: each runs or says why not, the CDF is a CDF, the wake-ups are
// counted exactly (slept to or skipped, every deadline once), the load's threads are gone after
// the row, and the pieces (CDF, batch load and its size under a CPU quota, thread setup, the
// /proc/stat parse) on their own. No timing is asserted.
#include <dirent.h>
#include <sched.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <optional>
#include <string>
#include <thread>
#include <variant>
#include <vector>

#include <gtest/gtest.h>

#include "core/affinity.h"
#include "fixture.h"
#include "scheduling/load_noise.h"
#include "scheduling/load_threads.h"
#include "scheduling/wake_cdf.h"
#include "scheduling/wake_sleeper.h"

namespace illusion::labs::scheduling {
namespace {

void expect_cdf(const core::Result& r) {
  const core::Series* cdf = nullptr;
  for (const core::Series& s : r.series)
    if (s.name == "cdf") cdf = &s;
  ASSERT_NE(cdf, nullptr) << r.id;
  ASSERT_FALSE(cdf->points.empty()) << r.id;
  EXPECT_LE(cdf->points.size(), 64u) << r.id;
  for (std::size_t i = 1; i < cdf->points.size(); ++i) {
    EXPECT_GT(cdf->points[i].first, cdf->points[i - 1].first) << r.id << " point " << i;
    EXPECT_GT(cdf->points[i].second, cdf->points[i - 1].second) << r.id << " point " << i;
  }
  EXPECT_EQ(cdf->points.back().second, 1.0) << r.id;
  EXPECT_EQ(cdf->points.back().first, r.stats->max) << r.id;
}

class WakeupRows : public SchedLabTest {
 protected:
  // Every deadline is either slept to or skipped: wakes + skipped == duration / interval.
  void expect_counts(const core::Result& r) {
    const double planned =
        std::floor(param_number(r, "duration_s") * 1e9 / param_number(r, "interval_ns") + 1e-9);
    const double wakes = metric(r, "wakes");
    EXPECT_EQ(wakes + metric(r, "skipped_deadlines"), planned) << r.id;
    // Even a loaded CI VM wakes it most of the time. A load that spends the cgroup's CPU quota
    // has CFS bandwidth control stop the sleeper too, for all but about quota/load of the time.
    double runnable = 1;
    if (param_number(r, "load_spends_quota") == 1)
      runnable = param_number(r, "cgroup_cpu_quota") / param_number(r, "load_threads");
    EXPECT_GE(wakes, planned * std::min(1.0, runnable) / 4) << r.id;
    EXPECT_EQ(static_cast<double>(r.stats->n), wakes) << r.id;
    EXPECT_LE(metric(r, "late_over_1ms"), metric(r, "late_over_100us")) << r.id;
    EXPECT_GE(metric(r, "late_over_100us_fraction"), 0) << r.id;
    EXPECT_LE(metric(r, "late_over_100us_fraction"), 1) << r.id;
    EXPECT_EQ(metric(r, "max_lateness_ns"), r.stats->max) << r.id;
    EXPECT_GE(r.stats->min, 0) << r.id << ": woke before its deadline";
    EXPECT_GE(metric(r, "other_tasks_cpus"), 0) << r.id;
    EXPECT_GE(metric(r, "steal_cpus"), 0) << r.id;
  }
};

TEST_F(WakeupRows, IdleAndLoadedRunWithExactCounts) {
  const int threads_before = thread_count();
  const core::Result& idle = run("scheduling.wakeup_idle");
  expect_ok(idle);
  expect_cdf(idle);
  expect_counts(idle);
  EXPECT_EQ(param_number(idle, "load_threads"), 0);
  EXPECT_FALSE(param_text(idle, "timer_slack").empty());

  const core::Result& loaded = run("scheduling.wakeup_loaded");
  expect_ok(loaded);
  expect_cdf(loaded);
  expect_counts(loaded);
  // One busy thread per allowed CPU, or fewer where the cgroup's CPU quota would throttle them.
  const LoadSize size = load_size(core::allowed_cpus().size(), cpu_budget(ctx_));
  EXPECT_EQ(param_number(loaded, "load_threads"), static_cast<double>(size.threads));
  EXPECT_EQ(param_number(loaded, "load_quota_limited"), size.quota_limited ? 1 : 0);
  EXPECT_EQ(param_number(loaded, "load_spends_quota"), size.spends_quota ? 1 : 0);
  EXPECT_NE(loaded.meaning.find("wakeup_idle"), std::string::npos) << loaded.meaning;
  EXPECT_EQ(thread_count_settled(threads_before), threads_before)
      << "the load's threads were left running";
}

TEST_F(WakeupRows, PinnedAwayNeverMovesOrSaysWhy) {
  const core::Result& r = run("scheduling.wakeup_pinned_away");
  if (!cross_cpu_reason().empty()) {
    EXPECT_EQ(r.status, core::Status::skipped);
    EXPECT_EQ(r.reason, cross_cpu_reason());
    return;
  }
  expect_ok(r);
  expect_cdf(r);
  expect_counts(r);
  EXPECT_EQ(metric(r, "cpu_changes"), 0) << "a pinned sleeper woke on another CPU";
  const CpuBudget budget = cpu_budget(ctx_);
  const LoadSize size = load_size(budget.cpus.size() - 1, budget);
  EXPECT_EQ(param_number(r, "load_threads"), static_cast<double>(size.threads));
  EXPECT_EQ(param_number(r, "load_quota_limited"), size.quota_limited ? 1 : 0);
}

TEST_F(WakeupRows, NiceSaysWhichSideGotThePriority) {
  const core::Result& r = run("scheduling.wakeup_nice");
  expect_ok(r);
  expect_counts(r);
  const std::string given = param_text(r, "priority_given");
  EXPECT_NE(given.find("nice"), std::string::npos) << given;
  if (nice_unavailable(-10).empty()) {
    EXPECT_EQ(param_text(r, "sleeper_policy"), "nice -10");
  } else {
    EXPECT_EQ(param_text(r, "load_policy"), "nice 19");
  }
}

TEST_F(WakeupRows, FifoRunsOrSaysWhy) {
  const core::Result& r = run("scheduling.wakeup_fifo");
  if (const std::string why = fifo_unavailable(); !why.empty()) {
    EXPECT_EQ(r.status, core::Status::skipped);
    EXPECT_NE(r.reason.find("SCHED_FIFO"), std::string::npos) << r.reason;
    return;
  }
  expect_ok(r);
  expect_cdf(r);
  expect_counts(r);
  EXPECT_EQ(param_text(r, "sleeper_policy"), "SCHED_FIFO 50");
}

TEST(WakeSleeper, RefusedSetupMeasuresNothingAndSaysWhy) {
  // Priority 1000 is out of SCHED_FIFO's range whatever the privileges: the refusal path.
  SleeperConfig cfg;
  cfg.duration_ns = 10'000'000;
  cfg.setup = {.cpu = {}, .policy = ThreadPolicy::fifo, .level = 1000};
  std::atomic<double> progress{0};
  SleeperRun run;
  std::thread t([&] { run = run_sleeper(cfg, progress); });
  t.join();
  EXPECT_NE(run.refusal.find("SCHED_FIFO"), std::string::npos) << run.refusal;
  EXPECT_TRUE(run.lateness_ns.empty());
}

TEST(LatencyCdf, StrictlyIncreasingWithTiesMergedAndEndingAtOne) {
  std::vector<double> v;
  for (int i = 0; i < 1000; ++i) v.push_back(static_cast<double>(i % 10));  // 10 values, tied
  const core::Series s = latency_cdf(v, "ns");
  ASSERT_EQ(s.points.size(), 10u);
  EXPECT_EQ(s.points.front(), (std::pair<double, double>{0.0, 0.1}));
  EXPECT_EQ(s.points.back(), (std::pair<double, double>{9.0, 1.0}));
  EXPECT_EQ(s.x_unit, "ns");

  std::vector<double> many;
  for (int i = 0; i < 5000; ++i) many.push_back(5000.0 - i);
  const core::Series m = latency_cdf(many, "ns");
  EXPECT_EQ(m.points.size(), 64u);
  EXPECT_EQ(m.points.back(), (std::pair<double, double>{5000.0, 1.0}));
  EXPECT_TRUE(latency_cdf({}, "ns").points.empty());
  EXPECT_EQ(latency_cdf({7.0}, "ns").points, (std::vector<std::pair<double, double>>{{7.0, 1.0}}));
}

// The load's size is a function of the budget alone: injected CPU counts and quotas.
TEST(LoadSize, OnePerCpuUnlessTheQuotaWouldThrottle) {
  auto budget = [](std::size_t cpus, std::optional<double> quota) {
    CpuBudget b;
    for (std::size_t i = 0; i < cpus; ++i) b.cpus.push_back(static_cast<int>(i));
    b.quota_cpus = quota;
    return b;
  };
  auto expect = [](const LoadSize& s, std::size_t threads, bool limited, bool spends) {
    EXPECT_EQ(s.threads, threads);
    EXPECT_EQ(s.quota_limited, limited);
    EXPECT_EQ(s.spends_quota, spends);
  };
  expect(load_size(4, budget(4, std::nullopt)), 4, false, false);
  expect(load_size(4, budget(4, 4.0)), 4, false, false);  // 4 CPUs cannot outrun 4 CPUs' worth
  expect(load_size(4, budget(4, 8.0)), 4, false, false);
  expect(load_size(4, budget(4, 1.5)), 1, true, false);
  expect(load_size(4, budget(4, 2.0)), 1, true, false);  // 2 threads would spend it exactly
  expect(load_size(4, budget(4, 2.5)), 2, true, false);
  expect(load_size(4, budget(4, 3.99)), 3, true, false);
  expect(load_size(4, budget(4, 0.5)), 1, true, true);  // one thread is all a row can cut to
  expect(load_size(1, budget(1, 0.5)), 1, false, true);
  expect(load_size(1, budget(1, 1.0)), 1, false, false);  // one CPU: the quota cannot bind
  expect(load_size(0, budget(0, std::nullopt)), 1, false, false);
  // The pinned-away row's load takes all but the sleeper's CPU, whose time counts too.
  expect(load_size(3, budget(4, 3.0)), 2, true, false);
  expect(load_size(3, budget(4, 3.5)), 3, false, false);
  expect(load_size(1, budget(2, 1.0)), 1, false, true);
}

// Only the allowed CPUs' lines count: load elsewhere is not "other work" beside this process.
TEST(CpuTicks, SumsTheAllowedCpusLinesOnly) {
  const std::string stat =
      "cpu  1000 100 500 9000 50 10 20 30 0 0\n"
      "cpu0 100 10 50 2000 5 1 2 3 0 0\n"
      "cpu1 200 20 100 2000 10 2 4 6 0 0\n"
      "cpu2 300 30 150 2500 15 3 6 9 0 0\n"
      "cpu10 400 40 200 2500 20 4 8 12 0 0\n"
      "intr 12345 1 2 3\n"
      "ctxt 999\n";
  const CpuTicks one = cpu_ticks(stat, {1});
  EXPECT_DOUBLE_EQ(one.busy, 200 + 20 + 100 + 2 + 4);
  EXPECT_DOUBLE_EQ(one.steal, 6);
  const CpuTicks two = cpu_ticks(stat, {0, 10});  // "cpu10" is CPU 10, not CPU 1
  EXPECT_DOUBLE_EQ(two.busy, (100 + 10 + 50 + 1 + 2) + (400 + 40 + 200 + 4 + 8));
  EXPECT_DOUBLE_EQ(two.steal, 3 + 12);
  const CpuTicks all = cpu_ticks(stat, {});  // mask unknown: the machine-wide line
  EXPECT_DOUBLE_EQ(all.busy, 1000 + 100 + 500 + 10 + 20);
  EXPECT_DOUBLE_EQ(all.steal, 30);
  EXPECT_DOUBLE_EQ(cpu_ticks(stat, {7}).busy, 0);  // offline or absent: nothing
  EXPECT_DOUBLE_EQ(cpu_ticks("", {0}).busy, 0);
  // An old kernel's shorter line (no steal column) reads as zero steal, not garbage.
  EXPECT_DOUBLE_EQ(cpu_ticks("cpu0 1 2 3 4 5 6 7\n", {0}).steal, 0);
}

TEST(OtherWork, SharesAreBoundedAndWrittenAsMetrics) {
  OtherWorkWindow own;
  own.start();
  {
    BatchLoad load(1, {}, ThreadPolicy::unchanged, 0);
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  own.stop();
  // This process's own busy thread is not "other work": only what ran besides it is counted.
  // Bounds only: another process on a CI machine may run too, but only the allowed CPUs' lines
  // are read, so never more than they hold over the >= 200 ms window, give or take the rounding
  // of each CPU's five busy fields, each truncated to a tick on its own.
  const double tick_s = 1.0 / static_cast<double>(sysconf(_SC_CLK_TCK));
  const double cpus = static_cast<double>(core::allowed_cpus().size());
  EXPECT_GE(own.other_cpus(), 0);
  EXPECT_LE(own.other_cpus(), cpus + 5 * cpus * tick_s / 0.2);
  core::Result r;
  own.write(r);
  EXPECT_NE(r.metric("other_tasks_cpus"), nullptr);
  EXPECT_NE(r.metric("steal_cpus"), nullptr);
}

TEST(BatchLoadThreads, RunWhileAliveAndAreJoinedAfter) {
  const int before = thread_count();
  {
    BatchLoad load(3, {}, ThreadPolicy::nice, 19);
    EXPECT_EQ(load.refusal(), "");
    EXPECT_EQ(thread_count_settled(before + 3), before + 3);
    load.stop();
    EXPECT_EQ(thread_count_settled(before), before);
    EXPECT_GT(load.cpu_share(), 0);
  }
  EXPECT_EQ(thread_count_settled(before), before);
}

TEST(BatchLoadThreads, RefusedSetupIsReportedAndNothingRuns) {
  const int before = thread_count();
  {
    BatchLoad load(2, {}, ThreadPolicy::fifo, 1000);  // out of range: always refused
    EXPECT_NE(load.refusal().find("SCHED_FIFO"), std::string::npos) << load.refusal();
    EXPECT_EQ(load.cpu_share(), 0);
  }
  EXPECT_EQ(thread_count_settled(before), before);
}

TEST(BatchLoadThreads, PinnedIdleThreadsStart) {
  const std::vector<int> cpus = core::allowed_cpus();
  ASSERT_FALSE(cpus.empty());
  // Pinned to an allowed CPU, and SCHED_IDLE, which sched(7) lets any thread take within its
  // RLIMIT_NICE: neither is refused.
  BatchLoad load(1, {cpus.back()}, ThreadPolicy::idle, 0);
  EXPECT_EQ(load.refusal(), "");
}

}  // namespace
}  // namespace illusion::labs::scheduling
