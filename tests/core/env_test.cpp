#include "core/env.h"

#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <string_view>

#include <gtest/gtest.h>

using namespace illusion::core;
namespace fs = std::filesystem;

namespace {

bool mentions(const std::vector<std::string>& caveats, std::string_view text) {
  for (const std::string& c : caveats)
    if (c.find(text) != std::string::npos) return true;
  return false;
}

std::string join(const std::vector<std::string>& lines) {
  std::string out;
  for (const std::string& l : lines) out += l + "\n";
  return out;
}

// A bare-metal machine with nothing to warn about.
EnvInfo quiet_machine() {
  EnvInfo env;
  env.kernel = "6.1.0";
  env.cpu_model = "Test CPU";
  env.online_cpus = 8;
  env.allowed_cpus = 8;
  env.clocksource = "tsc";
  env.invariant_tsc = true;
  env.thp_enabled = "madvise";
  env.mem_total_bytes = 16ull << 30;
  env.swap_total_bytes = 4ull << 30;
  env.perf_event_paranoid = 1;
  env.pmu_available = true;
  env.is_root = true;
  env.cap_sys_nice = true;
  env.cap_perfmon = true;
  env.mitigations = {{"meltdown", "Not affected"}, {"mds", "Vulnerable"}};
  return env;
}

}  // namespace

class EnvProbe : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/illusion-env-test-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    root_ = tmpl;
  }
  void TearDown() override {
    std::error_code ec;
    fs::remove_all(root_, ec);
  }
  void write(const std::string& path, const std::string& text) {
    const fs::path p = root_ + path;
    fs::create_directories(p.parent_path());
    std::ofstream(p) << text;
  }
  void write_vm_tree() {
    write("/proc/cpuinfo",
          "processor\t: 0\nmodel name\t: Fake CPU @ 2.00GHz\n"
          "flags\t\t: fpu tsc constant_tsc nonstop_tsc hypervisor avx2\n\n"
          "processor\t: 1\nmodel name\t: Fake CPU @ 2.00GHz\n"
          "flags\t\t: fpu tsc constant_tsc nonstop_tsc hypervisor avx2\n");
    write("/sys/devices/system/clocksource/clocksource0/current_clocksource", "kvm-clock\n");
    write("/sys/kernel/mm/transparent_hugepage/enabled", "always [madvise] never\n");
    const std::string vulns = "/sys/devices/system/cpu/vulnerabilities/";
    write(vulns + "spectre_v2", "Mitigation: Retpolines; STIBP: disabled\n");
    write(vulns + "meltdown", "Not affected\n");
    write(vulns + "spectre_v1", "Mitigation: usercopy/swapgs barriers\n");
    write(vulns + "mds", "Vulnerable\n");
    write("/proc/meminfo",
          "MemTotal:        2048000 kB\nMemFree:          900000 kB\n"
          "MemAvailable:    1024000 kB\nSwapTotal:             0 kB\n"
          "Hugepagesize:       2048 kB\n");
    write("/proc/sys/kernel/perf_event_paranoid", "3\n");
    write("/proc/self/status", "Name:\tillusion\nCapEff:\t0000000000800000\n");
    write("/sys/class/dmi/id/sys_vendor", "QEMU\n");
    write("/sys/class/dmi/id/product_name", "Standard PC (Q35 + ICH9, 2009)\n");
    // cgroup v2: the quota binds at the leaf, the memory and pids limits at the parent.
    write("/proc/self/cgroup", "0::/app.slice/job\n");
    write("/sys/fs/cgroup/cgroup.controllers", "cpu memory pids\n");
    write("/sys/fs/cgroup/app.slice/cpu.max", "max 100000\n");
    write("/sys/fs/cgroup/app.slice/memory.max", "536870912\n");
    write("/sys/fs/cgroup/app.slice/pids.max", "100\n");
    write("/sys/fs/cgroup/app.slice/job/cpu.max", "150000 100000\n");
    write("/sys/fs/cgroup/app.slice/job/memory.max", "max\n");
    write("/sys/fs/cgroup/app.slice/job/pids.max", "max\n");
  }
  std::string root_;
};

