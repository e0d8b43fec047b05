// Counting this process's threads in tests that check a row left none behind.
#pragma once

#include <chrono>
#include <fstream>
#include <string>
#include <thread>

namespace illusion::testing {

// The "Threads:" line of /proc/self/status; -1 when unreadable.
inline int thread_count() {
  std::ifstream in("/proc/self/status");
  std::string key;
  int n = -1;
  while (in >> key) {
    if (key == "Threads:" && in >> n) return n;
    std::getline(in, key);
  }
  return n;
}

// The thread count once it has settled at `expected`, or what it is after about a second. A
// joined thread may still be counted for a moment: pthread_join returns when the thread clears
// its tid (in exit_mm), a little before the kernel drops it from the thread group, so a count
// taken right after a join can be one too many on a busy machine.
inline int thread_count_settled(int expected) {
  int n = thread_count();
  for (int i = 0; i < 200 && n != expected; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
    n = thread_count();
  }
  return n;
}

}  // namespace illusion::testing
