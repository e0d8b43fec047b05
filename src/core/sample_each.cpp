#include "core/sample_each.h"

#include <algorithm>

#include "core/sampler.h"

namespace illusion::core {

SampleLoop::SampleLoop(const Clock& clock, const SampleLimits& limits)
    : limits_(limits),
      start_ns_(clock.now_ns()),
      deadline_ns_(start_ns_ + limits.budget_s * 1e9),
      earliest_stop_ns_(start_ns_ + limits.budget_s * 1e9 * limits.adaptive_min_share),
      next_check_(std::max(limits.adaptive_min_samples, limits.min_samples)),
      done_(limits.max_samples == 0) {
  values_.reserve(std::min<std::size_t>(limits.max_samples, 4096));
}

void SampleLoop::add(double value, double end_ns) {
  values_.push_back(value);
  after_sample(end_ns);
}

void SampleLoop::add(std::span<const double> values, double end_ns) {
  values_.insert(values_.end(), values.begin(), values.end());
  after_sample(end_ns);
}

// The order of sample_op's checks: the budget, then the median's interval, then the cap.
void SampleLoop::after_sample(double end_ns) {
  ++samples_;
  if (samples_ >= limits_.min_samples && end_ns >= deadline_ns_) {
    done_ = true;
    return;
  }
  if (limits_.target_median > 0 && samples_ >= next_check_ && end_ns >= earliest_stop_ns_) {
    next_check_ = samples_ + samples_ / 2;
    if (const auto half = detail::median_half_width(values_);
        half && *half <= limits_.target_median) {
      stopped_early_ = true;
      median_half_width_ = *half;
      done_ = true;
      return;
    }
  }
  if (samples_ >= limits_.max_samples) done_ = true;
}

}  // namespace illusion::core
