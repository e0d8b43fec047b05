#include "core/affinity.h"

#include <pthread.h>
#include <sched.h>

#include <cstring>

#include <fmt/format.h>

namespace illusion::core {

std::vector<int> allowed_cpus() {
  std::vector<int> out;
  cpu_set_t set;
  CPU_ZERO(&set);
  if (sched_getaffinity(0, sizeof set, &set) != 0) return out;
  for (int c = 0; c < CPU_SETSIZE; ++c)
    if (CPU_ISSET(c, &set)) out.push_back(c);
  return out;
}

std::string pin_this_thread(int cpu) {
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(cpu, &set);
  if (const int rc = pthread_setaffinity_np(pthread_self(), sizeof set, &set); rc != 0)
    return fmt::format("could not pin a thread to CPU {}: {}", cpu, std::strerror(rc));
  // The new mask takes effect at once for the calling thread (it is migrated before the call
  // returns), so a mismatch here means something else moved it.
  if (const int now = sched_getcpu(); now != cpu)
    return fmt::format("a thread pinned to CPU {} runs on CPU {}", cpu, now);
  return "";
}

}  // namespace illusion::core
