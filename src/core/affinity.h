// Which CPUs this process may use, and pinning one thread (never the whole process, whose mask
// the labs promise to leave as they found it).
#pragma once

#include <string>
#include <vector>

namespace illusion::core {

// The CPUs the calling thread may run on (sched_getaffinity(2)), ascending; empty when unknown.
std::vector<int> allowed_cpus();

// Pins the calling thread, and only it, to `cpu` (pthread_setaffinity_np); "" on success, else
// why not. Checks with sched_getcpu(3) that the thread is there.
std::string pin_this_thread(int cpu);

}  // namespace illusion::core
