#include "scheduling/busy_thread_stats.h"

#include <time.h>

#include <fstream>
#include <sstream>
#include <string>

namespace illusion::labs::scheduling {
namespace {

// "se.nr_migrations    :    12" -> 12.
std::optional<std::uint64_t> read_migrations() {
  std::ifstream in("/proc/thread-self/sched");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("se.nr_migrations", 0) != 0) continue;
    const auto colon = line.find(':');
    if (colon == std::string::npos) return std::nullopt;
    try {
      return std::stoull(line.substr(colon + 1));
    } catch (const std::exception&) {
      return std::nullopt;
    }
  }
  return std::nullopt;
}

std::optional<ThreadSchedSnapshot::SchedStat> read_schedstat() {
  std::ifstream in("/proc/thread-self/schedstat");
  double run = 0, wait = 0;
  std::uint64_t slices = 0;
  if (!(in >> run >> wait >> slices)) return std::nullopt;
  return ThreadSchedSnapshot::SchedStat{run, wait, slices};
}

}  // namespace

double thread_cpu_time_ns() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) * 1e9 + static_cast<double>(ts.tv_nsec);
}

ThreadSchedSnapshot ThreadSchedSnapshot::now() {
  ThreadSchedSnapshot s;
  s.migrations = read_migrations();
  s.schedstat = read_schedstat();
  s.rusage = core::RusageSnapshot::now();
  s.cpu_ns = thread_cpu_time_ns();
  return s;
}

std::optional<CpuTimes> cpu_times(int cpu) {
  // "cpuN user nice system idle iowait irq softirq steal guest guest_nice" (proc(5)); guest
  // time is already inside user, so it is not added twice.
  std::ifstream in("/proc/stat");
  const std::string want = "cpu" + std::to_string(cpu);
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream fields(line);
    std::string name;
    fields >> name;
    if (name != want) continue;
    double v[8] = {};
    for (double& x : v) fields >> x;
    CpuTimes t;
    t.idle = v[3] + v[4];
    for (double x : v) t.total += x;
    return t;
  }
  return std::nullopt;
}

}  // namespace illusion::labs::scheduling
