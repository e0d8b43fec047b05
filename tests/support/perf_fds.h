// How many perf_event_open(2) file descriptors this process holds now: lets a test check that
// no perf event is open while an operation is timed.
#pragma once

#include <limits.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <system_error>

namespace illusion::testing {

inline int perf_fds() {
  int n = 0;
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator("/proc/self/fd", ec)) {
    char target[PATH_MAX] = {};
    const ssize_t len = ::readlink(e.path().c_str(), target, sizeof target - 1);
    if (len > 0 && std::strstr(target, "perf_event") != nullptr) ++n;
  }
  return n;
}

}  // namespace illusion::testing
