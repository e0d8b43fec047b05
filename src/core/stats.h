// Summary statistics of a sample of per-operation costs.
//
// Pure functions over a vector of doubles, tested against hand-computed vectors
// (tests/core/stats_test.cpp). Percentiles use linear interpolation between closest ranks
// (the "R-7" definition, the default of R and NumPy), so p50 of {1,2,3,4} is 2.5.
#pragma once

#include <cstddef>
#include <initializer_list>
#include <vector>

namespace illusion::core {

struct Stats {
  std::size_t n = 0;
  double min = 0, p50 = 0, p90 = 0, p99 = 0, p999 = 0, max = 0;
  double mean = 0;
  double stddev = 0;  // sample standard deviation (n-1); 0 when n < 2
  double cv = 0;      // stddev / mean; 0 when the mean is 0
  std::size_t outliers = 0;  // samples further than 3.5 scaled MADs from the median
  double mad = 0;            // median absolute deviation, unscaled (for noise bounds)
};

// Percentile q in [0,1] of an already sorted vector (R-7 interpolation). Empty -> 0.
double percentile_sorted(const std::vector<double>& sorted, double q);

// The median of `values` (any order; R-7, so the mean of the middle two for an even count).
// Empty -> 0: callers that can be given nothing check first.
double median(std::vector<double> values);

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
