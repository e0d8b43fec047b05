// The frame loop's rows: each runs or says why not, every frame is run and counted, the batch's
// threads are gone after the row, and a frame loop alone keeps (nearly) all its deadlines: 1 ms
// of work in a 5 ms period leaves four times the work in slack, which only a badly overloaded
// machine eats. No timing is asserted beyond that 4x margin.
#include <dirent.h>

#include <atomic>
#include <cmath>
#include <string>
#include <thread>
#include <variant>

#include <gtest/gtest.h>

#include "core/affinity.h"
#include "fixture.h"
#include "scheduling/frame_loop.h"

namespace illusion::labs::scheduling {
namespace {

constexpr double kQuickFrames = 40;  // frames.cpp: 0.2 s of 5 ms periods in the quick profile

class FrameRows : public SchedLabTest {
 protected:
  void expect_frames(const core::Result& r) {
    expect_ok(r);
    const double frames = metric(r, "frames");
    EXPECT_NEAR(frames, kQuickFrames, 1) << r.id;
    EXPECT_EQ(static_cast<double>(r.stats->n), frames) << r.id;
    EXPECT_GE(metric(r, "missed_deadlines"), 0) << r.id;
    EXPECT_LE(metric(r, "missed_deadlines"), frames) << r.id;
    EXPECT_DOUBLE_EQ(metric(r, "missed_fraction"), metric(r, "missed_deadlines") / frames) << r.id;
    EXPECT_EQ(metric(r, "worst_frame_ns"), r.stats->max) << r.id;
    // A frame cannot end before its work has been done once: 1 ms, with 4x margin for a
    // calibration on a loaded machine.
    EXPECT_GT(r.stats->min, 250e3) << r.id;
    EXPECT_EQ(param_number(r, "period_ns"), 5e6) << r.id;
    EXPECT_FALSE(r.series.empty()) << r.id;
    EXPECT_GE(metric(r, "other_tasks_cpus"), 0) << r.id;
  }
};

TEST_F(FrameRows, AloneKeepsItsDeadlinesAndFreeBatchLeavesNoThreads) {
  const core::Result& alone = run("scheduling.frames_alone");
  expect_frames(alone);
  EXPECT_EQ(param_number(alone, "batch_threads"), 0);
  EXPECT_LE(metric(alone, "missed_deadlines"), kQuickFrames / 4)
      << "1 ms of work per 5 ms period missed more than a quarter of its deadlines";
  EXPECT_EQ(alone.metric("batch_cpu_share"), nullptr);

  const int threads_before = thread_count();
  const core::Result& free = run("scheduling.frames_free");
  expect_frames(free);
  EXPECT_EQ(param_number(free, "batch_threads"), static_cast<double>(core::allowed_cpus().size()));
  EXPECT_NE(free.meaning.find("frames_alone"), std::string::npos) << free.meaning;
  EXPECT_GT(metric(free, "batch_cpu_share"), 0);
  EXPECT_EQ(thread_count_settled(threads_before), threads_before)
      << "the batch's threads were left running";
}

TEST_F(FrameRows, PinnedRunsApartOrSaysWhy) {
  const core::Result& r = run("scheduling.frames_pinned");
  if (!cross_cpu_reason().empty()) {
    EXPECT_EQ(r.status, core::Status::skipped);
    EXPECT_EQ(r.reason, cross_cpu_reason());
    return;
  }
  expect_frames(r);
  EXPECT_EQ(param_number(r, "batch_threads"), static_cast<double>(core::allowed_cpus().size() - 1));
  EXPECT_EQ(param_text(r, "frame_cpu"), std::to_string(core::allowed_cpus().front()));
}

TEST_F(FrameRows, NiceAndIdleBatchRun) {
  const core::Result& nice = run("scheduling.frames_nice");
  expect_frames(nice);
  EXPECT_EQ(param_text(nice, "batch_policy"), "nice 19");
  const core::Result& idle = run("scheduling.frames_batch_idle");
  expect_frames(idle);
  EXPECT_EQ(param_text(idle, "batch_policy"), "SCHED_IDLE");
}

TEST_F(FrameRows, FifoRunsOrSaysWhy) {
  const core::Result& r = run("scheduling.frames_fifo");
  if (const std::string why = fifo_unavailable(); !why.empty()) {
    EXPECT_EQ(r.status, core::Status::skipped);
    EXPECT_NE(r.reason.find("SCHED_FIFO"), std::string::npos) << r.reason;
    return;
  }
  expect_frames(r);
  EXPECT_EQ(param_text(r, "frame_policy"), "SCHED_FIFO 50");
}

TEST(FrameLoop, RefusedSetupRunsNoFrame) {
  FrameConfig cfg;
  cfg.frames = 5;
  cfg.setup = {.cpu = {}, .policy = ThreadPolicy::fifo, .level = 1000};  // always out of range
  const FixedWork work = FixedWork::calibrated(10'000);
  EXPECT_GT(work.rounds(), 0u);
  std::atomic<double> progress{0};
  FrameRun run;
  std::thread t([&] { run = run_frames(cfg, work, progress); });
  t.join();
  EXPECT_NE(run.refusal.find("SCHED_FIFO"), std::string::npos) << run.refusal;
  EXPECT_TRUE(run.frames.empty());
}

TEST(FrameLoop, CountsEveryFrameAndMissesFromTheRecords) {
  FrameRun run;
  run.frames = {{0, 1e6, 1e6}, {0, 6e6, 6e6}, {5e6, 7e6, 2e6}};
  EXPECT_EQ(run.missed(5'000'000), 2);
  EXPECT_EQ(run.worst_done_ns(), 7e6);
}

}  // namespace
}  // namespace illusion::labs::scheduling
