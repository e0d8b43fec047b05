// `illusion env`: every field on its own line, "unknown" rather than 0.
#include <gtest/gtest.h>

#include <sstream>

#include "report/console.h"
#include "report/synthetic.h"

using namespace illusion;
using namespace illusion::report;

namespace {

std::string value_of(const std::string& text, const std::string& key) {
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    const std::size_t colon = line.find(':');
    if (colon == std::string::npos) continue;
    std::string k = line.substr(0, colon);
    k.erase(0, k.find_first_not_of(' '));
    if (k == key) return line.substr(line.find_first_not_of(' ', colon + 1));
  }
  return "<absent>";
}

std::string render(const core::EnvInfo& env, const core::ClockInfo& clock, bool all = false) {
  std::ostringstream out;
  write_env(out, env, clock, all);
  return out.str();
}

}  // namespace

TEST(EnvConsole, EveryFieldHasALine) {
  const std::string text = render({}, {});
  for (const char* key : {"kernel",
                          "cpu_model",
                          "online_cpus",
                          "allowed_cpus",
                          "cgroup_cpu_limit",
                          "cgroup_memory_max",
                          "cgroup_pids_max",
                          "virtualized",
                          "hypervisor",
                          "clocksource",
                          "invariant_tsc",
                          "thp_enabled",
                          "mem_total",
                          "mem_available",
                          "swap_total",
                          "page_size",
                          "huge_page_size",
                          "perf_event_paranoid",
                          "pmu_available",
                          "is_root",
                          "cap_sys_nice",
                          "cap_perfmon",
                          "zero_page_on_read",
                          "remote_tlb_flush_ipis",
                          "clock_in_user_space",
                          "scratch_dir",
                          "scratch_disk",
                          "scratch_disk_virtual",
                          "source",
                          "ticks_per_ns",
                          "overhead",
                          "resolution"})
    EXPECT_NE(value_of(text, key), "<absent>") << key << "\n" << text;
}

TEST(EnvConsole, UnknownIsNotZero) {
  const std::string text = render({}, {});
  for (const char* key :
       {"kernel", "online_cpus", "mem_total", "page_size", "perf_event_paranoid", "overhead"})
    EXPECT_EQ(value_of(text, key), "unknown") << key;
  EXPECT_EQ(value_of(text, "cgroup_memory_max"), "none");
  EXPECT_EQ(value_of(text, "swap_total"), "0 (no swap)");
  EXPECT_EQ(value_of(text, "zero_page_on_read"), "unknown");
  EXPECT_EQ(value_of(text, "remote_tlb_flush_ipis"), "unknown");
  EXPECT_EQ(value_of(text, "scratch_disk"), "unknown");
  EXPECT_EQ(value_of(text, "scratch_disk_virtual"), "unknown");
}

// The PVM guest of the issue, as a fake environment record: KVM's CPUID signature, the kernel's
// own name, no zero page, no counted flush IPIs.
TEST(EnvConsole, ParavirtualGuestFacts) {
  core::EnvInfo env;
  env.virtualized = true;
  env.hypervisor = "KVM";
  env.hypervisor_source = "cpuid";
  env.hypervisor_kernel_name = "PVM";
  env.zero_page_on_read = {false, "16 pages read each got a page of their own (pagemap)"};
  env.remote_tlb_flush_ipis = {false, "32 munmaps raised TLB shootdowns by 0"};
  const std::string text = render(env, {});
  EXPECT_EQ(value_of(text, "hypervisor"), "PVM (the kernel's name; CPUID signature: KVM)");
  EXPECT_EQ(value_of(text, "zero_page_on_read"),
            "no (16 pages read each got a page of their own (pagemap))");
  EXPECT_EQ(value_of(text, "remote_tlb_flush_ipis"), "no (32 munmaps raised TLB shootdowns by 0)");
  env.hypervisor_kernel_name = "KVM";
  EXPECT_EQ(value_of(render(env, {}), "hypervisor"),
            "KVM (the kernel's name; the CPUID signature agrees)");
  // The kernel log unreadable: the name is said to be the CPUID signature.
  env.hypervisor_kernel_name = "";
  env.hypervisor_kernel_note = "kernel log unreadable";
  EXPECT_EQ(value_of(render(env, {}), "hypervisor"),
            "KVM (CPUID signature); the kernel's name unknown: kernel log unreadable");
  env.hypervisor = "xen";
  env.hypervisor_source = "sysfs";
  env.hypervisor_kernel_note = "";
  EXPECT_EQ(value_of(render(env, {}), "hypervisor"), "xen");
}

