// Sampling for experiments that time their samples by hand, because each needs untimed set-up
// first (a fresh mapping per munmap, per round of faults) or is more than one call of an op (a
// round of page touches each timed alone): the stop rule of core/sampler.h's sample_op, which
// drives its own timed phase with this loop too, without its batching.
//
// A sample is one pass of the caller's loop: set-up, then the timed work, which yields one value
// (sample_each) or a round of values each timed alone (SampleLoop::add with a span). Sampling
// ends, after a sample,
//  - once the budget is spent and at least `min_samples` samples are in (so one op that
//    outlasts the whole budget still gets its floor of samples);
//  - early, when `target_median` > 0: once `adaptive_min_samples` samples and
//    `adaptive_min_share` of the budget are in, as soon as the median's 95% interval is within
//    ±target_median of it (detail::median_half_width, checked at geometrically spaced counts as
//    sample_op does, so the checks cost O(n) sorts in all);
//  - at `max_samples`.
#pragma once

#include <cstddef>
#include <span>
#include <utility>
#include <vector>

#include "core/barrier.h"
#include "core/clock.h"

namespace illusion::core {

struct SampleLimits {
  double budget_s = 0.4;  // from the loop's start
  std::size_t min_samples = 20;
  std::size_t max_samples = 200000;
  double target_median = 0;  // 0: no early stop
  std::size_t adaptive_min_samples = 1000;
  double adaptive_min_share = 0.25;
};

// The loop's state: drive it as `while (loop.more()) { set-up; time; loop.add(value, end); }`.
class SampleLoop {
 public:
  // The budget runs from now: whatever runs between this and the first sample (a counting pass
  // that shares the budget) spends it too.
  SampleLoop(const Clock& clock, const SampleLimits& limits);

  // Whether another sample is due.
  bool more() const { return !done_; }
  // One sample of one value, whose timed part ended at `end_ns`.
  void add(double value, double end_ns);
  // One sample of several values (a round of operations, each timed alone).
  void add(std::span<const double> values, double end_ns);

  std::size_t samples() const { return samples_; }
  const std::vector<double>& values() const { return values_; }
  std::vector<double> take_values() { return std::move(values_); }
  double start_ns() const { return start_ns_; }
  // Whether the median's interval ended the loop, and how wide it was then (relative).
  bool stopped_early() const { return stopped_early_; }
  double median_half_width() const { return median_half_width_; }

 private:
  void after_sample(double end_ns);

  SampleLimits limits_;
  double start_ns_, deadline_ns_, earliest_stop_ns_;
  std::size_t next_check_;
  std::vector<double> values_;
  std::size_t samples_ = 0;
  bool done_ = false;
  bool stopped_early_ = false;
  double median_half_width_ = 0;
};

// Runs `setup` untimed, then times `op` alone, once per sample, until `limits` say stop.
// Returns each sample's ns (the clock's own reading cost included, as in any two readings).
template <class Setup, class Op>
std::vector<double> sample_each(const Clock& clock, const SampleLimits& limits, Setup&& setup,
                                Op&& op) {
  SampleLoop loop(clock, limits);
  while (loop.more()) {
    setup();
    const double t0 = clock.now_ns();
    op();
    clobber_memory();
    const double t1 = clock.now_ns();
    loop.add(t1 - t0, t1);
  }
  return loop.take_values();
}

}  // namespace illusion::core
