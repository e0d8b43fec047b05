// What the Lab 3.4 commentary rules (commentary_io_*.cpp) share: the lab's row ids, a row's
// throughput when usable, and the words they all quote figures and bounds in.
#pragma once

#include <fmt/format.h>

#include <optional>
#include <string>
#include <vector>

#include "core/format.h"
#include "core/result.h"
#include "report/commentary_lookup.h"

namespace illusion::report::rules::io_rows {

inline constexpr const char* kLab = "mmap_vs_read.";

inline std::string id(const char* name) {
  return std::string(kLab) + name;
}

// The row's throughput_gbps metric when it is positive.
inline std::optional<double> gbps(const std::vector<core::Result>& results, const char* name) {
  const auto v = lookup::metric_of(results, id(name), "throughput_gbps");
  if (!v || *v <= 0) return std::nullopt;
  return v;
}

inline std::string format_gbps(double v) {
  return core::format_sig3(v) + " GB/s";
}

inline std::string within_ns(double bound) {
  return fmt::format("within noise (±{})", core::format_ns(bound));
}

inline std::string within_ratio() {
  return fmt::format("within {} of each other",
                     core::format_percent(lookup::kClearlyDifferent - 1));
}

}  // namespace illusion::report::rules::io_rows
