#include "core/measure.h"

#include <fmt/format.h>

namespace illusion::core {

void finish_result(Result& r, const SampleSet& samples, const CounterWindow* counters,
                   const Clock& clock) {
  r.add_param("samples", static_cast<double>(samples.per_op_ns.size()));
  r.add_param("batch", static_cast<double>(samples.batch));
  r.add_param("empty_batch_ns", samples.empty_batch_ns);
  r.add_param("clock", clock.info().source);
  if (samples.below_overhead > 0) {
    r.warnings.push_back(fmt::format(
        "{} of {} samples took less than the empty loop ({:.1f} ns per batch of {}): the op is "
        "at the edge of what this clock resolves; values below zero were kept, not clamped",
        samples.below_overhead, samples.per_op_ns.size(), samples.empty_batch_ns,
        samples.batch));
  }
  if (samples.elapsed_ns > 0 && samples.ops > 0) {
    r.add_metric("ops_per_s", static_cast<double>(samples.ops) / (samples.elapsed_ns * 1e-9),
                 "ops/s");
  }
  finish_result(r, samples.per_op_ns, static_cast<double>(samples.ops), counters);
}

void finish_result(Result& r, std::vector<double> per_op_ns, double ops,
                   const CounterWindow* counters) {
  r.stats = compute_stats(std::move(per_op_ns));
  if (counters) counters->write_per_op(r, ops);
}

}  // namespace illusion::core
