// `illusion env`: the machine as the measurements see it.
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <utility>

#include "core/format.h"
#include "core/resources.h"
#include "report/console.h"
#include "report/text_table.h"

namespace illusion::report {
namespace {

constexpr const char* kUnknown = "unknown";

std::string yes_no(bool b) {
  return b ? "yes" : "no";
}

std::string or_unknown(const std::string& s) {
  return s.empty() ? kUnknown : s;
}

// EnvInfo stores an unreadable count as 0; no machine has 0 CPUs or 0 bytes of memory.
std::string count_or_unknown(std::uint64_t n) {
  return n == 0 ? kUnknown : std::to_string(n);
}
std::string bytes_or_unknown(std::uint64_t n) {
  return n == 0 ? kUnknown : core::format_size(n);
}

// What perf_event_paranoid means for us: whether kernel-side events (context switches, the
// kernel half of a syscall) can be counted. See perf_event_open(2), "perf_event related
// configuration files"; Debian adds level 3, which refuses unprivileged users entirely.
std::string paranoid_text(const core::EnvInfo& e) {
  if (!e.perf_event_paranoid) return kUnknown;
  const int level = *e.perf_event_paranoid;
  std::string meaning;
  if (e.is_root || e.cap_perfmon) {
    meaning = "does not apply: privileged";
  } else if (level >= 3) {
    meaning = "perf_event_open refused to unprivileged users";
  } else if (level == 2) {
    meaning = "user-space events only; kernel activity not counted";
  } else {
    meaning = "kernel and user events allowed";
  }
  return fmt::format("{} ({})", level, meaning);
}

// The name hypervisor_display_name() gives (the kernel's own, else the CPUID signature and so
// labelled), then what the other source said: a paravirtualised guest may carry KVM's CPUID
// signature and still be PVM to its kernel.
std::string hypervisor_text(const core::EnvInfo& e) {
  const std::string name = core::hypervisor_display_name(e);
  if (name.empty()) return e.virtualized ? kUnknown : "none";
  if (e.hypervisor_kernel_name.empty())
    return e.hypervisor_kernel_note.empty()
               ? name
               : name + "; the kernel's name unknown: " + e.hypervisor_kernel_note;
  const std::string source = e.hypervisor_source == "cpuid"   ? "CPUID signature"
                             : e.hypervisor_source == "sysfs" ? "/sys/hypervisor/type"
                             : e.hypervisor_source == "dmi"   ? "DMI board name"
                                                              : "also named";
  if (e.hypervisor.empty()) return name + " (the kernel's name)";
  if (e.hypervisor == e.hypervisor_kernel_name)
    return name + " (the kernel's name; the " + source + " agrees)";
  return name + " (the kernel's name; " + source + ": " + e.hypervisor + ")";
}

std::string scratch_dir_text(const core::ScratchDisk& d) {
  if (d.dir.empty()) return kUnknown;
  if (d.filesystem.empty()) return d.dir;
  return fmt::format("{} ({} on {})", d.dir, d.filesystem, d.mount_point);
}

std::string scratch_disk_text(const core::ScratchDisk& d) {
  if (d.disk.empty()) return d.filesystem.empty() ? kUnknown : "none found";
  std::string details = d.driver.empty() ? "driver unknown" : "driver " + d.driver;
  if (d.rotational) details += *d.rotational ? ", queue/rotational 1" : ", queue/rotational 0";
  return d.disk + " (" + details + ")";
}

std::string scratch_virtual_text(const core::ScratchDisk& d) {
  if (d.may_be_virtual) return "may be (" + d.virtual_disk.evidence + ")";
  return core::fact_summary(d.virtual_disk);
}

using Lines = std::vector<std::pair<std::string, std::string>>;

void write_aligned(std::ostream& out, const Lines& lines, std::string_view indent = "") {
  std::size_t width = 0;
  for (const auto& [key, value] : lines) width = std::max(width, display_width(key) + 1);
  for (const auto& [key, value] : lines)
    out << indent << pad_right(key + ":", width) << ' ' << value << '\n';
}

}  // namespace

void write_env(std::ostream& out, const core::EnvInfo& env, const core::ClockInfo& clock,
               bool all_mitigations) {
  const Lines machine = {
      {"kernel", or_unknown(env.kernel)},
      {"cpu_model", or_unknown(env.cpu_model)},
      {"online_cpus", count_or_unknown(static_cast<std::uint64_t>(std::max(env.online_cpus, 0)))},
      {"allowed_cpus", count_or_unknown(static_cast<std::uint64_t>(std::max(env.allowed_cpus, 0)))},
      {"cgroup_cpu_limit", env.cgroup_cpu_limit
                               ? fmt::format("{} CPUs", core::format_sig3(*env.cgroup_cpu_limit))
                               : "none"},
      {"cgroup_memory_max",
       env.cgroup_memory_max ? core::format_size(*env.cgroup_memory_max) : "none"},
      {"cgroup_pids_max", env.cgroup_pids_max ? std::to_string(*env.cgroup_pids_max) : "none"},
      {"virtualized", yes_no(env.virtualized)},
      {"hypervisor", hypervisor_text(env)},
      {"clocksource", or_unknown(env.clocksource)},
      {"invariant_tsc", yes_no(env.invariant_tsc)},
      {"kernel_trusts_tsc", env.kernel_trusts_tsc ? yes_no(*env.kernel_trusts_tsc) + " (tsc " +
                                                        (*env.kernel_trusts_tsc ? "in" : "not in") +
                                                        " available_clocksource)"
                                                  : kUnknown},
      {"thp_enabled", or_unknown(env.thp_enabled)},
      {"mem_total", bytes_or_unknown(env.mem_total_bytes)},
      {"mem_available", bytes_or_unknown(env.mem_available_bytes)},
      // Zero swap is a fact (none configured), not a failure to read it.
      {"swap_total",
       env.swap_total_bytes == 0 ? "0 (no swap)" : core::format_size(env.swap_total_bytes)},
      {"page_size", bytes_or_unknown(env.page_size_bytes)},
      {"huge_page_size", bytes_or_unknown(env.huge_page_size_bytes)},
      {"perf_event_paranoid", paranoid_text(env)},
      {"pmu_available", yes_no(env.pmu_available)},
      {"is_root", yes_no(env.is_root)},
      {"cap_sys_nice", yes_no(env.cap_sys_nice)},
      {"cap_perfmon", yes_no(env.cap_perfmon)},
      {"zero_page_on_read", core::fact_summary(env.zero_page_on_read)},
      {"remote_tlb_flush_ipis", core::fact_summary(env.remote_tlb_flush_ipis)},
      {"clock_in_user_space", core::fact_summary(env.clock_in_user_space)},
      {"scratch_dir", scratch_dir_text(env.scratch_disk)},
      {"scratch_disk", scratch_disk_text(env.scratch_disk)},
      {"scratch_disk_virtual", scratch_virtual_text(env.scratch_disk)},
  };
  write_aligned(out, machine);

  out << "\nmitigations:";
  if (env.mitigations.empty()) {
    out << ' ' << kUnknown << '\n';
  } else {
    out << '\n';
    // "Not affected" needs no mitigation and costs nothing, so it gets no line of its own. A
    // "Vulnerable" entry stays: it may still carry a partial software mitigation that costs
    // time ("Vulnerable: Safe RET, no microcode").
    Lines shown;
    std::size_t not_affected = 0;
    for (const auto& [name, state] : env.mitigations) {
      if (all_mitigations || state.rfind("Not affected", 0) != 0)
        shown.emplace_back(name, state);
      else
        ++not_affected;
    }
    write_aligned(out, shown, "  ");
    if (not_affected > 0)
      out << fmt::format("  and {} not affected ('illusion env --all' lists them)\n", not_affected);
  }

  const bool tsc = clock.ticks_per_ns > 0 && std::isfinite(clock.ticks_per_ns);
  out << "\nclock:\n";
  write_aligned(
      out,
      {{"source", or_unknown(clock.source)},
       {"invariant_tsc", yes_no(clock.invariant_tsc)},
       {"ticks_per_ns", tsc ? core::format_sig3(clock.ticks_per_ns) : "n/a (not the TSC)"},
       {"overhead", clock.overhead_ns > 0 ? core::format_ns(clock.overhead_ns) : kUnknown},
       {"resolution", clock.resolution_ns > 0 ? core::format_ns(clock.resolution_ns) : kUnknown}},
      "  ");

  if (env.caveats.empty()) {
    out << "\ncaveats: none\n";
  } else {
    out << "\ncaveats:\n";
    for (const std::string& c : env.caveats) write_bullet(out, c);
  }
}

}  // namespace illusion::report
