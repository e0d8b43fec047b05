// Whether a task pinned to one CPU is still on it, asked of getcpu(2) by the task itself: a way
// to see migrations of pinned tasks without perf, whose cpu-migrations event is refused to
// users below perf_event_paranoid 2 and under seccomp profiles that deny perf_event_open
// (Docker's default). A mask of one CPU leaves the scheduler nowhere else to run the task
// (sched_setaffinity(2)), so a task that was moved is found on another CPU until someone
// changes its mask back; a check costs one syscall, so it belongs in untimed passes only.
#pragma once

#include <cstddef>
#include <optional>
#include <string>

namespace illusion::labs::scheduling {

enum class CpuCheck : char { stayed, moved, failed };

// The CPU the calling thread runs on (getcpu(2) as a raw syscall), or -errno. Async-signal-
// safe, so a forked child of a threaded process may call it (fork(2)).
int cpu_now_raw();

// cpu_now_raw() against the CPU the calling thread was pinned to. Async-signal-safe.
CpuCheck check_cpu(int pinned_cpu);

// The one CPU the calling thread's mask allows, or nullopt when it allows more (or is unknown):
// only a thread pinned to one CPU can be checked this way.
std::optional<int> pinned_cpu_of_this_thread();

// Round trips of a ping-pong between two pinned tasks, each side checked after its hand-off.
class MoveTally {
 public:
  // The caller saw `caller_seen` (cpu_now_raw(): a CPU, or -errno) while pinned to
  // `caller_pinned`; the partner answered `partner`.
  void add(int caller_pinned, int caller_seen, CpuCheck partner);
  std::size_t round_trips() const { return round_trips_; }
  // Round trips on which a side ran elsewhere than its pinned CPU; nullopt when some check went
  // unanswered (failure() says which and why), since a partial count could hide a move.
  std::optional<double> moved() const;
  // Why moved() has no value; empty when it has one.
  std::string failure() const;
  // Refuses the whole tally, e.g. when the caller is not pinned to one CPU.
  void fail(std::string why);

 private:
  std::size_t round_trips_ = 0, moved_ = 0;
  std::string failure_;
};

}  // namespace illusion::labs::scheduling
