#include "scheduling/wake_cdf.h"

#include <algorithm>

namespace illusion::labs::scheduling {

core::Series latency_cdf(std::vector<double> values, const std::string& x_unit,
                         std::size_t points) {
  core::Series s{"cdf", x_unit, "fraction", {}};
  if (values.empty() || points == 0) return s;
  std::sort(values.begin(), values.end());
  const std::size_t n = values.size();
  for (std::size_t k = 1; k <= points; ++k) {
    // The sample at fraction k/points, then the fraction at its last copy: y is then exact
    // (a share of samples <= x), and ties collapse into one point.
    const std::size_t at = (k * n + points - 1) / points - 1;
    const double x = values[at];
    if (!s.points.empty() && x <= s.points.back().first) continue;
    const auto last = std::upper_bound(values.begin(), values.end(), x);
    s.points.emplace_back(x, static_cast<double>(last - values.begin()) / static_cast<double>(n));
  }
  return s;
}

}  // namespace illusion::labs::scheduling
