// Lookups of the Lab 3.5 rows that the scheduling commentary rules share.
#include "report/commentary_scheduling_rows.h"

#include <cmath>
#include <variant>

#include "report/commentary_lookup.h"

namespace illusion::report::rules::scheduling_rows {

using Results = std::vector<core::Result>;
using namespace lookup;

std::string id(const char* name) {
  return std::string("scheduling.") + name;
}

std::optional<double> p50(const Results& results, const char* name) {
  return p50_of(results, id(name));
}

std::optional<double> metric(const Results& results, const char* name, const char* metric_name) {
  return metric_of(results, id(name), metric_name);
}

std::optional<double> param(const Results& results, const char* name, const char* param_name) {
  const core::Result* r = core::find_result(results, id(name));
  if (!r) return std::nullopt;
  for (const core::Param& p : r->params)
    if (p.name == param_name)
      if (const double* v = std::get_if<double>(&p.value); v && std::isfinite(*v)) return *v;
  return std::nullopt;
}

double row_noise_bound(const Results& results, const char* name_a, double a, const char* name_b,
                       double b) {
  return noise_bound(results, id(name_a), a, id(name_b), b);
}

}  // namespace illusion::report::rules::scheduling_rows
