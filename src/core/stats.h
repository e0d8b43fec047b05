// Summary statistics of a sample of per-operation costs.
//
// Pure functions over a vector of doubles, tested against hand-computed vectors
// (tests/core/stats_test.cpp). Percentiles use linear interpolation between closest ranks
// (the "R-7" definition, the default of R and NumPy), so p50 of {1,2,3,4} is 2.5.
#pragma once

#include <cstddef>
#include <initializer_list>
#include <optional>
#include <utility>
#include <vector>

namespace illusion::core {

struct Stats {
  std::size_t n = 0;
  double min = 0, p50 = 0, p90 = 0, p99 = 0, p999 = 0, max = 0;
  double mean = 0;
  double stddev = 0;         // sample standard deviation (n-1); 0 when n < 2
  double cv = 0;             // stddev / mean; 0 when the mean is 0
  std::size_t outliers = 0;  // samples further than 3.5 scaled MADs from the median
  double mad = 0;            // median absolute deviation, unscaled (for noise bounds)
  // The median's 95% confidence interval from order statistics (distribution-free: no
  // assumption about the shape, so a VM's skewed, bimodal samples are fine); empty for fewer
  // than kMedianIntervalMinN samples. See median_interval_ranks.
  std::optional<double> median_lo, median_hi;
};

// The fewest samples the median's interval is given for: below it the normal approximation of
// the binomial behind the ranks is poor.
inline constexpr std::size_t kMedianIntervalMinN = 10;

// How precisely a figure's median must be known to be called firm: its 95% interval within
// ±1% of it (issue 17's target). Rows that miss are marked in the tables.
inline constexpr double kFirmMedian = 0.01;

// The 1-based ranks (l, u) of the order statistics bounding the median's 95% interval among n
// sorted samples: l = round(n/2 - 0.98 sqrt(n)), u = round(1 + n/2 + 0.98 sqrt(n)), clamped to
// [1, n] (the binomial(n, 1/2) normal approximation; n = 100 gives 40 and 61).
std::pair<std::size_t, std::size_t> median_interval_ranks(std::size_t n);

// The interval's half-width relative to the median: max(p50 - lo, hi - p50) / |p50|; empty when
// there is no interval or the median is 0.
std::optional<double> median_relative_half_width(const Stats& s);

// Percentile q in [0,1] of an already sorted vector (R-7 interpolation). Empty -> 0.
double percentile_sorted(const std::vector<double>& sorted, double q);

// The median of `values` (any order; R-7, so the mean of the middle two for an even count).
// Empty -> 0: callers that can be given nothing check first.
double median(std::vector<double> values);

// The coefficient of variation (sample stddev / mean) of the values present in `values`, the
// missing ones skipped: how much one figure moved across runs or records. Empty with fewer than
// two values present, or when their mean is not above zero (a subtraction can leave a median at
// or below zero, where a relative spread means nothing).
std::optional<double> cv_of_present(const std::vector<std::optional<double>>& values);

// Median absolute deviation, unscaled.
double median_absolute_deviation(const std::vector<double>& values);

// All statistics of `values` (any order). Empty input gives n = 0 and zeros.
Stats compute_stats(std::vector<double> values);

// Standard error of a sample's median from its MAD: sigma ~ 1.4826 MAD for a normal core, and
// the median's standard error ~ 1.2533 sigma / sqrt(n). Robust to the outliers a VM produces.
// Infinity for fewer than two samples (nothing is known about the spread).
// (For a Stats, pass its mad and n.)
double median_standard_error(double mad, std::size_t n);
double median_standard_error(const std::vector<double>& values);

// The noise bound of a difference (or any sum) of independent medians: three times the root sum
// of squares of their standard errors. A difference within it is what two runs of the same
// condition could show, so it is reported as "within noise", not as an effect. Infinity when
// any standard error is.
double difference_noise_bound(std::initializer_list<double> standard_errors);
// The bound of median(a) - median(b), from the samples themselves.
double difference_noise_bound(const std::vector<double>& a, const std::vector<double>& b);

}  // namespace illusion::core
