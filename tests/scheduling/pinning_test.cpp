// The pinning rows: ok on a machine with two CPUs (skipped naming why otherwise), the pinned
// walker and the pinned pair never migrated, each pinned thread made to wait for the other,
// every thread's progress reported, and no thread left running. The kernel's migration count
// comes from /proc/thread-self/sched, which a kernel built without CONFIG_SCHED_DEBUG lacks:
// there the rows must say so instead, and the walker's own CPU readings (sched_getcpu) still
// show that a pinned walker stays put.
#include <dirent.h>
#include <unistd.h>

#include <algorithm>
#include <string>

#include <gtest/gtest.h>

#include "scheduling/fixture.h"

namespace illusion::labs::scheduling {
namespace {

class PinningRows : public SchedLabTest {
 protected:
  void SetUp() override {
    SchedLabTest::SetUp();
    threads_before_ = thread_count();
  }
  void TearDown() override {
    EXPECT_EQ(thread_count_settled(threads_before_), threads_before_)
        << "a row left a thread behind";
    SchedLabTest::TearDown();
  }
  // True when the row ran; when it could not, it must have said the cross-CPU reason.
  bool ran_or_skipped_for_one_cpu(const core::Result& r) {
    const std::string why = cross_cpu_reason();
    if (why.empty()) return true;
    EXPECT_EQ(r.status, core::Status::skipped) << r.id;
    EXPECT_EQ(r.reason, why) << r.id;
    return false;
  }
  // Whether the kernel offers the per-thread migration count the rows read.
  static bool sched_file_present() { return access("/proc/thread-self/sched", R_OK) == 0; }

  // The migration metric `name` is there when the kernel offers the count; otherwise it is
  // absent and a warning that begins "<warning_name>:" names the missing file. True when the
  // metric is there.
  bool expect_migrations_or_why_not(const core::Result& r, const std::string& name,
                                    const std::string& warning_name) {
    if (sched_file_present()) {
      EXPECT_NE(r.metric(name), nullptr) << r.id << " lacks " << name;
      return r.metric(name) != nullptr;
    }
    EXPECT_EQ(r.metric(name), nullptr) << r.id << ": " << name << " without its source";
    const bool warned = std::any_of(r.warnings.begin(), r.warnings.end(), [&](const auto& w) {
      return w.rfind(warning_name + ":", 0) == 0 &&
             w.find("/proc/thread-self/sched") != std::string::npos;
    });
    EXPECT_TRUE(warned) << r.id << ": no warning that " << name
                        << " is missing for want of /proc/thread-self/sched";
    return false;
  }

  // Every walk row's figures; true when the kernel's migration count is among them.
  bool expect_walk_figures(const core::Result& r) {
    expect_ok(r);
    for (const char* name :
         {"walks", "walks_after_cpu_change", "involuntary_switches", "competitor_cpu_share"}) {
      EXPECT_NE(r.metric(name), nullptr) << r.id << " lacks " << name;
    }
    EXPECT_EQ(static_cast<double>(r.stats->n), metric(r, "walks")) << r.id;
    return expect_migrations_or_why_not(r, "migrations", "migrations");
  }

 private:
  int threads_before_ = 0;
};

TEST_F(PinningRows, FreeWalkerReportsMigrationsAndTheCostOfAMove) {
  const core::Result& r = run("scheduling.pin_cache_hungry_free");
  expect_walk_figures(r);
  if (cross_cpu_reason().empty()) {
    EXPECT_NE(r.metric("forced_move_first_walk_p50_ns"), nullptr);
    EXPECT_NE(r.metric("move_cost_ns"), nullptr);
  }
}

TEST_F(PinningRows, PinnedWalkerIsNeverMigrated) {
  const core::Result& r = run("scheduling.pin_cache_hungry_pinned");
  if (!ran_or_skipped_for_one_cpu(r)) return;
  if (expect_walk_figures(r)) {
    EXPECT_EQ(metric(r, "migrations"), 0);
  }
  // The walker's own sched_getcpu() readings, there with or without CONFIG_SCHED_DEBUG: only
  // the CPU it was pinned to.
  EXPECT_EQ(metric(r, "walks_after_cpu_change"), 0);
  const std::string pinned_to = param_text(r, "walker");
  ASSERT_EQ(pinned_to.rfind("pinned to CPU ", 0), 0u) << pinned_to;
  EXPECT_EQ(param_text(r, "walker_cpus_seen"), pinned_to.substr(pinned_to.rfind(' ') + 1));
}

TEST_F(PinningRows, TwoThreadsPinnedToOneCpuWaitForEachOther) {
  const core::Result& r = run("scheduling.pin_two_on_one_cpu");
  if (!ran_or_skipped_for_one_cpu(r)) return;
  expect_ok(r);
  if (expect_migrations_or_why_not(r, "pinned_migrations_per_thread", "pinned_migrations")) {
    EXPECT_EQ(metric(r, "pinned_migrations_per_thread"), 0);
  }
  expect_migrations_or_why_not(r, "unpinned_migrations_per_thread", "unpinned_migrations");
  // Two busy threads, one CPU: each must have been switched out for the other at least once.
  EXPECT_GE(metric(r, "pinned_involuntary_switches_per_thread"), 1);
  EXPECT_GE(metric(r, "pinned_waits_per_thread"), 1);
  EXPECT_EQ(static_cast<double>(r.stats->n), 2 * metric(r, "pinned_waits_per_thread"));
  EXPECT_GT(metric(r, "throughput_ratio"), 0);
  EXPECT_NE(r.metric("pinned_wait_p99_ns"), nullptr);
  EXPECT_NE(r.metric("pinned_fairness_cv"), nullptr);
  EXPECT_NE(r.metric("unpinned_fairness_cv"), nullptr);
  const double idle = metric(r, "spare_cpu_idle_share");
  EXPECT_GE(idle, 0);
  EXPECT_LE(idle, 1);
  int series = 0;
  for (const core::Series& s : r.series) {
    if (s.name != "pinned_units_per_thread" && s.name != "unpinned_units_per_thread") continue;
    ++series;
    EXPECT_EQ(s.points.size(), 2u) << s.name;
  }
  EXPECT_EQ(series, 2);
}

}  // namespace
}  // namespace illusion::labs::scheduling
