#include "core/syscall_count.h"

#include <fmt/format.h>

namespace illusion::core {

SyscallCounter::SyscallCounter() {
  CounterOptions options;
  options.hardware = false;
  options.software = false;
  options.syscalls = true;
  set_ = CounterSet::open(options);
}

std::optional<double> SyscallCounter::total() {
  for (const CounterReading& c : set_.read()) {
    if (c.name != "syscalls") continue;
    if (!c.value) reason_ = c.reason;
    return c.value;
  }
  reason_ = "the syscalls event is not among the counters this build knows";
  return std::nullopt;
}

void record_syscall_count(Result& r, std::optional<double> counted,
                          std::optional<double> baseline, double ops, const std::string& reason) {
  std::optional<double> per_op;
  if (counted && ops > 0) per_op = (*counted - baseline.value_or(0)) / ops;
  r.counters.push_back(CounterValue{"syscalls", per_op});
  if (!per_op)
    r.warnings.push_back(fmt::format("syscalls: unavailable ({})",
                                     reason.empty() ? std::string("no ops counted") : reason));
  else
    r.add_param("syscalls_counted_ops", ops);
}

}  // namespace illusion::core
