// The one call most experiments need: time an op with the sampler, count events around it,
// and package everything as a Result.
//
// Experiments whose samples need untimed set-up between them (a fresh page per sample, a new
// child per fork) time each sample themselves and hand the values to `finish_result`.
#pragma once

#include <cstdint>
#include <utility>
#include <vector>

#include "core/counters.h"
#include "core/experiment.h"
#include "core/result.h"
#include "core/sampler.h"

namespace illusion::core {

struct MeasureOptions {
  double budget_scale = 1.0;  // multiply the profile's sampling budget
  std::uint64_t batch = 0;    // 0: automatic
  bool counters = true;       // open perf counters around the timed samples
  bool inherit = false;       // counters follow new threads / children
};



// Stats, counters per op and the standard params/metrics (samples, batch, loop overhead,
// ops/s) from a finished sample set. Adds a warning when samples fell below loop overhead.
void finish_result(Result& r, const SampleSet& samples, const CounterWindow* counters,
                   const Clock& clock);

// For hand-timed experiments: per-op values, the number of ops they cover.
void finish_result(Result& r, std::vector<double> per_op_ns, double ops,
                   const CounterWindow* counters);

template <class Op>
Result measure(const RunContext& ctx, Result r, Op&& op, const MeasureOptions& opt = {}) {
  SamplerConfig cfg = sampler_config_for(ctx.profile, opt.budget_scale);
  cfg.batch = opt.batch;
  CounterWindow window(opt.counters, opt.inherit);
  SampleSet s = sample_op(*ctx.clock, cfg, op, &window);
  finish_result(r, s, &window, *ctx.clock);
  return r;
}

}  // namespace illusion::core
