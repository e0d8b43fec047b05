// --pin CPU: run every experiment on one CPU, and put the old affinity back afterwards.
#pragma once

#include <sched.h>

#include <optional>

namespace illusion::cli {

// Checks that `cpu` is one this process may run on; throws UsageError naming `flag` and the
// allowed set.
void validate_pin(int cpu, const char* flag = "--pin");

// The highest-numbered CPU this process may run on (CPU 0 takes more of the machine's
// interrupts on most hosts).
int last_allowed_cpu();

// Pins the calling thread (and so every thread and child it creates) while alive.
class ScopedPin {
 public:
  explicit ScopedPin(std::optional<int> cpu);
  ScopedPin(const ScopedPin&) = delete;
  ScopedPin& operator=(const ScopedPin&) = delete;
  ~ScopedPin();

 private:
  bool active_ = false;
  cpu_set_t saved_{};
};

}  // namespace illusion::cli
