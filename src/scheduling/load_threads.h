// Batch load for the latency rows: busy threads that want every cycle they can get, each
// optionally pinned and given a policy, and how a measured thread is set up the same way.
// Every change falls on a thread this file creates (or on the measuring thread the rows create),
// never on the caller, and the load's threads are joined on every exit path.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <latch>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "scheduling/placement.h"

namespace illusion::labs::scheduling {

enum class ThreadPolicy { unchanged, nice, idle, fifo };

// Where one thread runs and at what priority.
struct ThreadSetup {
  std::optional<int> cpu;  // pinned there when set
  ThreadPolicy policy = ThreadPolicy::unchanged;
  int level = 0;  // the nice value (nice) or the real-time priority (fifo)
};

// Applies `setup` to the calling thread through guards the caller keeps for the thread's life
// (they restore the thread as it was); "" on success, else why the kernel refused.
std::string apply_setup(const ThreadSetup& setup, AffinityGuard& affinity, PolicyGuard& policy);

// "SCHED_OTHER", "nice 19", "SCHED_IDLE", "SCHED_FIFO 50": the policy part, for params.
std::string policy_name(const ThreadSetup& setup);

// "" when the calling process may give a thread nice `nice` (tried on a short-lived thread,
// like fifo_unavailable()), else why not: lowering nice below 0 needs CAP_SYS_NICE or
// RLIMIT_NICE.
std::string nice_unavailable(int nice);

// How many busy threads a row may start to take `cpus` of the budget's CPUs (all of them, or
// all but the measured thread's). One per CPU, unless the cgroup's CPU quota is below the
// budget's CPU count: CFS bandwidth control then throttles the whole cgroup once the quota is
// spent, the measured thread included, so the load is cut to the most whole threads that leave
// part of the quota to the measured thread. At least 1, which spends a quota of 1 CPU or less.
struct LoadSize {
  std::size_t threads = 1;
  bool quota_limited = false;  // the quota, not `cpus`, set the count
  bool spends_quota = false;   // even this many spend the quota: the cgroup will be throttled
};
LoadSize load_size(std::size_t cpus, const CpuBudget& budget);

// N threads spinning on arithmetic from construction until stop() or destruction.
class BatchLoad {
 public:
  // Thread i runs on cpus[i % cpus.size()] when `cpus` is non-empty, anywhere allowed otherwise,
  // with `policy` at `level`. Returns once every thread is spinning or has given up.
  BatchLoad(std::size_t threads, const std::vector<int>& cpus, ThreadPolicy policy, int level);
  BatchLoad(const BatchLoad&) = delete;
  BatchLoad& operator=(const BatchLoad&) = delete;
  ~BatchLoad();

  // Stops and joins every thread; idempotent.
  void stop();
  // The first thread's setup refusal, "" when every thread runs as asked.
  std::string refusal() const;
  std::size_t threads() const { return reasons_.size(); }
  // After stop(): the CPU time the load got over its threads' wall time (1.0: never lost a CPU).
  double cpu_share() const;

 private:
  void spin(std::size_t index, const ThreadSetup& setup, std::stop_token stop);

  std::latch ready_;
  std::vector<std::string> reasons_;  // one slot per thread, written before it counts down
  std::atomic<std::int64_t> cpu_ns_{0};
  double started_ns_ = 0, stopped_ns_ = 0;
  std::vector<std::jthread> threads_;  // last: destroyed (stopped, joined) before the rest
};

}  // namespace illusion::labs::scheduling
