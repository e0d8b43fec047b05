// Energy from RAPL (Running Average Power Limit) counters, as the kernel's powercap framework
// exposes them: /sys/class/powercap/intel-rapl:N/energy_uj, a package's energy in microjoules
// since some origin, wrapping at max_energy_range_uj. AMD's Zen CPUs publish the same zones
// through the same driver; the "amd-rapl" prefix is read too should a kernel name them so.
// Where none is readable (a VM: the hypervisor passes no RAPL MSRs through, so the powercap
// directory does not exist) the meter says why instead of inventing a figure.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace illusion::labs::scheduling {

class EnergyMeter {
 public:
  // Finds the top-level (package) zones under `powercap_dir`; subzones ("intel-rapl:0:0", the
  // cores inside a package) are left out, since the package's figure already includes them.
  explicit EnergyMeter(std::string powercap_dir = "/sys/class/powercap");

  // "" when at least one zone can be read, else why no energy can be measured here.
  const std::string& unavailable() const { return reason_; }
  // The zones read, e.g. "intel-rapl:0 (package-0)", for params.
  std::string zones() const;

  void start();
  // Joules the zones used since start(), wraps accounted for; nullopt when unavailable or a
  // zone could not be read at the end.
  std::optional<double> joules_since_start() const;

 private:
  struct Zone {
    std::string dir, name;
    std::uint64_t max_range_uj = 0;
    std::uint64_t start_uj = 0;
  };
  std::vector<Zone> zones_;
  std::string reason_;
};

}  // namespace illusion::labs::scheduling
