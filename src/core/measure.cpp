#include "core/measure.h"

#include <fmt/format.h>

#include <cmath>

namespace illusion::core {

void finish_result(Result& r, const SampleSet& samples, const CounterWindow* counters,
                   const Clock& clock, double counted_ops) {
  r.add_param("samples", static_cast<double>(samples.per_op_ns.size()));
  r.add_param("batch", static_cast<double>(samples.batch));
  r.add_param("empty_batch_ns", samples.empty_batch_ns);
  if (samples.stopped_early)
    r.add_param("stopped", fmt::format("early, the median known to ±{:.2f}% after {} samples in "
                                       "{:.3f} s (core/sampler.h's adaptive stop)",
                                       samples.median_half_width * 100, samples.per_op_ns.size(),
                                       samples.elapsed_ns * 1e-9));
  r.add_param("clock", clock.info().source);
  if (samples.below_overhead > 0) {
    r.warnings.push_back(fmt::format(
        "{} of {} samples took less than the empty loop ({:.1f} ns per batch of {}): the op is "
        "at the edge of what this clock resolves; values below zero were kept, not clamped",
        samples.below_overhead, samples.per_op_ns.size(), samples.empty_batch_ns, samples.batch));
  }
  if (samples.elapsed_ns > 0 && samples.ops > 0) {
    r.add_metric("ops_per_s", static_cast<double>(samples.ops) / (samples.elapsed_ns * 1e-9),
                 "ops/s");
  }
  r.stats = compute_stats(samples.per_op_ns);
  set_ops_per_sample(r, static_cast<double>(samples.batch), samples.single_op_note);
  if (!samples.single_op_ns.empty()) {
    r.op_tail = compute_stats(samples.single_op_ns);
    r.op_tail_note.clear();
    r.add_param("single_op_samples", static_cast<double>(samples.single_op_ns.size()));
    r.add_param("empty_clock_pair_ns", samples.empty_pair_ns);
  }
  if (counters) {
    counters->write_per_op(r, counted_ops > 0 ? counted_ops : static_cast<double>(samples.ops));
    if (counted_ops > 0) r.add_param("counted_ops", counted_ops);
  }
}

void finish_result(Result& r, std::vector<double> per_op_ns, double ops,
                   const CounterWindow* counters) {
  const double values = static_cast<double>(per_op_ns.size());
  r.stats = compute_stats(std::move(per_op_ns));
  // Rounded: a last partial batch must not turn a row of single operations into a batched one.
  if (values > 0 && std::isfinite(ops)) set_ops_per_sample(r, std::round(ops / values));
  if (counters) counters->write_per_op(r, ops);
}

}  // namespace illusion::core
