#include "cli/pin_option.h"

#include <fmt/format.h>

#include <string>

#include "core/errors.h"

namespace illusion::cli {
namespace {

std::string allowed_list(const cpu_set_t& set) {
  std::string out;
  for (int c = 0; c < CPU_SETSIZE; ++c)
    if (CPU_ISSET(c, &set)) {
      // Appended piecewise: `"," + std::string` trips GCC 12's false -Wrestrict (PR 105329).
      if (!out.empty()) out += ',';
      out += std::to_string(c);
    }
  return out;
}

}  // namespace

void validate_pin(int cpu, const char* flag) {
  cpu_set_t set;
  CPU_ZERO(&set);
  if (sched_getaffinity(0, sizeof set, &set) != 0) core::throw_errno("sched_getaffinity");
  if (cpu < 0 || cpu >= CPU_SETSIZE || !CPU_ISSET(cpu, &set))
    throw core::UsageError(
        fmt::format("{} {}: this process may only run on CPU(s) {}; choose one of them", flag, cpu,
                    allowed_list(set)));
}

int last_allowed_cpu() {
  cpu_set_t set;
  CPU_ZERO(&set);
  if (sched_getaffinity(0, sizeof set, &set) != 0) core::throw_errno("sched_getaffinity");
  for (int c = CPU_SETSIZE - 1; c >= 0; --c)
    if (CPU_ISSET(c, &set)) return c;
  return 0;
}

ScopedPin::ScopedPin(std::optional<int> cpu) {
  if (!cpu) return;
  CPU_ZERO(&saved_);
  if (sched_getaffinity(0, sizeof saved_, &saved_) != 0) core::throw_errno("sched_getaffinity");
  cpu_set_t one;
  CPU_ZERO(&one);
  CPU_SET(*cpu, &one);
  if (sched_setaffinity(0, sizeof one, &one) != 0)
    core::throw_errno(fmt::format("cannot pin to CPU {}", *cpu));
  active_ = true;
}

ScopedPin::~ScopedPin() {
  if (active_) sched_setaffinity(0, sizeof saved_, &saved_);
}

}  // namespace illusion::cli
