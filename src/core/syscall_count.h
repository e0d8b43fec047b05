// Counting syscalls per op with the raw_syscalls:sys_enter tracepoint, in an untimed pass.
//
// Why untimed: while that tracepoint is registered every syscall in the system takes the traced
// slow path (syscall_trace_enter), which on the development VM made getppid ~1.8x slower
// (164 -> 294 ns). So the count is taken after the timed samples, and the counter is closed
// (the tracepoint unregistered) right after. "Counts, not assumptions": a vDSO call that
// silently became a syscall, or a libc wrapper that makes two, shows up here.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "core/barrier.h"
#include "core/counters.h"
#include "core/result.h"

namespace illusion::core {

// The raw_syscalls:sys_enter perf counter, on its own.
class SyscallCounter {
 public:
  SyscallCounter();
  void start() { set_.start(); }
  void stop() { set_.stop(); }
  // Syscalls counted between start() and stop(); nullopt (reason()) when unavailable.
  std::optional<double> total();
  const std::string& reason() const { return reason_; }

 private:
  CounterSet set_;
  std::string reason_;
};

// Records `syscalls` per op from an untimed pass (counted - empty-window baseline) / ops as the
// result's "syscalls" counter, or a warning with the reason when the event is unavailable.
void record_syscall_count(Result& r, std::optional<double> counted,
                          std::optional<double> baseline, double ops, const std::string& reason);

// Runs `op` `repeats` times, untimed, with the syscall counter on, and records syscalls per op,
// one op being 1/ops_per_repeat of a call of `op`. An empty window counted first removes the
// counter's own enable/disable ioctls from the count.
template <class Op>
void count_syscalls(Result& r, std::uint64_t repeats, Op&& op, double ops_per_repeat = 1) {
  SyscallCounter counter;
  counter.start();
  counter.stop();
  const std::optional<double> baseline = counter.total();
  counter.start();
  for (std::uint64_t i = 0; i < repeats; ++i) {
    op();
    clobber_memory();
  }
  counter.stop();
  record_syscall_count(r, counter.total(), baseline,
                       static_cast<double>(repeats) * ops_per_repeat, counter.reason());
}

}  // namespace illusion::core
