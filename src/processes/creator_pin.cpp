#include "processes/creator_pin.h"

#include <pthread.h>

#include <cerrno>
#include <cstring>

#include <fmt/format.h>

#include "core/affinity.h"

namespace illusion::labs::processes {

CreatorPin::CreatorPin(const core::RunContext& ctx) {
  if (ctx.pin_cpu) {
    placement_ = fmt::format(
        "the run is pinned to CPU {} (--pin); children inherit the mask and start there",
        *ctx.pin_cpu);
    return;
  }
  if (core::allowed_cpus().size() == 1) {
    placement_ = "one CPU allowed: parent and child share it";
    return;
  }
  if (const int rc = pthread_getaffinity_np(pthread_self(), sizeof saved_, &saved_); rc != 0) {
    problem_ = fmt::format("could not read this thread's CPU mask: {}", std::strerror(rc));
  } else if (const int cpu = sched_getcpu(); cpu < 0) {
    problem_ = fmt::format("sched_getcpu failed: {}", std::strerror(errno));
  } else {
    problem_ = core::pin_this_thread(cpu);
    // pthread_setaffinity_np may have changed the mask even when the check after it failed.
    restore_ = true;
    if (problem_.empty())
      placement_ = fmt::format(
          "parent pinned for this row to CPU {}, the one it was on; children inherit the mask, "
          "so each starts on its creator's CPU",
          cpu);
  }
  if (!problem_.empty()) placement_ = "unpinned (pinning failed): a child may start on another CPU";
}

CreatorPin::~CreatorPin() {
  if (restore_) pthread_setaffinity_np(pthread_self(), sizeof saved_, &saved_);
}

void CreatorPin::record(core::Result& r) const {
  r.add_param("placement", placement_);
  if (!problem_.empty())
    r.warnings.push_back(fmt::format(
        "{}: children were placed by the kernel, which on a busy machine may start them on a "
        "CPU where another task runs, so the figure can include waiting for it",
        problem_));
}

}  // namespace illusion::labs::processes
