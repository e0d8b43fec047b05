#include "core/env.h"

#include <linux/perf_event.h>
#include <sched.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <tuple>

#if defined(__x86_64__)
#include <cpuid.h>
#endif

#include <fmt/format.h>

#include "core/cgroup_limits.h"
#include "core/clock.h"
#include "core/fd.h"
#include "core/text_file.h"

namespace illusion::core {
namespace {

void read_cpuinfo(const std::string& root, EnvInfo& env) {
  auto kv = key_values(root + "/proc/cpuinfo");
  env.cpu_model = kv["model name"];
  const std::string& flags = kv["flags"];
  // The kernel sets "hypervisor" from CPUID.1:ECX bit 31, which every mainstream hypervisor
  // sets; constant_tsc + nonstop_tsc together are its spelling of an invariant TSC.
  env.virtualized = has_word(flags, "hypervisor");
  env.invariant_tsc = has_word(flags, "constant_tsc") && has_word(flags, "nonstop_tsc");
}

void read_meminfo(const std::string& root, EnvInfo& env) {
  auto kv = key_values(root + "/proc/meminfo");
  auto bytes = [&](const char* key) -> std::uint64_t {
    const std::string& v = kv[key];  // "24684084 kB": meminfo's kB are KiB
    const auto n = parse_number<std::uint64_t>(v);
    if (!n) return 0;
    return v.find("kB") != std::string::npos ? *n * 1024 : *n;
  };
  env.mem_total_bytes = bytes("MemTotal");
  env.mem_available_bytes = bytes("MemAvailable");
  env.swap_total_bytes = bytes("SwapTotal");
  env.huge_page_size_bytes = bytes("Hugepagesize");
}

// "always [madvise] never": the kernel brackets the active mode.
std::string read_thp_mode(const std::string& root) {
  const std::string line = first_line(root + "/sys/kernel/mm/transparent_hugepage/enabled");
  const auto open = line.find('[');
  const auto close = line.find(']', open == std::string::npos ? 0 : open);
  if (open == std::string::npos || close == std::string::npos) {
    return line.empty() ? "unavailable" : line;
  }
  return line.substr(open + 1, close - open - 1);
}

std::vector<std::pair<std::string, std::string>> read_mitigations(const std::string& root) {
  namespace fs = std::filesystem;
  std::vector<std::pair<std::string, std::string>> out;
  std::error_code ec;
  const fs::path dir = root + "/sys/devices/system/cpu/vulnerabilities";
  for (auto it = fs::directory_iterator(dir, ec); !ec && it != fs::directory_iterator();
       it.increment(ec)) {
    out.emplace_back(it->path().filename().string(), first_line(it->path().string()));
  }
  std::sort(out.begin(), out.end());
  return out;
}

// ---- hypervisor, privileges, PMU ----

// CPUID leaf 0x40000000 carries the hypervisor's 12-byte signature (only meaningful when the
// "hypervisor" bit is set, and only for the machine we run on, not a fake tree).
std::string cpuid_hypervisor() {
#if defined(__x86_64__)
  unsigned eax = 0, ebx = 0, ecx = 0, edx = 0;
  __cpuid(0x40000000, eax, ebx, ecx, edx);
  char sig[13] = {};
  std::memcpy(sig, &ebx, 4);
  std::memcpy(sig + 4, &ecx, 4);
  std::memcpy(sig + 8, &edx, 4);
  static const std::pair<const char*, const char*> known[] = {
      {"KVMKVMKVM", "KVM"},      {"Microsoft Hv", "Hyper-V"},  {"VMwareVMware", "VMware"},
      {"XenVMMXenVMM", "Xen"},   {"TCGTCGTCGTCG", "QEMU TCG"}, {"VBoxVBoxVBox", "VirtualBox"},
      {"bhyve bhyve ", "bhyve"}, {"ACRNACRNACRN", "ACRN"},     {" lrpepyh  vr", "Parallels"}};
  for (const auto& [signature, name] : known)
    if (std::strcmp(sig, signature) == 0) return name;
  return trim(sig);
#else
  return "";
#endif
}

// Xen says so in /sys/hypervisor/type. Otherwise CPUID names the hypervisor ("KVM") where DMI
// names the emulated board ("QEMU Standard PC (Q35 + ICH9, 2009)"), so DMI comes last; it is
// only read inside a VM because it names the vendor on bare metal too ("Dell Inc.").
// Returns the name and its source ("sysfs", "cpuid", "dmi"; "" with no name).
std::pair<std::string, std::string> read_hypervisor(const std::string& root, bool virtualized) {
  if (std::string type = first_line(root + "/sys/hypervisor/type"); !type.empty())
    return {type, "sysfs"};
  if (!virtualized) return {};
  if (root.empty())
    if (std::string name = cpuid_hypervisor(); !name.empty()) return {name, "cpuid"};
  const std::string vendor = first_line(root + "/sys/class/dmi/id/sys_vendor");
  const std::string product = first_line(root + "/sys/class/dmi/id/product_name");
  std::string name = trim(vendor + " " + product);
  if (name.empty()) return {};
  return {name, "dmi"};
}

// capabilities(7) numbers: CAP_SYS_ADMIN 21, CAP_SYS_NICE 23, CAP_PERFMON 38 (Linux 5.8).
void read_capabilities(const std::string& root, EnvInfo& env) {
  const auto kv = key_values(root + "/proc/self/status");
  const auto it = kv.find("CapEff");
  const auto caps = it == kv.end() ? std::nullopt : parse_number<std::uint64_t>(it->second, 16);
  if (!caps) return;
  auto has = [&](int bit) { return (*caps >> bit) & 1u; };
  env.cap_sys_nice = has(23);
  env.cap_perfmon = has(38) || has(21);
}

// The cheapest hardware event, user mode only so perf_event_paranoid=2 still allows it.
bool probe_pmu() {
  perf_event_attr attr{};
  attr.size = sizeof attr;
  attr.type = PERF_TYPE_HARDWARE;
  attr.config = PERF_COUNT_HW_CPU_CYCLES;
  attr.disabled = 1;
  attr.exclude_kernel = 1;
  attr.exclude_hv = 1;
  const Fd fd(
      static_cast<int>(syscall(SYS_perf_event_open, &attr, 0, -1, -1, PERF_FLAG_FD_CLOEXEC)));
  return fd.valid();
}

int allowed_cpu_count(int online) {
  cpu_set_t set;
  CPU_ZERO(&set);
  if (sched_getaffinity(0, sizeof set, &set) != 0) return online;  // > CPU_SETSIZE CPUs
  return CPU_COUNT(&set);
}

}  // namespace

std::string hypervisor_display_name(const EnvInfo& env) {
  if (!env.hypervisor_kernel_name.empty()) return env.hypervisor_kernel_name;
  if (env.hypervisor.empty()) return "";
  if (env.hypervisor_source == "cpuid") return env.hypervisor + " (CPUID signature)";
  if (env.hypervisor_source == "dmi") return env.hypervisor + " (DMI board name)";
  return env.hypervisor;
}

EnvInfo probe_env(const std::string& root, const std::string& scratch_dir) {
  EnvInfo env;
  utsname u{};
  if (uname(&u) == 0) env.kernel = u.release;
  env.online_cpus = static_cast<int>(sysconf(_SC_NPROCESSORS_ONLN));
  env.allowed_cpus = allowed_cpu_count(env.online_cpus);
  env.page_size_bytes = static_cast<std::uint64_t>(sysconf(_SC_PAGESIZE));
  read_cpuinfo(root, env);
  read_meminfo(root, env);
  const CgroupLimits cgroup = read_cgroup_limits(root);
  env.cgroup_cpu_limit = cgroup.cpu_quota;
  env.cgroup_memory_max = cgroup.memory_max;
  env.cgroup_pids_max = cgroup.pids_max;
  std::tie(env.hypervisor, env.hypervisor_source) = read_hypervisor(root, env.virtualized);
  env.virtualized = env.virtualized || !env.hypervisor.empty();
  env.clocksource =
      first_line(root + "/sys/devices/system/clocksource/clocksource0/current_clocksource");
  if (const std::string list =
          first_line(root + "/sys/devices/system/clocksource/clocksource0/available_clocksource");
      !list.empty())
    env.kernel_trusts_tsc = tsc_in_clocksource_list(list);
  env.mitigations = read_mitigations(root);
  env.thp_enabled = read_thp_mode(root);
  env.perf_event_paranoid =
      parse_number<int>(first_line(root + "/proc/sys/kernel/perf_event_paranoid"));
  env.pmu_available = probe_pmu();
  env.is_root = geteuid() == 0;
  read_capabilities(root, env);
  if (root.empty()) {
    const KernelHypervisorName named = read_kernel_hypervisor_name();
    env.hypervisor_kernel_name = named.name;
    env.hypervisor_kernel_note = named.note;
    env.virtualized = env.virtualized || !named.name.empty();
    env.zero_page_on_read = probe_zero_page();
    env.remote_tlb_flush_ipis = probe_tlb_flush_ipis();
    env.clock_in_user_space = probe_clock_in_user_space(env.clocksource);
  } else {
    const std::string fake = "not probed: the environment was read from a fake tree";
    env.hypervisor_kernel_note = fake;
    env.zero_page_on_read = {std::nullopt, fake};
    env.remote_tlb_flush_ipis = {std::nullopt, fake};
    env.clock_in_user_space = {std::nullopt, fake};
  }
  env.scratch_disk = probe_scratch_disk(root, scratch_dir, env.virtualized);
  env.caveats = env_caveats(env);
  return env;
}

}  // namespace illusion::core
