#include "scheduling/load_noise.h"

#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <fstream>
#include <sstream>
#include <string>

#include <fmt/format.h>

#include "core/affinity.h"
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

CpuTicks cpu_ticks(std::string_view proc_stat, const std::vector<int>& cpus) {
  CpuTicks t;
  std::istringstream in{std::string(proc_stat)};
  std::string line;
  while (std::getline(in, line)) {
    // proc(5): "cpu user nice system idle iowait irq softirq steal guest guest_nice", then one
    // "cpuN ..." line per online CPU, then lines that do not start with "cpu".
    if (line.rfind("cpu", 0) != 0) continue;
    std::istringstream fields(line);
    std::string label;
    fields >> label;
    if (cpus.empty() ? label != "cpu" : label == "cpu") continue;
    if (!cpus.empty()) {
      int n = -1;
      const auto [ptr, ec] = std::from_chars(label.data() + 3, label.data() + label.size(), n);
      if (ec != std::errc() || ptr != label.data() + label.size()) continue;
      if (!std::binary_search(cpus.begin(), cpus.end(), n)) continue;
    }
    double v[8] = {};
    for (double& x : v) fields >> x;
    t.busy += v[0] + v[1] + v[2] + v[5] + v[6];
    t.steal += v[7];
  }
  return t;
}

OtherWorkWindow::Sample OtherWorkWindow::Sample::now(const std::vector<int>& cpus) {
  Sample s;
  s.wall_ns = static_cast<double>(monotonic_ns());
  // The "cpu" lines come first; the rest (an "intr" line of one count per interrupt) is skipped.
  std::ifstream in("/proc/stat");
  std::string text, line;
  while (std::getline(in, line) && line.rfind("cpu", 0) == 0) text += line + '\n';
  const CpuTicks ticks = cpu_ticks(text, cpus);
  const double tick_ns = 1e9 / static_cast<double>(std::max(1L, sysconf(_SC_CLK_TCK)));
  s.busy_ns = ticks.busy * tick_ns;
  s.steal_ns = ticks.steal * tick_ns;
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  s.own_ns = timeval_ns(ru.ru_utime) + timeval_ns(ru.ru_stime);
  return s;
}

void OtherWorkWindow::start() {
  cpus_ = core::allowed_cpus();  // ascending, as cpu_ticks' binary search needs
  start_ = Sample::now(cpus_);
}
void OtherWorkWindow::stop() {
  stop_ = Sample::now(cpus_);
}

double OtherWorkWindow::other_cpus() const {
  const double wall = stop_.wall_ns - start_.wall_ns;
  if (wall <= 0) return 0;
  const double other = (stop_.busy_ns - start_.busy_ns) - (stop_.own_ns - start_.own_ns);
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
        "other tasks used {:.2f} CPUs' worth of time on the CPUs this process may use while this "
        "row ran (their /proc/stat lines less this process): the tail includes their "
        "competition, not only this row's",
        other_cpus()));
  if (steal_cpus() > kNoticeableCpus)
    r.warnings.push_back(fmt::format(
        "the hypervisor ran something else on this VM's vCPUs for {:.2f} CPUs' worth of time "
        "(steal): late wake-ups include it",
        steal_cpus()));
}

}  // namespace illusion::labs::scheduling
