// The pinning rows: ok on a machine with two CPUs (skipped naming why otherwise), the pinned
// walker and the pinned pair never migrated, each pinned thread made to wait for the other,
// every thread's progress reported, and no thread left running.
#include <dirent.h>

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
    EXPECT_EQ(thread_count(), threads_before_) << "a row left a thread behind";
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
  void expect_walk_figures(const core::Result& r) {
    expect_ok(r);
    for (const char* name : {"walks", "migrations", "walks_after_cpu_change",
                             "involuntary_switches", "competitor_cpu_share"}) {
      EXPECT_NE(r.metric(name), nullptr) << r.id << " lacks " << name;
    }
    EXPECT_EQ(static_cast<double>(r.stats->n), metric(r, "walks")) << r.id;
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
  expect_walk_figures(r);
  EXPECT_EQ(metric(r, "migrations"), 0);
  EXPECT_EQ(metric(r, "walks_after_cpu_change"), 0);
}

TEST_F(PinningRows, TwoThreadsPinnedToOneCpuWaitForEachOther) {
  const core::Result& r = run("scheduling.pin_two_on_one_cpu");
  if (!ran_or_skipped_for_one_cpu(r)) return;
  expect_ok(r);
  EXPECT_EQ(metric(r, "pinned_migrations_per_thread"), 0);
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
