// A latency-sensitive frame loop: every period it wakes at the period's start, does a fixed
// amount of work, and must be done by the period's end. The work is a fixed amount of
// computation (not "spin for 1 ms by the clock"), so losing the CPU mid-frame makes the frame
// longer, as it would a game's or an audio callback's.
#pragma once

#include <atomic>
#include <cstdint>
#include <string>
#include <vector>

#include "core/counters.h"
#include "scheduling/load_threads.h"

namespace illusion::labs::scheduling {

// A calibrated number of arithmetic rounds (no memory traffic).
class FixedWork {
 public:
  // Rounds that take about `target_ns` on the calling thread now (best of five timings, so a
  // preemption during calibration does not shrink every frame's work).
  static FixedWork calibrated(double target_ns);
  void run() const;
  std::uint64_t rounds() const { return rounds_; }

 private:
  explicit FixedWork(std::uint64_t rounds) : rounds_(rounds) {}
  std::uint64_t rounds_;
};

struct FrameConfig {
  std::int64_t period_ns = 5'000'000;
  int frames = 400;
  ThreadSetup setup;  // the frame thread's CPU and policy
};

struct FrameRecord {
  double start_late_ns = 0;  // work began this long after the period started
  double done_ns = 0;        // work ended this long after the period started
  double work_ns = 0;        // the work itself, wall time (longer when preempted)
};

struct FrameRun {
  std::string refusal;  // the setup failed: nothing was measured
  std::vector<FrameRecord> frames;
  bool slack_set = false;
  core::RusageSnapshot before, after;  // the frame thread's own (RUSAGE_THREAD)

  // Frames whose work ended after their period's end.
  int missed(std::int64_t period_ns) const;
  double worst_done_ns() const;
};

// Runs `cfg.frames` frames on the calling thread (a thread the caller created), with `cfg.setup`
// applied through guards that restore the thread, and the timer slack at 1 ns so the wake-up
// is the scheduler's, not the timer's. Frame k's period is [t0 + kP, t0 + (k+1)P): a frame that
// overran delays the next one's start (it begins as soon as the late one ends), so every frame
// is run and counted, and a backlog shows as further misses.
FrameRun run_frames(const FrameConfig& cfg, const FixedWork& work, std::atomic<double>& progress);

}  // namespace illusion::labs::scheduling
