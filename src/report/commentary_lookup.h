// Lookups the commentary rules share: a result's figures when they are usable, nullopt when
// the experiment did not run, failed, or produced something that cannot be divided by.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/result.h"

namespace illusion::report::lookup {

// The median of an ok, sampled result when it is finite and positive.
std::optional<double> p50_of(const std::vector<core::Result>& results, const std::string& id);
// The p99 of an ok, sampled result when it is finite and positive.
std::optional<double> p99_of(const std::vector<core::Result>& results, const std::string& id);
// A metric of an ok result when finite.
std::optional<double> metric_of(const std::vector<core::Result>& results, const std::string& id,
                                const std::string& name);
// A per-op counter of an ok result when it was counted.
std::optional<double> counter_of(const std::vector<core::Result>& results, const std::string& id,
                                 const std::string& name);
// A text parameter of an ok result ("" when absent or a number).
std::string param_text_of(const std::vector<core::Result>& results, const std::string& id,
                          const std::string& name);
// The unit of an ok result ("" when absent), to refuse comparing different units.
std::string unit_of(const std::vector<core::Result>& results, const std::string& id);

}  // namespace illusion::report::lookup
