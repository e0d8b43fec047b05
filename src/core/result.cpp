#include "core/result.h"

#include <fmt/format.h>

#include <cmath>

namespace illusion::core {

const Metric* Result::metric(const std::string& name) const {
  for (const Metric& m : metrics)
    if (m.name == name) return &m;
  return nullptr;
}

const CounterValue* Result::counter(const std::string& name) const {
  for (const CounterValue& c : counters)
    if (c.name == name) return &c;
  return nullptr;
}

const Stats* per_op_stats(const Result& r) {
  if (!r.stats) return nullptr;
  if (r.ops_per_sample <= 1) return &*r.stats;
  return r.op_tail ? &*r.op_tail : nullptr;
}

const Result* find_result(const std::vector<Result>& results, const std::string& id) {
  for (const Result& r : results)
    if (r.id == id && r.status == Status::ok) return &r;
  return nullptr;
}

void set_ops_per_sample(Result& r, double k, std::string why_no_tail) {
  r.ops_per_sample = std::isfinite(k) && k > 1 ? k : 1;
  if (r.ops_per_sample <= 1) {
    r.op_tail_note.clear();
    return;
  }
  r.op_tail_note =
      why_no_tail.empty()
          ? fmt::format("each sample is the mean of {:g} operations timed together; single "
                        "operations were not timed, so there is no per-operation tail",
                        r.ops_per_sample)
          : std::move(why_no_tail);
}

}  // namespace illusion::core
