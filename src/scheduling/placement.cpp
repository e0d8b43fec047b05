#include "scheduling/placement.h"

#include <pthread.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <thread>

#include <fmt/format.h>

#include "core/affinity.h"
#include "core/barrier.h"

namespace illusion::labs::scheduling {
namespace {

std::string refused(const char* what, int err) {
  std::string why = fmt::format("{} was refused: {}", what, std::strerror(err));
  // setpriority(2) says EACCES where sched_setscheduler(2) says EPERM for the same missing
  // privilege (lowering nice beyond RLIMIT_NICE).
  if (err == EPERM || err == EACCES)
    why += " (needs CAP_SYS_NICE, or an RLIMIT_RTPRIO/RLIMIT_NICE that allows it)";
  return why;
}

const char* policy_name(int policy) {
  switch (policy) {
    case SCHED_OTHER:
      return "SCHED_OTHER";
    case SCHED_BATCH:
      return "SCHED_BATCH";
    case SCHED_IDLE:
      return "SCHED_IDLE";
    case SCHED_FIFO:
      return "SCHED_FIFO";
    case SCHED_RR:
      return "SCHED_RR";
    default:
      return "the saved policy";
  }
}

}  // namespace

double CpuBudget::usable() const {
  double n = static_cast<double>(cpus.size());
  if (quota_cpus) n = std::min(n, *quota_cpus);
  return std::max(1.0, n);
}

CpuBudget cpu_budget(const core::RunContext& ctx) {
  CpuBudget b;
  b.cpus = core::allowed_cpus();
  if (ctx.env) b.quota_cpus = ctx.env->cgroup_cpu_limit;
  return b;
}

std::string cross_cpu_unavailable(const CpuBudget& budget) {
  if (budget.cpus.size() < 2)
    return fmt::format(
        "this process may use only {} CPU{} (sched_getaffinity): there is no "
        "other CPU to wake or run on",
        budget.cpus.size(), budget.cpus.size() == 1 ? "" : "s");
  if (budget.quota_cpus && *budget.quota_cpus < 2)
    return fmt::format(
        "the cgroup's cpu.max allows {:.2f} CPUs' worth of time: two threads "
        "cannot both run at once for long",
        *budget.quota_cpus);
  return "";
}

AffinityGuard::AffinityGuard() {
  CPU_ZERO(&saved_);
  ok_ = pthread_getaffinity_np(pthread_self(), sizeof saved_, &saved_) == 0;
}

AffinityGuard::~AffinityGuard() {
  if (ok_) pthread_setaffinity_np(pthread_self(), sizeof saved_, &saved_);
}

std::string AffinityGuard::pin(int cpu) {
  return core::pin_this_thread(cpu);
}

PolicyGuard::PolicyGuard() {
  policy_ = sched_getscheduler(0);
  sched_getparam(0, &param_);
  errno = 0;
  nice_ = getpriority(PRIO_PROCESS, static_cast<id_t>(thread_id()));
}

PolicyGuard::~PolicyGuard() {
  restore();
}

std::string PolicyGuard::restore() {
  if (!changed_) return restore_problem_;
  // Tried once: a refusal will not turn into permission by trying again in the destructor.
  changed_ = false;
  restore_problem_.clear();
  auto note = [this](const std::string& why) {
    restore_problem_ += (restore_problem_.empty() ? "" : "; ") + why;
  };
  if (sched_setscheduler(0, policy_, &param_) != 0)
    note("restoring the policy: " + refused(policy_name(policy_), errno));
  if (setpriority(PRIO_PROCESS, static_cast<id_t>(thread_id()), nice_) != 0)
    note("restoring the nice value: " + refused(fmt::format("nice {}", nice_).c_str(), errno));
  return restore_problem_;
}

std::string PolicyGuard::set_fifo(int priority) {
  sched_param p{};
  p.sched_priority = priority;
  if (sched_setscheduler(0, SCHED_FIFO, &p) != 0) return refused("SCHED_FIFO", errno);
  changed_ = true;
  return "";
}

std::string PolicyGuard::set_idle() {
  sched_param p{};
  if (sched_setscheduler(0, SCHED_IDLE, &p) != 0) return refused("SCHED_IDLE", errno);
  changed_ = true;
  return "";
}

std::string PolicyGuard::set_nice(int nice) {
  // On Linux nice is per thread: PRIO_PROCESS with a thread id changes only that thread.
  if (setpriority(PRIO_PROCESS, static_cast<id_t>(thread_id()), nice) != 0)
    return refused(fmt::format("nice {}", nice).c_str(), errno);
  changed_ = true;
  return "";
}

std::string fifo_unavailable() {
  std::string why;
  std::thread probe([&why] {
    PolicyGuard guard;
    why = guard.set_fifo(1);
  });
  probe.join();
  return why;
}

std::uint64_t spin_for(const core::Clock& clock, double ns) {
  const double end = clock.now_ns() + ns;
  std::uint64_t rounds = 0;
  while (clock.now_ns() < end) {
    ++rounds;
    core::do_not_optimize(rounds);
  }
  return rounds;
}

int thread_id() {
  return static_cast<int>(::syscall(SYS_gettid));
}

}  // namespace illusion::labs::scheduling
