#include "core/result.h"

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

const Result* find_result(const std::vector<Result>& results, const std::string& id) {
  for (const Result& r : results)
    if (r.id == id && r.status == Status::ok) return &r;
  return nullptr;
}

}  // namespace illusion::core
