// Summary statistics of a sample of per-operation costs.
//
// Pure functions over a vector of doubles, tested against hand-computed vectors
// (tests/core/stats_test.cpp). Percentiles use linear interpolation between closest ranks
// (the "R-7" definition, the default of R and NumPy), so p50 of {1,2,3,4} is 2.5.
#pragma once

#include <cstddef>
#include <vector>

namespace illusion::core {

struct Stats {
  std::size_t n = 0;
  double min = 0, p50 = 0, p90 = 0, p99 = 0, p999 = 0, max = 0;
  double mean = 0;
  double stddev = 0;  // sample standard deviation (n-1); 0 when n < 2
  double cv = 0;      // stddev / mean; 0 when the mean is 0
  std::size_t outliers = 0;  // samples further than 3.5 scaled MADs from the median
};

// Percentile q in [0,1] of an already sorted vector (R-7 interpolation). Empty -> 0.
double percentile_sorted(const std::vector<double>& sorted, double q);

// Median absolute deviation, unscaled.
double median_absolute_deviation(const std::vector<double>& values);

// All statistics of `values` (any order). Empty input gives n = 0 and zeros.
Stats compute_stats(std::vector<double> values);

}  // namespace illusion::core
