#include "scheduling/load_noise.h"

#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <sstream>
#include <string>

#include <fmt/format.h>

#include "scheduling/wake_timer.h"

namespace illusion::labs::scheduling {
namespace {

// Above this many CPUs' worth, other work plausibly shaped the tail (a compiler on one of two
// vCPUs is 0.5); below it, kernel housekeeping.
constexpr double kNoticeableCpus = 0.1;

double timeval_ns(const timeval& tv) {
  return static_cast<double>(tv.tv_sec) * 1e9 + static_cast<double>(tv.tv_usec) * 1e3;
}

}  // namespace

OtherWorkWindow::Sample OtherWorkWindow::Sample::now() {
  Sample s;
  s.wall_ns = static_cast<double>(monotonic_ns());
  // proc(5): "cpu user nice system idle iowait irq softirq steal guest guest_nice", in
  // USER_HZ ticks; guest time is already inside user. Busy = user+nice+system+irq+softirq.
  std::ifstream in("/proc/stat");
  std::string line, label;
  std::getline(in, line);
  std::istringstream fields(line);
  double v[8] = {};
  fields >> label;
  for (double& x : v) fields >> x;
  const double tick_ns = 1e9 / static_cast<double>(std::max(1L, sysconf(_SC_CLK_TCK)));
  s.machine_busy_ns = (v[0] + v[1] + v[2] + v[5] + v[6]) * tick_ns;
  s.steal_ns = v[7] * tick_ns;
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  s.own_ns = timeval_ns(ru.ru_utime) + timeval_ns(ru.ru_stime);
  return s;
}

void OtherWorkWindow::start() {
  start_ = Sample::now();
}
void OtherWorkWindow::stop() {
  stop_ = Sample::now();
}

double OtherWorkWindow::other_cpus() const {
  const double wall = stop_.wall_ns - start_.wall_ns;
  if (wall <= 0) return 0;
  const double other =
      (stop_.machine_busy_ns - start_.machine_busy_ns) - (stop_.own_ns - start_.own_ns);
  return std::max(0.0, other / wall);  // tick rounding can make a quiet machine read below 0
}

double OtherWorkWindow::steal_cpus() const {
  const double wall = stop_.wall_ns - start_.wall_ns;
  return wall > 0 ? (stop_.steal_ns - start_.steal_ns) / wall : 0;
}

void OtherWorkWindow::write(core::Result& r) const {
  r.add_metric("other_tasks_cpus", other_cpus(), "CPUs");
  r.add_metric("steal_cpus", steal_cpus(), "CPUs");
  if (other_cpus() > kNoticeableCpus)
    r.warnings.push_back(fmt::format(
        "other tasks used {:.2f} CPUs' worth of time while this row ran (/proc/stat less this "
        "process): the tail includes their competition, not only this row's",
        other_cpus()));
  if (steal_cpus() > kNoticeableCpus)
    r.warnings.push_back(fmt::format(
        "the hypervisor ran something else on this VM's vCPUs for {:.2f} CPUs' worth of time "
        "(steal): late wake-ups include it",
        steal_cpus()));
}

}  // namespace illusion::labs::scheduling
