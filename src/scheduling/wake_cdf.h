// The empirical CDF of a latency sample, thinned to a chart's worth of points.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "core/result.h"

namespace illusion::labs::scheduling {

// Series "cdf" (x: value in `x_unit`, y: fraction of samples <= x) with at most `points` points
// plus the maximum: x strictly increasing (equal values share one point, at the fraction that
// includes them all), y increasing and ending at 1.0 at the largest value. Empty input, empty
// series.
core::Series latency_cdf(std::vector<double> values, const std::string& x_unit,
                         std::size_t points = 64);

}  // namespace illusion::labs::scheduling
