#include "report/commentary_lookup.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <variant>

#include "core/format.h"
#include "core/stats.h"

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
  // Only a single operation's p99: a batched row's p99 of batch means hides the slow calls.
  const core::Result* r = core::find_result(results, id);
  const core::Stats* ops = r ? core::per_op_stats(*r) : nullptr;
  if (!ops || !positive(ops->p99)) return std::nullopt;
  return ops->p99;
}

namespace {

double noise_of(const core::Result* ra, const core::Result* rb) {
  if (!ra || !rb || !ra->stats || !rb->stats) return 0;
  const double noise =
      core::difference_noise_bound({core::median_standard_error(ra->stats->mad, ra->stats->n),
                                    core::median_standard_error(rb->stats->mad, rb->stats->n)});
  return std::isfinite(noise) ? noise : 0;
}

}  // namespace

double median_bound(const core::Result* ra, double a, const core::Result* rb, double b) {
  return std::max(noise_of(ra, rb), ratio_bound(a, b));
}

double median_noise(const std::vector<core::Result>& results, const std::string& id_a,
                    const std::string& id_b) {
  return noise_of(core::find_result(results, id_a), core::find_result(results, id_b));
}

double noise_bound(const std::vector<core::Result>& results, const std::string& id_a, double a,
                   const std::string& id_b, double b) {
  return median_bound(core::find_result(results, id_a), a, core::find_result(results, id_b), b);
}

double ratio_bound(double a, double b) {
  return (kClearlyDifferent - 1) * std::min(std::fabs(a), std::fabs(b));
}

int direction(double a, double b, double bound) {
  if (!(std::fabs(b - a) > bound)) return 0;
  return b > a ? 1 : -1;
}

int positive_direction(double a, double b, double bound) {
  return a > 0 && b > 0 ? direction(a, b, bound) : 0;
}

std::string within_noise(double noise, const std::string& unit) {
  return fmt::format("within noise (\u00b1{})", core::format_value(noise, unit));
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