TEST_F(EnvProbe, ParsesAFakeVmTree) {
  write_vm_tree();
  const EnvInfo env = probe_env(root_);
  EXPECT_EQ(env.cpu_model, "Fake CPU @ 2.00GHz");
  EXPECT_TRUE(env.virtualized);
  EXPECT_EQ(env.hypervisor, "QEMU Standard PC (Q35 + ICH9, 2009)");
  EXPECT_TRUE(env.invariant_tsc);
  EXPECT_EQ(env.clocksource, "kvm-clock");
  EXPECT_EQ(env.thp_enabled, "madvise");
  ASSERT_EQ(env.mitigations.size(), 4u);
  EXPECT_EQ(env.mitigations[0].first, "mds");
  EXPECT_EQ(env.mitigations[0].second, "Vulnerable");
  EXPECT_EQ(env.mitigations[3].first, "spectre_v2");
  EXPECT_EQ(env.mitigations[3].second, "Mitigation: Retpolines; STIBP: disabled");
  EXPECT_EQ(env.mem_total_bytes, 2048000ull * 1024);
  EXPECT_EQ(env.mem_available_bytes, 1024000ull * 1024);
  EXPECT_EQ(env.swap_total_bytes, 0u);
  EXPECT_EQ(env.huge_page_size_bytes, 2048ull * 1024);
  EXPECT_EQ(env.perf_event_paranoid, 3);
  EXPECT_TRUE(env.cap_sys_nice);
  EXPECT_FALSE(env.cap_perfmon);
  ASSERT_TRUE(env.cgroup_cpu_limit.has_value());
  EXPECT_DOUBLE_EQ(*env.cgroup_cpu_limit, 1.5);
  EXPECT_EQ(env.cgroup_memory_max, 512ull << 20);
  EXPECT_EQ(env.cgroup_pids_max, 100u);
  EXPECT_EQ(env.caveats, env_caveats(env));
  EXPECT_TRUE(mentions(env.caveats, "spectre_v1, spectre_v2")) << join(env.caveats);
  EXPECT_FALSE(mentions(env.caveats, "mds")) << join(env.caveats);
  EXPECT_TRUE(mentions(env.caveats, "no swap")) << join(env.caveats);
}

TEST_F(EnvProbe, ReadsCgroupV1LimitsOnAHybridHost) {
  write("/proc/self/cgroup", "5:pids:/\n4:memory:/grp\n2:cpu,cpuacct:/grp\n0::/\n");
  write("/sys/fs/cgroup/unified/cgroup.procs", "");
  write("/sys/fs/cgroup/cpu/grp/cpu.cfs_quota_us", "200000\n");
  write("/sys/fs/cgroup/cpu/grp/cpu.cfs_period_us", "100000\n");
  write("/sys/fs/cgroup/cpu/cpu.cfs_quota_us", "-1\n");
  write("/sys/fs/cgroup/cpu/cpu.cfs_period_us", "100000\n");
  write("/sys/fs/cgroup/memory/grp/memory.limit_in_bytes", "9223372036854771712\n");
  const EnvInfo env = probe_env(root_);
  ASSERT_TRUE(env.cgroup_cpu_limit.has_value());
  EXPECT_DOUBLE_EQ(*env.cgroup_cpu_limit, 2.0);
  EXPECT_FALSE(env.cgroup_memory_max.has_value());  // PAGE_COUNTER_MAX means "no limit"
  EXPECT_FALSE(env.cgroup_pids_max.has_value());
  EXPECT_EQ(env.thp_enabled, "unavailable");
}

