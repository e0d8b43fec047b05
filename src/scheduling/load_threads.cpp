#include "scheduling/load_threads.h"

#include <time.h>

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "core/barrier.h"
#include "scheduling/wake_timer.h"

namespace illusion::labs::scheduling {
namespace {

std::int64_t thread_cpu_ns() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<std::int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

}  // namespace

std::string apply_setup(const ThreadSetup& setup, AffinityGuard& affinity, PolicyGuard& policy) {
  if (setup.cpu) {
    if (std::string why = affinity.pin(*setup.cpu); !why.empty()) return why;
  }
  switch (setup.policy) {
    case ThreadPolicy::unchanged:
      return "";
    case ThreadPolicy::nice:
      return policy.set_nice(setup.level);
    case ThreadPolicy::idle:
      return policy.set_idle();
    case ThreadPolicy::fifo:
      return policy.set_fifo(setup.level);
  }
  return "";
}

std::string policy_name(const ThreadSetup& setup) {
  switch (setup.policy) {
    case ThreadPolicy::unchanged:
      return "SCHED_OTHER";
    case ThreadPolicy::nice:
      return fmt::format("nice {}", setup.level);
    case ThreadPolicy::idle:
      return "SCHED_IDLE";
    case ThreadPolicy::fifo:
      return fmt::format("SCHED_FIFO {}", setup.level);
  }
  return "";
}

std::string nice_unavailable(int nice) {
  std::string why;
  std::thread probe([&why, nice] {
    PolicyGuard guard;
    why = guard.set_nice(nice);
  });
  probe.join();
  return why;
}

LoadSize load_size(std::size_t cpus, const CpuBudget& budget) {
  LoadSize size;
  size.threads = std::max<std::size_t>(1, cpus);
  // On no more CPUs than the quota's worth the cgroup cannot outrun its quota: no throttling.
  if (!budget.quota_cpus || *budget.quota_cpus >= static_cast<double>(budget.cpus.size()))
    return size;
  const double quota = *budget.quota_cpus;
  // The most whole threads strictly below the quota, so the measured thread's own time (a
  // 1 ms sleeper's few microseconds per wake-up) still fits: a quota of exactly 2 CPUs
  // ("200000 100000") gets 1 thread, 2.5 gets 2. The epsilon absorbs the quotient's rounding.
  const double below = std::ceil(quota - 1e-9) - 1;
  const std::size_t fits = below >= 1 ? static_cast<std::size_t>(below) : 1;
  size.quota_limited = fits < size.threads;
  size.threads = std::min(size.threads, fits);
  size.spends_quota = static_cast<double>(size.threads) >= quota;
  return size;
}

BatchLoad::BatchLoad(std::size_t threads, const std::vector<int>& cpus, ThreadPolicy policy,
                     int level)
    : ready_(static_cast<std::ptrdiff_t>(threads)), reasons_(threads) {
  threads_.reserve(threads);
  for (std::size_t i = 0; i < threads; ++i) {
    ThreadSetup setup{.cpu = {}, .policy = policy, .level = level};
    if (!cpus.empty()) setup.cpu = cpus[i % cpus.size()];
    threads_.emplace_back(
        [this, i, setup](std::stop_token stop) { spin(i, setup, std::move(stop)); });
  }
  ready_.wait();
  started_ns_ = static_cast<double>(monotonic_ns());
}

BatchLoad::~BatchLoad() {
  stop();
}

void BatchLoad::stop() {
  if (stopped_ns_ > 0) return;
  for (std::jthread& t : threads_) t.request_stop();
  stopped_ns_ = static_cast<double>(monotonic_ns());
  for (std::jthread& t : threads_) t.join();
}

std::string BatchLoad::refusal() const {
  for (const std::string& why : reasons_)
    if (!why.empty()) return why;
  return "";
}

double BatchLoad::cpu_share() const {
  std::size_t spinning = 0;
  for (const std::string& why : reasons_) spinning += why.empty() ? 1 : 0;
  const double wall = stopped_ns_ - started_ns_;
  if (spinning == 0 || wall <= 0) return 0;
  return static_cast<double>(cpu_ns_.load()) / (wall * static_cast<double>(spinning));
}

void BatchLoad::spin(std::size_t index, const ThreadSetup& setup, std::stop_token stop) {
  AffinityGuard affinity;
  PolicyGuard policy;
  reasons_[index] = apply_setup(setup, affinity, policy);
  ready_.count_down();  // publishes reasons_[index] to the constructor's wait()
  if (!reasons_[index].empty()) return;
  const std::int64_t cpu0 = thread_cpu_ns();
  // xorshift64: pure ALU work with no memory traffic, so the load competes for CPU time only,
  // not for caches or memory bandwidth. The stop flag is read every ~10 us.
  std::uint64_t x = 0x9E3779B97F4A7C15ull + index;
  while (!stop.stop_requested()) {
    for (int k = 0; k < 4096; ++k) {
      x ^= x << 13;
      x ^= x >> 7;
      x ^= x << 17;
    }
    core::do_not_optimize(x);
  }
  cpu_ns_ += thread_cpu_ns() - cpu0;
}

}  // namespace illusion::labs::scheduling
