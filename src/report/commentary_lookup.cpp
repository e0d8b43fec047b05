#include "report/commentary_lookup.h"

#include <cmath>
#include <variant>

namespace illusion::report::lookup {
namespace {

bool positive(double v) { return std::isfinite(v) && v > 0; }

}  // namespace

std::optional<double> p50_of(const std::vector<core::Result>& results, const std::string& id) {
  // A zero or negative median (an empty-loop subtraction that overshot) cannot be divided by.
  const core::Result* r = core::find_result(results, id);
  if (!r || !r->stats || !positive(r->stats->p50)) return std::nullopt;
  return r->stats->p50;
}

std::optional<double> p99_of(const std::vector<core::Result>& results, const std::string& id) {
  const core::Result* r = core::find_result(results, id);
  if (!r || !r->stats || !positive(r->stats->p99)) return std::nullopt;
  return r->stats->p99;
}

std::optional<double> metric_of(const std::vector<core::Result>& results, const std::string& id,
                                const std::string& name) {
  const core::Result* r = core::find_result(results, id);
  const core::Metric* m = r ? r->metric(name) : nullptr;
  if (!m || !std::isfinite(m->value)) return std::nullopt;
  return m->value;
}

std::string param_text_of(const std::vector<core::Result>& results, const std::string& id,
                          const std::string& name) {
  const core::Result* r = core::find_result(results, id);
  if (!r) return "";
  for (const core::Param& p : r->params)
    if (p.name == name)
      if (const std::string* text = std::get_if<std::string>(&p.value)) return *text;
  return "";
}

std::optional<double> counter_of(const std::vector<core::Result>& results, const std::string& id,
                                 const std::string& name) {
  const core::Result* r = core::find_result(results, id);
  const core::CounterValue* c = r ? r->counter(name) : nullptr;
  if (!c || !c->per_op || !std::isfinite(*c->per_op)) return std::nullopt;
  return c->per_op;
}

std::string unit_of(const std::vector<core::Result>& results, const std::string& id) {
  const core::Result* r = core::find_result(results, id);
  return r ? r->unit : "";
}

}  // namespace illusion::report::lookup
