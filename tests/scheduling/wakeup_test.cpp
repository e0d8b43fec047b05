// The periodic sleeper's rows: each runs or says why not, the CDF is a CDF, the wake-ups are
// counted exactly (slept to or skipped, every deadline once), the load's threads are gone after
// the row, and the pieces (CDF, batch load, thread setup) on their own. No timing is asserted.
#include <dirent.h>
#include <sched.h>

#include <atomic>
#include <chrono>
#include <cmath>
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
    EXPECT_GE(wakes, planned / 4) << r.id;  // even a loaded CI VM wakes it most of the time
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
  EXPECT_EQ(param_number(loaded, "load_threads"), static_cast<double>(core::allowed_cpus().size()));
  EXPECT_NE(loaded.meaning.find("wakeup_idle"), std::string::npos) << loaded.meaning;
  EXPECT_EQ(thread_count(), threads_before) << "the load's threads were left running";
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
  EXPECT_EQ(param_number(r, "load_threads"), static_cast<double>(core::allowed_cpus().size() - 1));
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

TEST(OtherWork, SharesAreBoundedAndWrittenAsMetrics) {
  OtherWorkWindow own;
  own.start();
  {
    BatchLoad load(1, {}, ThreadPolicy::unchanged, 0);
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  own.stop();
  // This process's own busy thread is not "other work": only what ran besides it is counted.
  // Bounds only: another process on a CI machine may run too, but never more than all CPUs.
  EXPECT_GE(own.other_cpus(), 0);
  EXPECT_LE(own.other_cpus(), static_cast<double>(core::allowed_cpus().size()) + 0.5);
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
    EXPECT_EQ(thread_count(), before + 3);
    load.stop();
    EXPECT_EQ(thread_count(), before);
    EXPECT_GT(load.cpu_share(), 0);
  }
  EXPECT_EQ(thread_count(), before);
}

TEST(BatchLoadThreads, RefusedSetupIsReportedAndNothingRuns) {
  const int before = thread_count();
  {
    BatchLoad load(2, {}, ThreadPolicy::fifo, 1000);  // out of range: always refused
    EXPECT_NE(load.refusal().find("SCHED_FIFO"), std::string::npos) << load.refusal();
    EXPECT_EQ(load.cpu_share(), 0);
  }
  EXPECT_EQ(thread_count(), before);
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
