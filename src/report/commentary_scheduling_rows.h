// What the Lab 3.5 commentary rules (commentary_scheduling_*.cpp) share: lookups of the lab's
// rows by their short name ("futex_same_cpu" for "scheduling.futex_same_cpu").
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/result.h"

namespace illusion::report::rules::scheduling_rows {

// "scheduling.<name>".
std::string id(const char* name);
std::optional<double> p50(const std::vector<core::Result>& results, const char* name);
std::optional<double> metric(const std::vector<core::Result>& results, const char* name,
                             const char* metric_name);
// A numeric parameter of an ok result (the configuration it ran with), when finite.
std::optional<double> param(const std::vector<core::Result>& results, const char* name,
                            const char* param_name);
// median_bound of the rows "scheduling.<name_a>" and "scheduling.<name_b>".
double row_noise_bound(const std::vector<core::Result>& results, const char* name_a, double a,
                       const char* name_b, double b);

}  // namespace illusion::report::rules::scheduling_rows
