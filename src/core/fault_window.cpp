#include "core/fault_window.h"

#include <sys/resource.h>

#include <algorithm>
#include <optional>

#include <fmt/format.h>

#include "core/result.h"

namespace illusion::core {

FaultCount fault_count_from(const std::vector<CounterReading>& perf, const RusageSnapshot& before,
                            const RusageSnapshot& after) {
  std::optional<double> faults, major;
  bool user_only = false;
  for (const CounterReading& c : perf) {
    if (c.name == "page_faults") faults = c.value;
    if (c.name == "major_faults") major = c.value;
    if ((c.name == "page_faults" || c.name == "major_faults") && c.value && c.user_only)
      user_only = true;
  }
  FaultCount out;
  if (faults && major) {
    out.faults = *faults;
    out.major = *major;
    out.source = "perf";
    if (user_only) out.user_only_warning = user_mode_only_warning("page_faults, major_faults", false);
  } else {
    out.major = static_cast<double>(after.major_faults - before.major_faults);
    out.faults = static_cast<double>(after.minor_faults - before.minor_faults) + out.major;
    out.source = "rusage";
  }
  return out;
}

std::string user_mode_only_warning(const std::string& events, bool rusage_beside) {
  // exclude_kernel drops events raised with kernel registers: a fault taken while a syscall
  // copies into an untouched user buffer is not counted, though getrusage(2) counts it.
  return fmt::format("counted in user mode only ({}; faults taken inside syscalls are missed{}): {}",
                     perf_paranoid_description(),
                     rusage_beside ? ", the rusage_ counts include them" : "", events);
}

void add_fault_warnings(Result& r, const FaultCount& c) {
  if (c.user_only_warning.empty()) return;
  if (std::find(r.warnings.begin(), r.warnings.end(), c.user_only_warning) == r.warnings.end())
    r.warnings.push_back(c.user_only_warning);
}

FaultWindow::FaultWindow() : set_(CounterSet::open({.inherit = false, .hardware = false})) {}

void FaultWindow::start() {
  before_ = RusageSnapshot::now(RUSAGE_THREAD);
  set_.start();
}

void FaultWindow::stop() {
  set_.stop();
  after_ = RusageSnapshot::now(RUSAGE_THREAD);
}

FaultCount FaultWindow::read() const { return fault_count_from(set_.read(), before_, after_); }

}  // namespace illusion::core
