#include "core/fault_window.h"

#include <sys/resource.h>

#include <optional>

namespace illusion::core {

FaultWindow::FaultWindow() : set_(CounterSet::open({.inherit = false, .hardware = false})) {}

void FaultWindow::start() {
  before_ = RusageSnapshot::now(RUSAGE_THREAD);
  set_.start();
}

void FaultWindow::stop() {
  set_.stop();
  after_ = RusageSnapshot::now(RUSAGE_THREAD);
}

FaultCount FaultWindow::read() const {
  std::optional<double> faults, major;
  for (const CounterReading& c : set_.read()) {
    if (c.name == "page_faults") faults = c.value;
    if (c.name == "major_faults") major = c.value;
  }
  FaultCount out;
  if (faults && major) {
    out.faults = *faults;
    out.major = *major;
    out.source = "perf";
  } else {
    out.major = static_cast<double>(after_.major_faults - before_.major_faults);
    out.faults = static_cast<double>(after_.minor_faults - before_.minor_faults) + out.major;
    out.source = "rusage";
  }
  return out;
}

}  // namespace illusion::core
