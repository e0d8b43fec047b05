// Turns an operation into per-sample timings.
//
// Method (the one google/benchmark and lmbench share, with lmbench's flaw removed):
//  1. warm-up: run the op until `warmup_s` has passed, to fault in code and data and let the
//     CPU settle; these runs are not recorded;
//  2. batch size: an op much shorter than the clock's own cost cannot be timed alone, so K ops
//     are timed together, K chosen so one sample lasts >= `target_sample_ns` (by default 200x
//     the clock overhead and at least 2 us): the timer then costs < 0.5% of a sample. K is
//     sized from trial batches of doubling length, not from a single reading that the clock's
//     own cost would swamp;
//  3. loop overhead: an empty batch of K (same loop, no op) is timed many times and its median
//     subtracted from every sample before dividing by K. A sample that ends up below zero is
//     kept as measured and counted in `below_overhead` (flagged, never silently clamped);
//  4. samples until `budget_s` is spent (at least `min_samples`, at most `max_samples`), or
//     the median is known to ±target_median: core/sample_each.h's SampleLoop, the stop rule
//     hand-timed experiments share;
//  5. single-operation tail: a batch mean hides a slow operation among fast ones, so when K > 1
//     the percentiles above are of batch means. Where the clock still resolves one operation
//     (the op costs at least `single_op_min_ratio` x an empty clock pair), a share of the budget
//     times single operations, the empty pair's median subtracted, for the per-operation tail;
//     otherwise `single_op_note` says why there is none.
// Counters, when given, are started right before the first timed sample and stopped right
// after the last batched one, so per-op counts cover exactly those operations. measure() passes
// none: it counts in a separate untimed pass, so that open perf events never add to a timing.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "core/barrier.h"
#include "core/clock.h"
#include "core/counters.h"
#include "core/profile.h"
#include "core/sample_each.h"
#include "core/stats.h"

