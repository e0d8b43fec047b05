#include "core/sampler.h"

namespace illusion::core {
namespace detail {

double choose_target_sample_ns(const Clock& clock, const SamplerConfig& cfg) {
  if (cfg.target_sample_ns > 0) return cfg.target_sample_ns;
  // 200 clock readings' worth keeps the reading cost under 0.5% of a sample; the floor of 2 us
  // keeps a sample well above the clock's resolution even where the TSC reads in ~10 ns.
  const ClockInfo& info = clock.info();
  return std::max({200.0 * info.overhead_ns, 200.0 * info.resolution_ns, 2000.0});
}

std::uint64_t choose_batch(double op_ns, double target_ns, std::uint64_t max_batch) {
  if (op_ns <= 0) return max_batch < 1024 ? max_batch : 1024;  // too fast to see: batch a lot
  const double k = std::ceil(target_ns / op_ns);
  if (k <= 1) return 1;
  if (k >= static_cast<double>(max_batch)) return max_batch;
  return static_cast<std::uint64_t>(k);
}

double median_of(std::vector<double> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return percentile_sorted(v, 0.5);
}

}  // namespace detail

SamplerConfig sampler_config_for(Profile profile, double scale) {
  SamplerConfig cfg;
  cfg.budget_s = sample_budget_s(profile) * scale;
  cfg.warmup_s = profile == Profile::quick ? 0.005 : 0.02;
  cfg.min_samples = profile == Profile::quick ? 10 : 30;
  return cfg;
}

}  // namespace illusion::core
