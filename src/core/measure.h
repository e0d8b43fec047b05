// The one call most experiments need: time an op with the sampler, count events around it,
// and package everything as a Result.
//
// Experiments whose samples need untimed set-up between them (a fresh page per sample, a new
// child per fork) time each sample with core/sample_each.h and hand the values to
// `finish_result`.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "core/barrier.h"
#include "core/counters.h"
#include "core/experiment.h"
#include "core/result.h"
#include "core/sampler.h"

namespace illusion::core {

struct MeasureOptions {
  double budget_scale = 1.0;  // multiply the profile's sampling budget
  std::uint64_t batch = 0;    // 0: automatic
  bool counters = true;       // count perf events and getrusage in an untimed pass
  bool inherit = false;       // counters follow new threads / children
  // Share of the sampling budget the untimed counting pass may take (at least one batch).
  double count_share = 0.1;
};

// Stats, the per-operation tail, counters per op and the standard params/metrics (samples,
// batch, loop overhead, ops/s) from a finished sample set. `counted_ops` are the operations
// `counters` covered (0: the sample set's own). Adds a warning when samples fell below loop
// overhead.
void finish_result(Result& r, const SampleSet& samples, const CounterWindow* counters,
                   const Clock& clock, double counted_ops = 0);

// For hand-timed experiments: one value per sample and the number of operations the samples
// cover together (for per-op counts). When the samples cover more operations than there are
// values, each value is a mean over ops / values.size() operations, recorded as
// r.ops_per_sample so that no reporter shows its percentiles as an operation's.
void finish_result(Result& r, std::vector<double> per_op_ns, double ops,
                   const CounterWindow* counters);

// Times `op` with no perf event open (an open event adds work to every context switch and
// interrupt the op causes), then counts events in a separate untimed pass of the same op.
template <class Op>
Result measure(const RunContext& ctx, Result r, Op&& op, const MeasureOptions& opt = {}) {
  SamplerConfig cfg = sampler_config_for(ctx.profile, opt.budget_scale);
  cfg.batch = opt.batch;
  SampleSet s = sample_op(*ctx.clock, cfg, op, nullptr);
  CounterWindow window(opt.counters, opt.inherit);
  const double count_until = ctx.clock->now_ns() + cfg.budget_s * opt.count_share * 1e9;
  std::uint64_t counted = 0;
  std::size_t batches = 0;
  window.start();
  // At least as many batches as the profile's minimum samples: a per-op mean over a handful of
  // slow ops (a fork) would carry whatever one of them met (an interrupt, a stolen slice).
  do {
    for (std::uint64_t k = 0; k < s.batch; ++k) {
      op();
      do_not_optimize(k);
    }
    clobber_memory();
    counted += s.batch;
    ++batches;
  } while (batches < cfg.min_samples || ctx.clock->now_ns() < count_until);
  window.stop();
  finish_result(r, s, &window, *ctx.clock, static_cast<double>(counted));
  return r;
}

}  // namespace illusion::core
