// The clock every measurement goes through.
//
// On x86-64 with an invariant TSC (CPUID 0x80000007 EDX bit 8: the counter ticks at a constant
// rate through frequency changes and C-states) we read the TSC with rdtsc and convert ticks to
// nanoseconds with a factor calibrated against CLOCK_MONOTONIC at start-up. Anywhere else we
// fall back to clock_gettime(CLOCK_MONOTONIC), which the vDSO serves without a syscall when the
// kernel's clocksource allows it.
//
// Each clock reports its own cost (overhead of one reading) and resolution (smallest non-zero
// step), both measured, so the sampler can size batches that make them negligible.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

namespace illusion::core {

struct ClockInfo {
  std::string source;          // "tsc" or "clock_monotonic" (or "fake" in tests)
  bool invariant_tsc = false;  // CPU advertises an invariant TSC
  double ticks_per_ns = 0;     // calibrated TSC rate; 0 for non-TSC clocks
  double overhead_ns = 0;      // median cost of one reading, measured
  double resolution_ns = 0;    // smallest non-zero difference between readings, measured
};

class Clock {
 public:
  virtual ~Clock() = default;
  // Nanoseconds since an arbitrary origin; monotonic.
  virtual double now_ns() const = 0;
  virtual const ClockInfo& info() const = 0;
};

// True when CPUID says the TSC is invariant (x86-64 only).
bool cpu_has_invariant_tsc();

// Whether the kernel still trusts the TSC: it drops "tsc" from available_clocksource when its
// watchdog finds the counter unstable or unsynchronised across CPUs, and then rdtsc on two
// CPUs can disagree. nullopt when the list is unreadable (no evidence either way). `list` is the
// file's text; kernel_trusts_tsc() reads this machine's.
std::optional<bool> tsc_in_clocksource_list(const std::string& list);
std::optional<bool> kernel_trusts_tsc();

// The best clock this machine offers, calibrated and with its overhead measured: the TSC when
// CPUID calls it invariant and the kernel has not dropped it, else CLOCK_MONOTONIC.
// `prefer_tsc=false` forces the CLOCK_MONOTONIC clock (used by tests and as a cross-check).
std::unique_ptr<Clock> make_clock(bool prefer_tsc = true);

// Measures the median cost and the resolution of `clock` (fills info fields).
void measure_clock_overhead(const Clock& clock, double& overhead_ns, double& resolution_ns);

// A clock for tests: every reading advances time by `step_ns` (or by a scripted sequence),
// so the whole pipeline can be checked with no timing noise (hyperfine's MockExecutor idea).
class FakeClock final : public Clock {
 public:
  explicit FakeClock(double step_ns);
  double now_ns() const override;
  const ClockInfo& info() const override { return info_; }
  // Adds time, as if work took `ns`.
  void advance(double ns) const { now_ += ns; }

 private:
  double step_ns_;
  mutable double now_ = 0;
  ClockInfo info_;
};

}  // namespace illusion::core
