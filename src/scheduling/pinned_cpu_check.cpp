#include "scheduling/pinned_cpu_check.h"

#include <sched.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "core/affinity.h"

namespace illusion::labs::scheduling {

int cpu_now_raw() {
  unsigned cpu = 0;
  if (syscall(SYS_getcpu, &cpu, nullptr, nullptr) != 0) return -errno;
  return static_cast<int>(cpu);
}

CpuCheck check_cpu(int pinned_cpu) {
  const int now = cpu_now_raw();
  if (now < 0) return CpuCheck::failed;
  return now == pinned_cpu ? CpuCheck::stayed : CpuCheck::moved;
}

std::optional<int> pinned_cpu_of_this_thread() {
  const std::vector<int> cpus = core::allowed_cpus();
  if (cpus.size() != 1) return std::nullopt;
  return cpus.front();
}

void MoveTally::add(int caller_pinned, int caller_seen, CpuCheck partner) {
  ++round_trips_;
  if (!failure_.empty()) return;
  // The first failure is kept: later ones would repeat it.
  if (caller_seen < 0) {
    failure_ = fmt::format("getcpu failed in the calling thread: {}", std::strerror(-caller_seen));
    return;
  }
  if (partner == CpuCheck::failed) {
    failure_ = "getcpu failed in the partner";
    return;
  }
  if (caller_seen != caller_pinned || partner == CpuCheck::moved) ++moved_;
}

std::optional<double> MoveTally::moved() const {
  if (!failure().empty()) return std::nullopt;
  return static_cast<double>(moved_);
}

std::string MoveTally::failure() const {
  if (failure_.empty() && round_trips_ == 0) return "no round trip was checked";
  return failure_;
}

void MoveTally::fail(std::string why) {
  if (failure_.empty()) failure_ = std::move(why);
}

}  // namespace illusion::labs::scheduling
