#include "core/clock.h"

#include <time.h>

#include <algorithm>
#include <sstream>
#include <vector>

#include "core/text_file.h"

#if defined(__x86_64__)
#include <cpuid.h>
#include <x86intrin.h>
#endif

namespace illusion::core {
namespace {

double monotonic_ns() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<double>(ts.tv_sec) * 1e9 + static_cast<double>(ts.tv_nsec);
}

class MonotonicClock final : public Clock {
 public:
  MonotonicClock() { info_.source = "clock_monotonic"; }
  double now_ns() const override { return monotonic_ns(); }
  const ClockInfo& info() const override { return info_; }
  ClockInfo info_;
};

#if defined(__x86_64__)
// rdtsc alone may be executed before earlier instructions retire; the lfence before it keeps
// the measured work inside the window (Intel SDM vol. 2, RDTSC: "If software requires RDTSC to
// be executed only after all previous instructions have executed ... use LFENCE").
inline std::uint64_t fenced_rdtsc() {
  _mm_lfence();
  const std::uint64_t t = __rdtsc();
  _mm_lfence();
  return t;
}

class TscClock final : public Clock {
 public:
  TscClock() {
    info_.source = "tsc";
    info_.invariant_tsc = true;
    calibrate();
  }
  double now_ns() const override {
    return static_cast<double>(fenced_rdtsc() - base_) * ns_per_tick_;
  }
  const ClockInfo& info() const override { return info_; }
  ClockInfo info_;

 private:
  // Counts TSC ticks across ~20 ms of CLOCK_MONOTONIC, three times, and keeps the median rate:
  // long enough that the two clocks' read costs are ~1e-6 of the interval.
  void calibrate() {
    std::vector<double> rates;
    for (int i = 0; i < 3; ++i) {
      const double m0 = monotonic_ns();
      const std::uint64_t t0 = fenced_rdtsc();
      double m1 = m0;
      while (m1 - m0 < 20e6) m1 = monotonic_ns();
      const std::uint64_t t1 = fenced_rdtsc();
      rates.push_back(static_cast<double>(t1 - t0) / (m1 - m0));
    }
    std::sort(rates.begin(), rates.end());
    info_.ticks_per_ns = rates[1];
    ns_per_tick_ = 1.0 / rates[1];
    base_ = fenced_rdtsc();
  }
  std::uint64_t base_ = 0;
  double ns_per_tick_ = 1;
};
#endif

}  // namespace

bool cpu_has_invariant_tsc() {
#if defined(__x86_64__)
  unsigned eax = 0, ebx = 0, ecx = 0, edx = 0;
  if (__get_cpuid_max(0x80000000, nullptr) < 0x80000007) return false;
  __cpuid(0x80000007, eax, ebx, ecx, edx);
  return (edx & (1u << 8)) != 0;
#else
  return false;
#endif
}

std::optional<bool> tsc_in_clocksource_list(const std::string& list) {
  std::istringstream words(list);
  std::string w;
  bool any = false;
  while (words >> w) {
    if (w == "tsc") return true;
    any = true;
  }
  if (!any) return std::nullopt;
  return false;
}

std::optional<bool> kernel_trusts_tsc() {
  const std::optional<std::string> text =
      read_text("/sys/devices/system/clocksource/clocksource0/available_clocksource");
  if (!text) return std::nullopt;
  return tsc_in_clocksource_list(*text);
}

void measure_clock_overhead(const Clock& clock, double& overhead_ns, double& resolution_ns) {
  // Back-to-back readings: their median difference is the cost of one reading; the smallest
  // non-zero difference is the finest step the clock can show.
  constexpr int kReads = 2001;
  std::vector<double> diffs;
  diffs.reserve(kReads);
  double smallest = 0;
  double prev = clock.now_ns();
  for (int i = 0; i < kReads; ++i) {
    const double now = clock.now_ns();
    const double d = now - prev;
    diffs.push_back(d);
    if (d > 0 && (smallest == 0 || d < smallest)) smallest = d;
    prev = now;
  }
  std::nth_element(diffs.begin(), diffs.begin() + kReads / 2, diffs.end());
  overhead_ns = diffs[kReads / 2];
  resolution_ns = smallest;
}

std::unique_ptr<Clock> make_clock(bool prefer_tsc) {
#if defined(__x86_64__)
  if (prefer_tsc && cpu_has_invariant_tsc() && kernel_trusts_tsc().value_or(true)) {
    auto clock = std::make_unique<TscClock>();
    measure_clock_overhead(*clock, clock->info_.overhead_ns, clock->info_.resolution_ns);
    return clock;
  }
#endif
  auto clock = std::make_unique<MonotonicClock>();
  clock->info_.invariant_tsc = cpu_has_invariant_tsc();
  measure_clock_overhead(*clock, clock->info_.overhead_ns, clock->info_.resolution_ns);
  return clock;
}

FakeClock::FakeClock(double step_ns) : step_ns_(step_ns) {
  info_.source = "fake";
  info_.overhead_ns = step_ns;
  info_.resolution_ns = step_ns;
}

double FakeClock::now_ns() const {
  now_ += step_ns_;
  return now_;
}

}  // namespace illusion::core