namespace illusion::core {

struct SamplerConfig {
  double warmup_s = 0.02;
  double budget_s = 0.4;
  std::size_t min_samples = 20;
  std::size_t max_samples = 200000;
  std::uint64_t batch = 0;  // 0: choose from the op's cost measured during warm-up
  std::uint64_t max_batch = 1u << 20;
  double target_sample_ns = 0;  // 0: max(200 x clock overhead, 2000 ns)
  // Share of budget_s given to single-operation samples when ops are batched (0: none).
  double single_op_share = 0.25;
  // An op shorter than this many empty clock pairs is not timed alone: the clock's own
  // jitter (a few ns) would then be more than ~5% of the operation.
  double single_op_min_ratio = 20;
  std::size_t single_op_min_samples = 100;
  // Adaptive stop (issue 17): once at least adaptive_min_samples samples and adaptive_min_share
  // of the budget are in, the timed phase ends as soon as the median's 95% interval (order
  // statistics, core/stats.h) is within ±target_median of it. The floor keeps enough samples
  // for a p99 (ten beyond it); 0 as target_median turns the stop off.
  double target_median = kFirmMedian;
  std::size_t adaptive_min_samples = 1000;
  double adaptive_min_share = 0.25;
};

struct SampleSet {
  std::vector<double> per_op_ns;  // one value per sample: (sample - empty batch) / batch
  std::uint64_t batch = 1;
  double empty_batch_ns = 0;       // median cost of timing an empty batch
  std::uint64_t ops = 0;           // operations inside timed samples
  double elapsed_ns = 0;           // wall time of the timed phase
  std::size_t below_overhead = 0;  // samples whose raw time was below the empty batch
  // Single operations timed one by one (empty clock pair subtracted) when batch > 1 and the
  // clock resolves one op; empty otherwise, with the reason in single_op_note.
  std::vector<double> single_op_ns;
  double empty_pair_ns = 0;  // median cost of two clock readings around nothing
  std::string single_op_note;
  // The timed phase ended early because the median was known to ±median_half_width (relative)
  // after the samples taken; false when it ran to its budget or sample cap.
  bool stopped_early = false;
  double median_half_width = 0;
};

namespace detail {
double choose_target_sample_ns(const Clock& clock, const SamplerConfig& cfg);
std::uint64_t choose_batch(double op_ns, double target_ns, std::uint64_t max_batch);
// The median's 95% interval half-width relative to the median (order statistics, as
// core::compute_stats): empty below kMedianIntervalMinN samples or for a median of 0.
std::optional<double> median_half_width(std::vector<double> v);
double empty_pair_ns(const Clock& clock);
// Whether one op (op_ns, from the batched samples) can be timed alone, and if not, why.
std::string single_op_refusal(double op_ns, double empty_pair_ns, double min_ratio);
}  // namespace detail

// Times `op` (callable with no arguments). `counters` may be null.
template <class Op>
SampleSet sample_op(const Clock& clock, const SamplerConfig& cfg, Op&& op,
                    CounterWindow* counters = nullptr) {
  SampleSet out;
  // 1. warm-up, measuring single ops to size the batch.
  std::vector<double> single;
  const double warm_start = clock.now_ns();
  const double warm_end = warm_start + cfg.warmup_s * 1e9;
  do {
    const double t0 = clock.now_ns();
    op();
    clobber_memory();
    const double t1 = clock.now_ns();
    single.push_back(t1 - t0);
  } while (clock.now_ns() < warm_end && single.size() < 100000);

  // 2. batch size. A single op shorter than the target cannot be sized from one reading (it is
  // hidden in the clock's own cost), so trial batches double until one lasts a quarter of the
  // target, and the op's cost is read from that batch.
  const double target = detail::choose_target_sample_ns(clock, cfg);
  if (cfg.batch > 0) {
    out.batch = cfg.batch;
  } else {
    double op_ns = median(single) - clock.info().overhead_ns;
    if (op_ns < target) {
      std::uint64_t trial = 2;
      double trial_ns = 0;
      while (trial < cfg.max_batch) {
        const double t0 = clock.now_ns();
        for (std::uint64_t k = 0; k < trial; ++k) {
          op();
          do_not_optimize(k);
        }
        clobber_memory();
        trial_ns = clock.now_ns() - t0;
        if (trial_ns >= target / 4) break;
        trial *= 2;
      }
      op_ns = trial_ns / static_cast<double>(trial);
    }
    out.batch = detail::choose_batch(op_ns, target, cfg.max_batch);
  }
  const std::uint64_t batch = out.batch;

  // 3. empty-batch cost: the same loop shape with nothing in it.
  {
    std::vector<double> empty;
    for (int rep = 0; rep < 31; ++rep) {
      const double t0 = clock.now_ns();
      for (std::uint64_t k = 0; k < batch; ++k) {
        do_not_optimize(k);
      }
      clobber_memory();
      empty.push_back(clock.now_ns() - t0);
    }
    out.empty_batch_ns = median(std::move(empty));
  }

  // 4. timed samples, until core/sample_each.h's stop rule (the budget, the sample floor and
  // cap, the median's interval) ends them.
  SampleLimits limits;
  // A batched row leaves a share of its budget to the single-operation pass (step 5).
  limits.budget_s = cfg.budget_s * (batch > 1 ? 1 - cfg.single_op_share : 1);
  limits.min_samples = cfg.min_samples;
  limits.max_samples = cfg.max_samples;
  limits.target_median = cfg.target_median;
  limits.adaptive_min_samples = cfg.adaptive_min_samples;
  limits.adaptive_min_share = cfg.adaptive_min_share;
  if (counters) counters->start();
  SampleLoop loop(clock, limits);
  while (loop.more()) {
    const double t0 = clock.now_ns();
    for (std::uint64_t k = 0; k < batch; ++k) {
      op();
      do_not_optimize(k);
    }
    clobber_memory();
    const double raw = clock.now_ns() - t0;
    if (raw < out.empty_batch_ns) ++out.below_overhead;
    loop.add((raw - out.empty_batch_ns) / static_cast<double>(batch), t0 + raw);
  }
  const double end = clock.now_ns();
  if (counters) counters->stop();
  out.elapsed_ns = end - loop.start_ns();
  out.stopped_early = loop.stopped_early();
  out.median_half_width = loop.median_half_width();
  out.per_op_ns = loop.take_values();
  out.ops = static_cast<std::uint64_t>(out.per_op_ns.size()) * batch;

  // 5. single operations, for the tail a batch mean hides.
  if (batch > 1 && cfg.single_op_share > 0) {
    out.empty_pair_ns = detail::empty_pair_ns(clock);
    out.single_op_note = detail::single_op_refusal(median(out.per_op_ns), out.empty_pair_ns,
                                                   cfg.single_op_min_ratio);
    if (out.single_op_note.empty()) {
      const double single_deadline = clock.now_ns() + cfg.budget_s * cfg.single_op_share * 1e9;
      out.single_op_ns.reserve(4096);
      while (out.single_op_ns.size() < cfg.max_samples) {
        const double t0 = clock.now_ns();
        op();
        clobber_memory();
        const double t1 = clock.now_ns();
        out.single_op_ns.push_back(t1 - t0 - out.empty_pair_ns);
        if (out.single_op_ns.size() >= cfg.single_op_min_samples && t1 >= single_deadline) break;
      }
    }
  }
  return out;
}

// Sampler settings for a profile: budget from sample_budget_s, scaled by `scale`.
SamplerConfig sampler_config_for(Profile profile, double scale = 1.0);

}  // namespace illusion::core
