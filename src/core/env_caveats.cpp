// The caveats that follow from the environment (declared in env.h): pure functions of EnvInfo.
#include <fmt/format.h>

#include "core/env.h"

namespace illusion::core {

namespace {

std::string human_bytes(std::uint64_t bytes) {
  const double b = static_cast<double>(bytes);
  if (bytes >= (std::uint64_t{1} << 30)) return fmt::format("{:.1f} GiB", b / (1 << 30));
  return fmt::format("{:.0f} MiB", b / (1 << 20));
}

// A virtual disk's reads may come from the host's page cache (QEMU's default cache mode goes
// through it), so "cold" means cold in the guest only.
void disk_caveats(const ScratchDisk& disk, std::vector<std::string>& out) {
  if (disk.virtual_disk.value != true && !disk.may_be_virtual) return;
  std::string what = disk.disk.empty() ? disk.filesystem : disk.disk;
  if (!disk.driver.empty() && disk.driver != what) what += ", " + disk.driver;
  const std::string where = fmt::format("the disk holding {} ({})",
                                        disk.dir.empty() ? "the test files" : disk.dir, what);
  const std::string effect =
      "cold reads and major faults may be served by the host's page cache, so \"cold\" figures "
      "may be faster than the physical device";
  if (disk.virtual_disk.value == true)
    out.push_back(where + " is virtual: " + effect);
  else
    out.push_back(where + " may be virtual (emulated by the hypervisor, or passed through): "
                  "if emulated, " + effect);
}

// Another run's children, threads and test files load the CPUs, caches and disk this run times
// (core/run_lock.h), and nothing in the figures shows it.
void concurrent_run_caveat(const EnvInfo& env, std::vector<std::string>& out) {
  if (env.concurrent_run.value != true) return;
  out.push_back("another illusion run was measuring on this machine at the same time (" +
                env.concurrent_run.evidence +
                "): each run's figures include the other's load; run again alone, or with "
                "--wait-for-other-run");
}

void virtualization_caveats(const EnvInfo& env, std::vector<std::string>& out) {
  if (env.virtualized) {
    const std::string name = hypervisor_display_name(env);
    out.push_back("in a VM" + (name.empty() ? "" : " under " + name) +
                  ": timings include hypervisor noise; a wake-up across vCPUs can cost tens of "
                  "microseconds");
  }
  disk_caveats(env.scratch_disk, out);
  if (env.remote_tlb_flush_ipis.value == false) {
    out.push_back(
        "remote TLB flushes raise no counted IPIs here (/proc/interrupts' TLB shootdowns stay "
        "put): munmap's cost with other CPUs in the process is that flush, not interrupts");
  }
  if (env.clock_in_user_space.value == false) {
    out.push_back("clock_gettime enters the kernel on every call (clocksource " +
                  (env.clocksource.empty() ? std::string("unknown") : env.clocksource) +
                  " has no vDSO mode): the vDSO row measures a syscall, and rows timed by "
                  "clock_gettime count its syscalls too");
  } else if (!env.clocksource.empty() && env.clocksource != "tsc" && !env.clock_in_user_space.value) {
    out.push_back("the kernel's clocksource is " + env.clocksource +
                  ", not tsc: clock_gettime may take the slow path (a syscall, not the vDSO); "
                  "illusion's own timer is named in the header");
  }
  if (env.invariant_tsc && env.kernel_trusts_tsc == false) {
    out.push_back(
        "the kernel has dropped the TSC as a clocksource (found unstable): timings use "
        "clock_gettime(CLOCK_MONOTONIC), slower and coarser");
  }
  if (!env.invariant_tsc && !env.cpu_model.empty()) {
    out.push_back(
        "no invariant TSC: timings use clock_gettime(CLOCK_MONOTONIC), slower and coarser");
  }
}

void perf_caveats(const EnvInfo& env, std::vector<std::string>& out) {
  const bool privileged = env.cap_perfmon;  // root without CAP_PERFMON/SYS_ADMIN is not enough
  const int level = env.perf_event_paranoid.value_or(-1);
  if (!env.perf_event_paranoid) {
    out.push_back(
        "perf_event_paranoid unreadable: the kernel may lack perf events; counts may "
        "come from getrusage only");
  } else if (level >= 3 && !privileged) {
    out.push_back(
        fmt::format("perf_event_paranoid={}: no perf events without CAP_PERFMON; counts "
                    "come from getrusage only",
                    level));
  } else if (level == 2 && !privileged) {
    out.push_back(
        "perf_event_paranoid=2: perf events count user mode only; context switches, "
        "CPU migrations and syscalls are not counted without CAP_PERFMON");
  }
  const bool forbidden = level >= 3 && !privileged;  // already said: no perf events at all
  if (!env.pmu_available && !forbidden) {
    out.push_back(
        "hardware counters unavailable (no PMU exposed): cycles, instructions, cache "
        "and TLB misses are not reported");
  }
}

void cpu_caveats(const EnvInfo& env, std::vector<std::string>& out) {
  if (env.online_cpus == 1) {
    out.push_back("only 1 CPU online: cross-CPU experiments will be skipped");
  } else if (env.allowed_cpus > 0 && env.allowed_cpus < env.online_cpus) {
    out.push_back(fmt::format("{} CPUs allowed of {} online: cross-CPU experiments are limited",
                              env.allowed_cpus, env.online_cpus));
  }
  if (env.cgroup_cpu_limit) {
    out.push_back(
        fmt::format("cgroup CPU quota of {:.3g} CPUs: a busy run can be throttled for "
                    "the rest of a period",
                    *env.cgroup_cpu_limit));
  }
  std::string active;
  for (const auto& [name, state] : env.mitigations)
    if (state.rfind("Mitigation", 0) == 0) active += (active.empty() ? "" : ", ") + name;
  if (!active.empty()) {
    out.push_back("mitigations active (" + active + "): they add to every kernel entry and exit");
  }
  if (!env.is_root && !env.cap_sys_nice) {
    out.push_back("not root and no CAP_SYS_NICE: SCHED_FIFO experiments will be skipped");
  }
}

void memory_caveats(const EnvInfo& env, std::vector<std::string>& out) {
  if (env.thp_enabled == "never" || env.thp_enabled == "unavailable") {
    out.push_back("THP is " + env.thp_enabled + ": huge-page experiments will be skipped");
  } else if (env.thp_enabled == "always") {
    out.push_back(
        "THP is always: anonymous memory may fault in 2 MiB at a time, not per 4 KiB "
        "page");
  }
  if (env.cgroup_memory_max &&
      (env.mem_total_bytes == 0 || *env.cgroup_memory_max < env.mem_total_bytes)) {
    out.push_back("cgroup memory limit of " + human_bytes(*env.cgroup_memory_max) +
                  ": near it the kernel reclaims pages, which adds faults");
  }
  if (env.cgroup_pids_max) {
    out.push_back(fmt::format("cgroup pids limit of {}: process and thread creation is capped",
                              *env.cgroup_pids_max));
  }
  if (env.zero_page_on_read.value == false) {
    out.push_back(
        "no shared zero page: reading untouched anonymous memory allocates a page of its own, "
        "so a read before the first write costs one fault and a page, not two faults");
  }
  if (env.swap_total_bytes == 0 && env.mem_total_bytes > 0) {
    out.push_back("no swap: major faults come only from file-backed pages");
  }
}

}  // namespace

std::vector<std::string> env_caveats(const EnvInfo& env) {
  std::vector<std::string> out;
  concurrent_run_caveat(env, out);
  virtualization_caveats(env, out);
  perf_caveats(env, out);
  cpu_caveats(env, out);
  memory_caveats(env, out);
  return out;
}

}  // namespace illusion::core
