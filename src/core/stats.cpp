#include "core/stats.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace illusion::core {

double percentile_sorted(const std::vector<double>& sorted, double q) {
  if (sorted.empty()) return 0;
  if (sorted.size() == 1) return sorted.front();
  q = std::clamp(q, 0.0, 1.0);
  // h = (n-1) q; interpolate between floor(h) and floor(h)+1.
  const double h = static_cast<double>(sorted.size() - 1) * q;
  const auto lo = static_cast<std::size_t>(std::floor(h));
  const std::size_t hi = std::min(lo + 1, sorted.size() - 1);
  return sorted[lo] + (h - static_cast<double>(lo)) * (sorted[hi] - sorted[lo]);
}

double median(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  return percentile_sorted(values, 0.5);
}

double median_absolute_deviation(const std::vector<double>& values) {
  if (values.empty()) return 0;
  std::vector<double> sorted = values;
  std::sort(sorted.begin(), sorted.end());
  const double median = percentile_sorted(sorted, 0.5);
  std::vector<double> dev;
  dev.reserve(values.size());
  for (double v : values) dev.push_back(std::abs(v - median));
  std::sort(dev.begin(), dev.end());
  return percentile_sorted(dev, 0.5);
}

std::pair<std::size_t, std::size_t> median_interval_ranks(std::size_t n) {
  const double half = static_cast<double>(n) / 2;
  const double spread = 0.98 * std::sqrt(static_cast<double>(n));  // 1.96 / 2
  const auto clamp_rank = [n](double r) {
    return static_cast<std::size_t>(std::clamp(std::round(r), 1.0, static_cast<double>(n)));
  };
  return {clamp_rank(half - spread), clamp_rank(1 + half + spread)};
}

std::optional<double> median_relative_half_width(const Stats& s) {
  if (!s.median_lo || !s.median_hi || s.p50 == 0) return std::nullopt;
  return std::max(s.p50 - *s.median_lo, *s.median_hi - s.p50) / std::abs(s.p50);
}

Stats compute_stats(std::vector<double> values) {
  Stats s;
  s.n = values.size();
  if (values.empty()) return s;
  std::sort(values.begin(), values.end());
  s.min = values.front();
  s.max = values.back();
  s.p50 = percentile_sorted(values, 0.50);
  s.p90 = percentile_sorted(values, 0.90);
  s.p99 = percentile_sorted(values, 0.99);
  s.p999 = percentile_sorted(values, 0.999);
  double sum = 0;
  for (double v : values) sum += v;
  s.mean = sum / static_cast<double>(s.n);
  // Sample standard deviation is undefined for n = 1; report 0 rather than NaN.
  if (s.n > 1) {
    double sq = 0;
    for (double v : values) sq += (v - s.mean) * (v - s.mean);
    s.stddev = std::sqrt(sq / static_cast<double>(s.n - 1));
  }
  s.cv = s.mean != 0 ? s.stddev / std::abs(s.mean) : 0;
  // Outliers: modified z-score |x - median| / (1.4826 MAD) > 3.5 (Iglewicz and Hoaglin, 1993).
  // 1.4826 makes the MAD a consistent estimator of the standard deviation for normal data.
  // When MAD is 0 (over half the samples equal) any different value counts as an outlier.
  if (s.n >= kMedianIntervalMinN) {
    const auto [l, u] = median_interval_ranks(s.n);
    s.median_lo = values[l - 1];
    s.median_hi = values[u - 1];
  }
  const double mad = median_absolute_deviation(values);
  s.mad = mad;
  for (double v : values) {
    const double dev = std::abs(v - s.p50);
    if (mad > 0 ? dev / (1.4826 * mad) > 3.5 : dev > 0) ++s.outliers;
  }
  return s;
}

std::optional<double> cv_of_present(const std::vector<std::optional<double>>& values) {
  std::vector<double> present;
  for (const auto& x : values)
    if (x) present.push_back(*x);
  if (present.size() < 2) return std::nullopt;
  const Stats st = compute_stats(std::move(present));  // stddev with n - 1
  if (!(st.mean > 0)) return std::nullopt;
  return st.stddev / st.mean;
}

double median_standard_error(double mad, std::size_t n) {
  if (n < 2) return std::numeric_limits<double>::infinity();
  return 1.2533 * 1.4826 * mad / std::sqrt(static_cast<double>(n));
}

double median_standard_error(const std::vector<double>& values) {
  return median_standard_error(median_absolute_deviation(values), values.size());
}

double difference_noise_bound(std::initializer_list<double> standard_errors) {
  double sum_sq = 0;
  for (double e : standard_errors) {
    if (!std::isfinite(e)) return std::numeric_limits<double>::infinity();
    sum_sq += e * e;
  }
  return 3 * std::sqrt(sum_sq);
}

double difference_noise_bound(const std::vector<double>& a, const std::vector<double>& b) {
  return difference_noise_bound({median_standard_error(a), median_standard_error(b)});
}

}  // namespace illusion::core
