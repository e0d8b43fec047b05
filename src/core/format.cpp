#include "core/format.h"

#include <ctime>

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <utility>

namespace illusion::core {
namespace {

// Decimal exponent of |v| after rounding to `sig` significant figures, so that 999.6 counts
// as 1000 (exponent 3) and is printed "1.00 µs", not "1000 ns".
int rounded_exponent(double v, int sig) {
  const double a = std::fabs(v);
  int e = static_cast<int>(std::floor(std::log10(a)));
  const double scale = std::pow(10.0, sig - 1 - e);
  if (std::round(a * scale) / scale >= std::pow(10.0, e + 1)) ++e;
  return e;
}

// `v` with `sig` significant figures and at most `max_decimals` decimals.
std::string fixed_sig(double v, int sig, int max_decimals) {
  if (v == 0) return "0";
  const int decimals = std::clamp(sig - 1 - rounded_exponent(v, sig), 0, max_decimals);
  return fmt::format("{:.{}f}", v, decimals);
}

}  // namespace

std::string format_sig3(double value) {
  if (!std::isfinite(value)) return kMissing;
  if (value != 0 && std::fabs(value) < 1e-4) return fmt::format("{:.2e}", value);
  return fixed_sig(value, 3, 6);
}

std::string format_ns(double ns) {
  if (!std::isfinite(ns)) return kMissing;
  if (ns == 0) return "0 ns";
  struct Scale {
    double divisor;
    const char* unit;
  };
  static constexpr Scale kScales[] = {{1, "ns"}, {1e3, "µs"}, {1e6, "ms"}, {1e9, "s"}};
  for (const Scale& s : kScales) {
    const double v = ns / s.divisor;
    // Sub-nanosecond figures (a function call) keep their digits: "0.312 ns".
    if (rounded_exponent(v, 3) < 3 || s.divisor == 1e9)
      return fmt::format("{} {}", format_sig3(v), s.unit);
  }
  return kMissing;  // unreachable: the seconds scale always returns
}

std::string format_count(double value) {
  if (!std::isfinite(value)) return kMissing;
  const double a = std::fabs(value);
  if (a == 0) return "0";
  // Rare, but not zero: "1 in 25.0k" (per op) rather than scientific notation or a 0.
  if (a < 0.0005) return fmt::format("{}1 in {}", value < 0 ? "-" : "", format_count(1 / a));
  if (rounded_exponent(value, 3) < 4) return fixed_sig(value, 3, 3);
  // Compact columns: 12345 cycles per op reads better as "12.3k".
  static constexpr const char* kSuffix[] = {"k", "M", "G", "T"};
  double v = value / 1e3;
  for (const char* suffix : kSuffix) {
    if (rounded_exponent(v, 3) < 3 || suffix[0] == 'T') return fixed_sig(v, 3, 2) + suffix;
    v /= 1e3;
  }
  return kMissing;  // unreachable
}

std::string format_ratio(double ratio) {
  if (!std::isfinite(ratio)) return kMissing;
  if (ratio == 0) return "0x";
  const int e = rounded_exponent(ratio, 2);
  // Two significant figures below 10 ("1.3x", "0.25x"), whole numbers above ("95x").
  const int decimals = e >= 1 ? 0 : 1 - e;
  return fmt::format("{:.{}f}x", ratio, std::min(decimals, 4));
}

std::string format_whole(double value) {
  if (!std::isfinite(value)) return kMissing;
  const double f = std::floor(value);
  if (std::fabs(f) >= 9e18) return format_sig3(f);
  const std::int64_t n = static_cast<std::int64_t>(f);
  std::string digits = std::to_string(n < 0 ? -n : n);
  std::string out;
  for (std::size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return n < 0 ? "-" + out : out;
}

std::string format_percent(double fraction) {
  if (!std::isfinite(fraction)) return kMissing;
  const double p = fraction * 100;
  if (p == 0) return "0%";
  const int e = rounded_exponent(p, 2);
  const int decimals = e >= 1 ? 0 : std::min(1 - e, 4);
  return fmt::format("{:.{}f}%", p, decimals);
}

std::string display_unit(const std::string& unit) {
  if (unit == "us" || unit.rfind("us/", 0) == 0) return "µs" + unit.substr(2);
  return unit;
}

std::string format_value(double value, const std::string& unit) {
  if (unit == "ns" || unit == "ns/op") return format_ns(value);
  // Durations in any of the time units the JSON uses print as format_ns does: "12.6 µs".
  for (const auto& [name, ns] : {std::pair{"ns", 1.0}, std::pair{"us", 1e3}, std::pair{"ms", 1e6}}) {
    const std::string prefix = name;
    if (unit != prefix && unit.rfind(prefix + "/", 0) != 0) continue;
    const std::string t = format_ns(value * ns);
    return t == kMissing ? t : t + unit.substr(2);  // "30.1 ns" + "/KiB"
  }
  if (!std::isfinite(value)) return kMissing;
  return unit.empty() ? format_sig3(value) : format_sig3(value) + " " + unit;
}

std::string utc_now_iso8601() {
  const std::time_t now = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&now, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

}  // namespace illusion::core