TEST_F(EnvProbe, MalformedFilesGiveUnknownsWithoutThrowing) {
  write("/proc/self/cgroup", "garbage\n0::relative/path\n");
  write("/sys/fs/cgroup/cgroup.controllers", "cpu\n");
  write("/sys/fs/cgroup/cpu.max", "lots 0\n");
  write("/proc/meminfo", "MemTotal: many kB\n");
  write("/proc/sys/kernel/perf_event_paranoid", "high\n");
  write("/proc/self/status", "CapEff:\tzz\n");
  write("/sys/kernel/mm/transparent_hugepage/enabled", "always madvise [never\n");
  EnvInfo env;
  ASSERT_NO_THROW(env = probe_env(root_));
  EXPECT_FALSE(env.cgroup_cpu_limit.has_value());
  EXPECT_EQ(env.mem_total_bytes, 0u);
  EXPECT_FALSE(env.perf_event_paranoid.has_value());
  EXPECT_FALSE(env.cap_sys_nice);
  EXPECT_FALSE(env.thp_enabled.empty());
}

TEST(Env, MissingRootGivesUnknownsWithoutThrowing) {
  EnvInfo env;
  ASSERT_NO_THROW(env = probe_env("/nonexistent/illusion-env-test"));
  EXPECT_FALSE(env.kernel.empty());  // uname(2) is not under the root
  EXPECT_GE(env.online_cpus, 1);
  EXPECT_TRUE(env.cpu_model.empty());
  EXPECT_TRUE(env.clocksource.empty());
  EXPECT_TRUE(env.hypervisor.empty());
  EXPECT_FALSE(env.virtualized);
  EXPECT_EQ(env.thp_enabled, "unavailable");
  EXPECT_TRUE(env.mitigations.empty());
  EXPECT_EQ(env.mem_total_bytes, 0u);
  EXPECT_FALSE(env.perf_event_paranoid.has_value());
  EXPECT_FALSE(env.cgroup_cpu_limit.has_value());
  EXPECT_FALSE(env.cgroup_memory_max.has_value());
  EXPECT_FALSE(env.cgroup_pids_max.has_value());
  EXPECT_FALSE(env.cap_perfmon);
}

TEST(Env, ProbesThisMachine) {
  const EnvInfo env = probe_env();
  EXPECT_FALSE(env.kernel.empty());
  EXPECT_GE(env.online_cpus, 1);
  EXPECT_GE(env.allowed_cpus, 1);
  EXPECT_LE(env.allowed_cpus, env.online_cpus);
  EXPECT_GT(env.page_size_bytes, 0u);
  EXPECT_GT(env.mem_total_bytes, 0u);
  EXPECT_FALSE(env.thp_enabled.empty());
  EXPECT_EQ(env.caveats, env_caveats(env));
}

TEST(EnvCaveats, QuietBareMetalMachineHasNone) {
  EXPECT_EQ(join(env_caveats(quiet_machine())), "");
}

TEST(EnvCaveats, VmParanoiaAndClocksourceAreNamed) {
  EnvInfo env = quiet_machine();
  env.virtualized = true;
  env.hypervisor = "KVM";
  env.clocksource = "kvm-clock";
  env.perf_event_paranoid = 3;
  env.cap_perfmon = false;
  env.pmu_available = false;
  const auto caveats = env_caveats(env);
  EXPECT_TRUE(mentions(caveats, "in a VM (KVM)")) << join(caveats);
  EXPECT_TRUE(mentions(caveats, "perf_event_paranoid=3")) << join(caveats);
  EXPECT_TRUE(mentions(caveats, "clocksource is kvm-clock")) << join(caveats);
  // Paranoia already explains the missing counters; "no PMU" would be a guess.
  EXPECT_FALSE(mentions(caveats, "no PMU")) << join(caveats);
}

