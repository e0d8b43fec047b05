// Where the lab's threads run and with what policy, and the promise to leave the process as it
// was found: every change of affinity, policy or nice is made on one thread through a guard
// that restores it, and the process's own mask is never changed.
#pragma once

#include <sched.h>

#include <optional>
#include <string>
#include <vector>

#include "core/clock.h"
#include "core/experiment.h"

namespace illusion::labs::scheduling {

// The CPUs this process may use (sched_getaffinity) and, when a cgroup caps it, the quota in
// CPUs' worth of time (cpu.max): 4 allowed CPUs with a 1.5-CPU quota run like 1.5.
struct CpuBudget {
  std::vector<int> cpus;
  std::optional<double> quota_cpus;
  // CPUs' worth of time the lab can really use at once: min(cpus, quota), at least 1.
  double usable() const;
};
CpuBudget cpu_budget(const core::RunContext& ctx);

// "" when two distinct CPUs can run threads at the same time, else why not (one CPU allowed,
// or a quota below two CPUs' worth): the reason cross-CPU rows give when they skip.
std::string cross_cpu_unavailable(const CpuBudget& budget);

// Saves the calling thread's affinity mask and restores it on destruction.
class AffinityGuard {
 public:
  AffinityGuard();
  AffinityGuard(const AffinityGuard&) = delete;
  AffinityGuard& operator=(const AffinityGuard&) = delete;
  ~AffinityGuard();
  // Pins the calling thread to `cpu`; "" on success, else why not.
  std::string pin(int cpu);

 private:
  cpu_set_t saved_{};
  bool ok_ = false;
};

// Saves the calling thread's policy, real-time priority and nice value; restores them on
// destruction. Each setter returns "" on success or why the kernel refused (EPERM without
// CAP_SYS_NICE or an RLIMIT_RTPRIO that allows it), and changes nothing on refusal.
//
// Restoring can be refused too: without CAP_SYS_NICE, lowering nice again and leaving
// SCHED_IDLE both need an RLIMIT_NICE that allows the nice value (setpriority(2), sched(7)),
// and the default limit of 0 allows neither. A destructor cannot report that, so restore()
// does the restoring early and says what was refused; the destructor only restores what
// restore() has not.
class PolicyGuard {
 public:
  PolicyGuard();
  PolicyGuard(const PolicyGuard&) = delete;
  PolicyGuard& operator=(const PolicyGuard&) = delete;
  ~PolicyGuard();
  std::string set_fifo(int priority);  // SCHED_FIFO at `priority` (1..99)
  std::string set_idle();              // SCHED_IDLE: runs only when nothing else wants the CPU
  std::string set_nice(int nice);      // SCHED_OTHER with this nice value (this thread only)
  // Puts back the saved policy and nice now: "" when the thread is as it was (or nothing was
  // changed), else what the kernel refused; the same answer as restore_problem() afterwards.
  std::string restore();
  // What restoring was refused ("" when it was not, or has not been tried).
  const std::string& restore_problem() const { return restore_problem_; }

 private:
  int policy_ = SCHED_OTHER;
  sched_param param_{};
  int nice_ = 0;
  bool changed_ = false;
  std::string restore_problem_;
};

// Why SCHED_FIFO cannot be used here ("" when it can), found by trying it on a short-lived
// thread: the answer the real-time rows give when they skip.
std::string fifo_unavailable();

// Busy work for `ns` nanoseconds by the clock: a frame's work or a batch thread's slice. Returns
// how many loop rounds it did (kept alive, so the compiler cannot delete the loop).
std::uint64_t spin_for(const core::Clock& clock, double ns);

// The kernel thread id of the caller (gettid(2)).
int thread_id();

}  // namespace illusion::labs::scheduling
