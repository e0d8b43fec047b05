// Host steal time, for tests that compare CPU time (perf's task_clock). In a VM, task_clock
// runs while the task is on its vCPU, including time the host took that vCPU away (steal), so a
// busy host inflates a row's CPU time by whatever it stole during its window; /proc/stat counts
// that time per CPU ("steal", the 8th field, in USER_HZ ticks: proc(5)). A CPU-time ordering is
// evidence only where none was stolen while the rows ran.
#pragma once

#include <unistd.h>

#include <fstream>
#include <optional>
#include <sstream>
#include <string>

namespace illusion::testing {

// Milliseconds stolen from all CPUs since boot; nullopt where /proc/stat has no steal field.
inline std::optional<double> steal_ms_total() {
  std::ifstream in("/proc/stat");
  std::string line;
  if (!std::getline(in, line)) return std::nullopt;
  std::istringstream words(line);
  std::string label;
  unsigned long long field[8] = {};
  words >> label;
  for (unsigned long long& f : field)
    if (!(words >> f)) return std::nullopt;
  const long hz = sysconf(_SC_CLK_TCK);
  return hz > 0 ? 1e3 * static_cast<double>(field[7]) / static_cast<double>(hz) : 0.0;
}

// Steal during a stretch of a test: start on construction, `stolen_ms()` since then.
class StealWatch {
 public:
  StealWatch() : start_(steal_ms_total()) {}
  std::optional<double> stolen_ms() const {
    const auto now = steal_ms_total();
    if (!start_ || !now) return std::nullopt;
    return *now - *start_;
  }

 private:
  std::optional<double> start_;
};

}  // namespace illusion::testing