TEST(EnvCaveats, DetectedBehavioursAreNamedUnknownOnesAreNot) {
  EnvInfo env = quiet_machine();
  env.zero_page_on_read = {true, "shared"};
  env.remote_tlb_flush_ipis = {true, "1.00 per munmap"};
  EXPECT_EQ(join(env_caveats(env)), "");
  env.zero_page_on_read = {std::nullopt, "pagemap unreadable"};
  env.remote_tlb_flush_ipis = {std::nullopt, "1 CPU"};
  EXPECT_EQ(join(env_caveats(env)), "");
  // The PVM guest.
  env.virtualized = true;
  env.hypervisor = "KVM";
  env.hypervisor_kernel_name = "PVM";
  env.zero_page_on_read = {false, "own pages"};
  env.remote_tlb_flush_ipis = {false, "0 per munmap"};
  const auto caveats = env_caveats(env);
  EXPECT_TRUE(mentions(caveats, "no shared zero page")) << join(caveats);
  EXPECT_TRUE(mentions(caveats, "remote TLB flushes raise no counted IPIs")) << join(caveats);
  EXPECT_TRUE(mentions(caveats, "in a VM (KVM, the kernel says PVM)")) << join(caveats);
  // hpet: the probe found the syscall; the vague "may take the slow path" gives way to it.
  env.clocksource = "hpet";
  env.clock_in_user_space = {false, "refused"};
  const auto hpet = env_caveats(env);
  EXPECT_TRUE(mentions(hpet, "clock_gettime enters the kernel on every call")) << join(hpet);
  EXPECT_FALSE(mentions(hpet, "may take the slow path")) << join(hpet);
}

// A fake tree describes another machine: the probes, which can only see this one, stay out.
TEST_F(EnvProbe, AFakeTreeLeavesTheProbedBehavioursUnknown) {
  write_vm_tree();
  const EnvInfo env = probe_env(root_);
  EXPECT_FALSE(env.zero_page_on_read.value.has_value());
  EXPECT_FALSE(env.remote_tlb_flush_ipis.value.has_value());
  EXPECT_TRUE(env.hypervisor_kernel_name.empty());
  EXPECT_NE(env.zero_page_on_read.evidence.find("fake tree"), std::string::npos);
}

// A host whose kernel found the TSC unstable: CPUID still says invariant, but the clocksource
// list has dropped it, and the clock must not use it.
TEST_F(EnvProbe, ATscTheKernelDroppedIsNamed) {
  write_vm_tree();
  write("/sys/devices/system/clocksource/clocksource0/available_clocksource",
        "kvm-clock hpet acpi_pm \n");
  const EnvInfo env = probe_env(root_);
  EXPECT_EQ(env.kernel_trusts_tsc, false);
  EXPECT_TRUE(mentions(env.caveats, "dropped the TSC")) << join(env.caveats);
  write("/sys/devices/system/clocksource/clocksource0/available_clocksource",
        "tsc kvm-clock hpet acpi_pm \n");
  EXPECT_EQ(probe_env(root_).kernel_trusts_tsc, true);
}

TEST(EnvCaveats, MissingPmuIsNamedWhenPerfIsAllowed) {
  EnvInfo env = quiet_machine();
  env.pmu_available = false;
  const auto caveats = env_caveats(env);
  ASSERT_EQ(caveats.size(), 1u) << join(caveats);
  EXPECT_TRUE(mentions(caveats, "no PMU")) << join(caveats);
}

TEST(EnvCaveats, LimitsAndPrivilegesQuoteTheirValues) {
  EnvInfo env = quiet_machine();
  env.allowed_cpus = 2;
  env.cgroup_cpu_limit = 1.5;
  env.thp_enabled = "never";
  env.swap_total_bytes = 0;
  env.is_root = false;
  env.cap_sys_nice = false;
  env.mitigations.push_back({"spectre_v2", "Mitigation: Retpolines"});
  const auto caveats = env_caveats(env);
  EXPECT_TRUE(mentions(caveats, "2 CPUs allowed of 8 online")) << join(caveats);
  EXPECT_TRUE(mentions(caveats, "cgroup CPU quota of 1.5 CPUs")) << join(caveats);
  EXPECT_TRUE(mentions(caveats, "THP is never")) << join(caveats);
  EXPECT_TRUE(mentions(caveats, "no swap")) << join(caveats);
  EXPECT_TRUE(mentions(caveats, "SCHED_FIFO")) << join(caveats);
  EXPECT_TRUE(mentions(caveats, "mitigations active (spectre_v2)")) << join(caveats);
  EXPECT_FALSE(mentions(caveats, "VM")) << join(caveats);
}
