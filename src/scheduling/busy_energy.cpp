#include "scheduling/busy_energy.h"

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>

#include <fmt/format.h>

namespace illusion::labs::scheduling {
namespace {

namespace fs = std::filesystem;

bool is_package_zone(const std::string& name) {
  for (const char* prefix : {"intel-rapl:", "amd-rapl:"}) {
    const std::string p = prefix;
    if (name.rfind(p, 0) == 0) return name.find(':', p.size()) == std::string::npos;
  }
  return false;
}

// The first line of a sysfs file; errno describes a failure to open it.
std::optional<std::string> read_line(const std::string& path) {
  errno = 0;
  std::ifstream in(path);
  std::string line;
  if (!in || !std::getline(in, line)) return std::nullopt;
  return line;
}

std::optional<std::uint64_t> read_u64(const std::string& path) {
  const auto line = read_line(path);
  if (!line || line->empty()) return std::nullopt;
  try {
    return std::stoull(*line);
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

}  // namespace

EnergyMeter::EnergyMeter(std::string powercap_dir) {
  std::error_code ec;
  if (!fs::is_directory(powercap_dir, ec)) {
    reason_ = fmt::format(
        "no {} directory: this kernel exposes no power-capping zones (in a VM the hypervisor "
        "passes no RAPL energy counters through)",
        powercap_dir);
    return;
  }
  std::string refusal;
  for (const fs::directory_entry& e : fs::directory_iterator(powercap_dir, ec)) {
    const std::string name = e.path().filename().string();
    if (!is_package_zone(name)) continue;
    const std::string dir = e.path().string();
    // energy_uj is readable by root only since Linux 5.10 (CVE-2020-8694: power side channel).
    const auto now = read_u64(dir + "/energy_uj");
    if (!now) {
      refusal = fmt::format("{}/energy_uj could not be read: {}", dir,
                            errno ? std::strerror(errno) : "not a number");
      continue;
    }
    Zone z{.dir = dir, .name = name, .max_range_uj = 0, .start_uj = *now};
    if (const auto label = read_line(dir + "/name")) z.name += " (" + *label + ")";
    z.max_range_uj = read_u64(dir + "/max_energy_range_uj").value_or(0);
    zones_.push_back(std::move(z));
  }
  if (!zones_.empty()) return;
  reason_ = refusal.empty()
                ? fmt::format("{} holds no intel-rapl/amd-rapl package zone", powercap_dir)
                : refusal;
}

std::string EnergyMeter::zones() const {
  std::string out;
  for (const Zone& z : zones_) out += (out.empty() ? "" : ", ") + z.name;
  return out;
}

void EnergyMeter::start() {
  for (Zone& z : zones_) z.start_uj = read_u64(z.dir + "/energy_uj").value_or(z.start_uj);
}

std::optional<double> EnergyMeter::joules_since_start() const {
  if (zones_.empty()) return std::nullopt;
  double uj = 0;
  for (const Zone& z : zones_) {
    const auto now = read_u64(z.dir + "/energy_uj");
    if (!now) return std::nullopt;
    // The counter wraps at max_energy_range_uj back to 0.
    if (*now >= z.start_uj)
      uj += static_cast<double>(*now - z.start_uj);
    else if (z.max_range_uj > z.start_uj)
      uj += static_cast<double>(z.max_range_uj - z.start_uj + *now);
    else
      return std::nullopt;
  }
  return uj / 1e6;
}

}  // namespace illusion::labs::scheduling
