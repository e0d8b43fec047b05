#include "core/sampler.h"

#include <fmt/format.h>

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

std::optional<double> median_half_width(std::vector<double> v) {
  if (v.size() < kMedianIntervalMinN) return std::nullopt;
  std::sort(v.begin(), v.end());
  const auto [l, u] = median_interval_ranks(v.size());
  const double med = percentile_sorted(v, 0.5);
  if (med == 0) return std::nullopt;
  return std::max(med - v[l - 1], v[u - 1] - med) / std::abs(med);
}

double empty_pair_ns(const Clock& clock) {
  std::vector<double> empty;
  for (int rep = 0; rep < 101; ++rep) {
    const double t0 = clock.now_ns();
    clobber_memory();
    empty.push_back(clock.now_ns() - t0);
  }
  return median(std::move(empty));
}

std::string single_op_refusal(double op_ns, double empty_pair_ns, double min_ratio) {
  if (!(op_ns > 0) || !std::isfinite(op_ns))
    return "the operation's cost was not positive, so single operations cannot be timed";
  if (op_ns < min_ratio * empty_pair_ns)
    return fmt::format(
        "one operation ({:.1f} ns) is shorter than {:g}x the cost of reading the clock around "
        "nothing ({:.1f} ns), so it cannot be timed alone: only batch means were measured",
        op_ns, min_ratio, empty_pair_ns);
  return "";
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
