// The machine as the measurements see it.
//
// Everything is read from /proc, /sys and a few syscalls, under a root prefix so tests can
// point the probe at a fake tree. Missing files give "unknown" values, never an exception:
// a container or an odd kernel must not stop a run.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/block_device.h"
#include "core/host_behaviour.h"

namespace illusion::core {

struct EnvInfo {
  std::string kernel;      // uname release, e.g. "6.1.0-18-amd64"
  std::string cpu_model;   // /proc/cpuinfo "model name"
  int online_cpus = 0;     // sysconf(_SC_NPROCESSORS_ONLN)
  int allowed_cpus = 0;    // CPUs in this process's affinity mask
  std::optional<double> cgroup_cpu_limit;          // CPUs' worth of quota (cpu.max), if limited
  std::optional<std::uint64_t> cgroup_memory_max;  // bytes (memory.max), if limited
  std::optional<std::uint64_t> cgroup_pids_max;    // pids.max, if limited
  bool virtualized = false;
  std::string hypervisor;   // "KVM", "Xen", ... or "" when unknown / bare metal
  // Where `hypervisor` came from: "cpuid" (the CPUID signature, which a paravirtualised guest
  // may share with another hypervisor), "sysfs" (/sys/hypervisor/type), "dmi" (the board's
  // vendor and product), or "" (none, or a file written before the source was recorded).
  std::string hypervisor_source;
  // The kernel's own name for the hypervisor ("Hypervisor detected: PVM" in its log), which
  // the CPUID signature above may not tell apart; "" when unknown, with the note saying why.
  std::string hypervisor_kernel_name;
  std::string hypervisor_kernel_note;
  std::string clocksource;  // current_clocksource, e.g. "tsc", "kvm-clock"
  bool invariant_tsc = false;
  // "tsc" in available_clocksource: false once the kernel found the TSC unstable (the clock
  // then falls back to CLOCK_MONOTONIC); nullopt when the list is unreadable.
  std::optional<bool> kernel_trusts_tsc;
  std::vector<std::pair<std::string, std::string>> mitigations;  // vulnerabilities/* files
  std::string thp_enabled;  // the bracketed word of transparent_hugepage/enabled, or "unavailable"
  std::uint64_t mem_total_bytes = 0;
  std::uint64_t mem_available_bytes = 0;
  std::uint64_t swap_total_bytes = 0;
  std::uint64_t page_size_bytes = 0;
  std::uint64_t huge_page_size_bytes = 0;  // Hugepagesize from /proc/meminfo
  std::optional<int> perf_event_paranoid;
  bool pmu_available = false;   // a hardware cycles event could be opened
  bool is_root = false;
  bool cap_sys_nice = false;    // may use SCHED_FIFO / negative nice
  bool cap_perfmon = false;     // CAP_PERFMON or CAP_SYS_ADMIN
  // Optional behaviours, detected by doing them (core/host_behaviour.h); not probed when
  // reading a fake tree, since the probes can only see the running kernel.
  BehaviourFact zero_page_on_read;      // a read of untouched anonymous memory maps the zero page
  BehaviourFact remote_tlb_flush_ipis;  // munmap's flush of other CPUs is counted as IPIs
  BehaviourFact clock_in_user_space;    // clock_gettime(CLOCK_MONOTONIC) never enters the kernel
  // Another illusion run measured on this machine at the same time (core/run_lock.h): set by
  // `illusion run`, unknown elsewhere and in files written before runs took the lock.
  BehaviourFact concurrent_run;
  // The disk under the directory the labs write test files in (core/block_device.h): on a
  // virtual disk, cold reads and major faults may be served by the host's page cache.
  ScratchDisk scratch_disk;
  std::vector<std::string> caveats;  // filled by env_caveats()
};

// Reads the machine. `root` prefixes every /proc and /sys path (tests use a fake tree); with
// a root, the behaviours that can only be probed on the running kernel stay unknown.
// `scratch_dir` is the directory whose disk is described ("": $TMPDIR or /tmp).
EnvInfo probe_env(const std::string& root = "", const std::string& scratch_dir = "");

// The hypervisor's name for display: the kernel's own ("Hypervisor detected: PVM") where its
// log was readable; otherwise `hypervisor` with its source when that is the CPUID signature or
// DMI ("KVM (CPUID signature)"), plainly when /sys/hypervisor/type named it; "" when neither.
std::string hypervisor_display_name(const EnvInfo& env);

// The caveats that follow from `env`, in plain words ("in a VM: timings include hypervisor
// noise"). Pure: tested with hand-built EnvInfo values.
std::vector<std::string> env_caveats(const EnvInfo& env);

}  // namespace illusion::core