TEST(EnvConsole, TheScratchDisk) {
  core::EnvInfo env;
  env.scratch_disk = {
      "/tmp", "/", "ext4", "vda", "virtio_blk", true, {true, "vda is driven by virtio_blk"}, false};
  std::string text = render(env, {});
  EXPECT_EQ(value_of(text, "scratch_dir"), "/tmp (ext4 on /)");
  EXPECT_EQ(value_of(text, "scratch_disk"), "vda (driver virtio_blk, queue/rotational 1)");
  EXPECT_EQ(value_of(text, "scratch_disk_virtual"), "yes (vda is driven by virtio_blk)");
  env.scratch_disk = {"/tmp",
                      "/",
                      "ext4",
                      "nvme0n1",
                      "nvme",
                      false,
                      {std::nullopt, "nvme0n1 is an NVMe drive in a VM"},
                      true};
  text = render(env, {});
  EXPECT_EQ(value_of(text, "scratch_disk_virtual"), "may be (nvme0n1 is an NVMe drive in a VM)");
  env.scratch_disk = illusion::testing::tmpfs_scratch_disk();
  text = render(env, {});
  EXPECT_EQ(value_of(text, "scratch_disk"), "none found");
  EXPECT_EQ(value_of(text, "scratch_disk_virtual"),
            "unknown (tmpfs: memory-backed, no disk under it)");
}

TEST(EnvConsole, KnownValuesAndCaveats) {
  core::EnvInfo env;
  env.kernel = "6.1.0-18-amd64";
  env.online_cpus = 2;
  env.virtualized = true;
  env.hypervisor = "KVM";
  env.clocksource = "kvm-clock";
  env.perf_event_paranoid = 2;
  env.page_size_bytes = 4096;
  env.cgroup_cpu_limit = 1.5;
  env.mitigations = {{"spectre_v2", "Mitigation: Retpolines"}};
  env.caveats = {"in a VM: timings include hypervisor noise", "clocksource is not tsc"};
  core::ClockInfo clock{"tsc", true, 2.9, 8.25, 0.345};
  const std::string text = render(env, clock);
  EXPECT_EQ(value_of(text, "kernel"), "6.1.0-18-amd64");
  EXPECT_EQ(value_of(text, "online_cpus"), "2");
  EXPECT_EQ(value_of(text, "hypervisor"), "KVM");
  EXPECT_EQ(value_of(text, "cgroup_cpu_limit"), "1.50 CPUs");
  EXPECT_EQ(value_of(text, "perf_event_paranoid").rfind("2 (", 0), 0u);
  EXPECT_EQ(value_of(text, "spectre_v2"), "Mitigation: Retpolines");
  EXPECT_EQ(value_of(text, "overhead"), "8.25 ns");
  EXPECT_EQ(value_of(text, "source"), "tsc");
  EXPECT_NE(text.find("  • in a VM: timings include hypervisor noise\n"), std::string::npos);
  EXPECT_NE(text.find("  • clocksource is not tsc\n"), std::string::npos);
}

// "Not affected" entries are counted, not listed; every other state keeps its line ("Vulnerable:
// Safe RET" still costs), and --all lists every one (issue 22: 19 lines, 15 "Not affected").
TEST(EnvConsole, NotAffectedVulnerabilitiesAreCountedNotListed) {
  core::EnvInfo env;
  env.mitigations = {{"meltdown", "Not affected"},
                     {"mds", "Not affected"},
                     {"spec_store_bypass", "Vulnerable"},
                     {"spectre_v2", "Mitigation: Retpolines"}};
  const std::string text = render(env, {});
  EXPECT_EQ(value_of(text, "spectre_v2"), "Mitigation: Retpolines");
  EXPECT_EQ(value_of(text, "meltdown"), "<absent>");
  EXPECT_EQ(value_of(text, "spec_store_bypass"), "Vulnerable");
  EXPECT_NE(text.find("and 2 not affected ('illusion env --all' lists them)"), std::string::npos)
      << text;
  const std::string all = render(env, {}, true);
  EXPECT_EQ(value_of(all, "meltdown"), "Not affected");
  EXPECT_EQ(value_of(all, "spec_store_bypass"), "Vulnerable");
  EXPECT_EQ(all.find("not affected ("), std::string::npos);
}
