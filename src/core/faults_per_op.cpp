// core::faults_per_op (declared in counters.h): the one perf-else-getrusage rule for a result's
// fault counts.
#include <cmath>
#include <optional>
#include <string>

#include "core/counters.h"
#include "core/result.h"

namespace illusion::core {
namespace {

std::optional<double> finite_per_op(const Result& r, const std::string& name) {
  const CounterValue* c = r.counter(name);
  if (!c || !c->per_op || !std::isfinite(*c->per_op)) return std::nullopt;
  return c->per_op;
}

}  // namespace

std::optional<FaultsPerOp> faults_per_op(const Result& r, FaultKind kind) {
  const auto minor = finite_per_op(r, "rusage_minor_faults");
  const auto major = finite_per_op(r, "rusage_major_faults");
  std::optional<double> perf, rusage;
  switch (kind) {
    case FaultKind::all:
      perf = finite_per_op(r, "page_faults");
      if (minor) rusage = *minor + major.value_or(0);
      break;
    case FaultKind::minor:
      perf = finite_per_op(r, "minor_faults");
      rusage = minor;
      break;
    case FaultKind::major:
      perf = finite_per_op(r, "major_faults");
      rusage = major;
      break;
  }
  const bool perf_missed = perf && rusage && *rusage > *perf + 0.5 && *rusage > 1.1 * *perf;
  if (perf && !perf_missed) return FaultsPerOp{*perf, false};
  if (rusage) return FaultsPerOp{*rusage, true};
  return std::nullopt;
}

}  // namespace illusion::core
