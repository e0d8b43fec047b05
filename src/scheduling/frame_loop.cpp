#include "scheduling/frame_loop.h"

#include <algorithm>
#include <cmath>

#include "core/barrier.h"
#include "scheduling/wake_timer.h"

namespace illusion::labs::scheduling {
namespace {

constexpr std::uint64_t kProbeRounds = 1u << 16;

// xorshift64 rounds: ALU work only, like the batch load's, so neither evicts the other's data.
void rounds_of_work(std::uint64_t rounds) {
  std::uint64_t x = 0x2545F4914F6CDD1Dull;
  for (std::uint64_t i = 0; i < rounds; ++i) {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
  }
  core::do_not_optimize(x);
}

}  // namespace

FixedWork FixedWork::calibrated(double target_ns) {
  double best = 1e300;
  for (int i = 0; i < 5; ++i) {
    const std::int64_t t0 = monotonic_ns();
    rounds_of_work(kProbeRounds);
    best = std::min(best, static_cast<double>(monotonic_ns() - t0));
  }
  const double per_round = best / static_cast<double>(kProbeRounds);
  return FixedWork(std::max<std::uint64_t>(
      1, static_cast<std::uint64_t>(std::llround(target_ns / std::max(per_round, 1e-3)))));
}

void FixedWork::run() const {
  rounds_of_work(rounds_);
}

int FrameRun::missed(std::int64_t period_ns) const {
  return static_cast<int>(std::count_if(frames.begin(), frames.end(), [&](const FrameRecord& f) {
    return f.done_ns > static_cast<double>(period_ns);
  }));
}

double FrameRun::worst_done_ns() const {
  double worst = 0;
  for (const FrameRecord& f : frames) worst = std::max(worst, f.done_ns);
  return worst;
}

FrameRun run_frames(const FrameConfig& cfg, const FixedWork& work, std::atomic<double>& progress) {
  FrameRun run;
  AffinityGuard affinity;
  PolicyGuard policy;
  run.refusal = apply_setup(cfg.setup, affinity, policy);
  if (!run.refusal.empty()) return run;
  TimerSlackGuard slack;
  run.slack_set = slack.applied();
  run.frames.assign(static_cast<std::size_t>(cfg.frames), FrameRecord{});
  work.run();  // warm: code, and the thread's first run on its CPU

  run.before = core::RusageSnapshot::now();
  const std::int64_t first = monotonic_ns() + cfg.period_ns;
  for (int k = 0; k < cfg.frames; ++k) {
    const std::int64_t period_start = first + k * cfg.period_ns;
    if (monotonic_ns() < period_start) sleep_until_ns(period_start);
    const std::int64_t t0 = monotonic_ns();
    work.run();
    const std::int64_t t1 = monotonic_ns();
    run.frames[static_cast<std::size_t>(k)] = {static_cast<double>(t0 - period_start),
                                               static_cast<double>(t1 - period_start),
                                               static_cast<double>(t1 - t0)};
    progress.store(static_cast<double>(k + 1) / cfg.frames, std::memory_order_relaxed);
  }
  run.after = core::RusageSnapshot::now();
  return run;
}

}  // namespace illusion::labs::scheduling
