#include "core/env.h"

#include <filesystem>
#include <fstream>
#include <string_view>

#include <gtest/gtest.h>

#include "support/files.h"

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
  void write(const std::string& path, const std::string& text) {
    const fs::path p = root_ + path;
    fs::create_directories(p.parent_path());
    std::ofstream(p) << text;
  }
  // A relative symlink `from` -> `to`, both paths in the fake tree, as sysfs makes them.
  void link(const std::string& from, const std::string& to) {
    const fs::path p = root_ + from;
    fs::create_directories(p.parent_path());
    fs::create_directory_symlink(fs::path(to).lexically_relative(fs::path(from).parent_path()), p);
  }
  // A whole disk at `devpath` (under /sys/devices) numbered `dev`, as /sys/dev/block, /sys/block
  // and /sys/class/block list it.
  void disk(const std::string& devpath, const std::string& dev, const char* rotational = "0") {
    const std::string name = fs::path(devpath).filename().string();
    write(devpath + "/queue/rotational", std::string(rotational) + "\n");
    write(devpath + "/dev", dev + "\n");
    link("/sys/dev/block/" + dev, devpath);
    link("/sys/block/" + name, devpath);
    link("/sys/class/block/" + name, devpath);
  }
  void partition(const std::string& diskpath, const std::string& name, const std::string& dev) {
    write(diskpath + "/" + name + "/partition", "1\n");
    link("/sys/dev/block/" + dev, diskpath + "/" + name);
    link("/sys/class/block/" + name, diskpath + "/" + name);
  }
  // `devpath`/driver -> the driver's directory on `bus`: only its name is read.
  void driver(const std::string& devpath, const std::string& bus, const std::string& name) {
    link(devpath + "/driver", "/sys/bus/" + bus + "/drivers/" + name);
  }
  void mounts(const std::string& lines) { write("/proc/self/mountinfo", lines); }
  // cpuinfo alone: a VM when `vm`, bare metal otherwise.
  void cpu(bool vm) {
    write("/proc/cpuinfo",
          std::string("processor\t: 0\nmodel name\t: Fake CPU\nflags\t\t: fpu tsc ") +
              (vm ? "hypervisor" : "") + "\n");
  }
  ScratchDisk scratch(const std::string& dir = "/var/tmp/illusion") {
    return probe_env(root_, dir).scratch_disk;
  }
  void write_virtio_tree() {
    cpu(true);
    const std::string vda = "/sys/devices/pci0000:00/0000:00:02.0/virtio1/block/vda";
    disk(vda, "254:0", "1");  // virtio_blk says rotational unless the host says otherwise
    partition(vda, "vda1", "254:1");
    partition(vda, "vda2", "254:2");
    driver("/sys/devices/pci0000:00/0000:00:02.0/virtio1", "virtio", "virtio_blk");
    driver("/sys/devices/pci0000:00/0000:00:02.0", "pci", "virtio-pci");
  }
  void write_nvme_tree(const std::string& model) {
    const std::string ctrl = "/sys/devices/pci0000:00/0000:00:04.0/nvme/nvme0";
    disk(ctrl + "/nvme0n1", "259:0");
    partition(ctrl + "/nvme0n1", "nvme0n1p1", "259:1");
    link(ctrl + "/nvme0n1/device", ctrl);
    write(ctrl + "/model", model + "\n");
    driver("/sys/devices/pci0000:00/0000:00:04.0", "pci", "nvme");
    mounts("25 1 259:1 / / rw,relatime - ext4 /dev/nvme0n1p1 rw\n");
  }
  illusion::testing::ScratchDir dir_;
  std::string root_ = dir_.path();
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

// Another run measuring at the same time is named with its evidence; alone or unknown, nothing.
TEST(EnvCaveats, AConcurrentRunIsNamedOnlyWhenKnown) {
  EnvInfo env = quiet_machine();
  env.concurrent_run = {false, "this run held /tmp/illusion.lock"};
  EXPECT_EQ(join(env_caveats(env)), "");
  env.concurrent_run = {std::nullopt, "cannot open /tmp/illusion.lock"};
  EXPECT_EQ(join(env_caveats(env)), "");
  env.concurrent_run = {true, "another illusion run (pid 7) held /tmp/illusion.lock"};
  const auto caveats = env_caveats(env);
  EXPECT_TRUE(mentions(caveats,
                       "another illusion run was measuring on this machine at the same "
                       "time (another illusion run (pid 7) held /tmp/illusion.lock)"))
      << join(caveats);
  EXPECT_TRUE(mentions(caveats, "--wait-for-other-run")) << join(caveats);
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
  EXPECT_TRUE(mentions(caveats, "in a VM under KVM:")) << join(caveats);
  env.hypervisor_source = "cpuid";
  EXPECT_TRUE(mentions(env_caveats(env), "in a VM under KVM (CPUID signature):"))
      << join(env_caveats(env));
  EXPECT_TRUE(mentions(caveats, "perf_event_paranoid=3")) << join(caveats);
  EXPECT_TRUE(mentions(caveats, "the kernel's clocksource is kvm-clock")) << join(caveats);
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
  // The kernel's own name, not the CPUID signature it shares with KVM.
  EXPECT_TRUE(mentions(caveats, "in a VM under PVM:")) << join(caveats);
  EXPECT_FALSE(mentions(caveats, "KVM")) << join(caveats);
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

// ---- the disk under the test files ----

TEST_F(EnvProbe, AVirtioDiskIsVirtualAndSaysSo) {
  write_virtio_tree();
  mounts("22 27 0:21 / /proc rw,relatime - proc proc rw\n"
         "27 1 254:1 / / rw,relatime - ext4 /dev/vda1 rw\n"
         "30 27 254:2 / /home rw,relatime - ext4 /dev/vda2 rw\n");
  const EnvInfo env = probe_env(root_, "/var/tmp/illusion");
  const ScratchDisk& d = env.scratch_disk;
  EXPECT_EQ(d.dir, "/var/tmp/illusion");
  EXPECT_EQ(d.mount_point, "/");
  EXPECT_EQ(d.filesystem, "ext4");
  EXPECT_EQ(d.disk, "vda");  // the partition's whole disk
  EXPECT_EQ(d.driver, "virtio_blk");
  EXPECT_EQ(d.rotational, true);
  EXPECT_EQ(d.virtual_disk.value, true) << d.virtual_disk.evidence;
  EXPECT_FALSE(d.may_be_virtual);
  EXPECT_NE(d.virtual_disk.evidence.find("virtio_blk"), std::string::npos);
  EXPECT_TRUE(mentions(env.caveats, "the disk holding /var/tmp/illusion (vda, virtio_blk) is "
                                    "virtual: cold reads and major faults may be served by the "
                                    "host's page cache"))
      << join(env.caveats);
}

// The longest mount point above the directory wins, and a later mount hides an earlier one on
// the same point; mountinfo's octal escapes are undone.
TEST_F(EnvProbe, TheScratchDirectorysOwnMountIsTheOneDescribed) {
  write_virtio_tree();
  write_nvme_tree("Samsung SSD 980 PRO 1TB");
  mounts("27 1 254:1 / / rw - ext4 /dev/vda1 rw\n"
         "31 27 254:2 / /mnt/my\\040disk rw - ext4 /dev/vda2 rw\n"
         "32 27 259:1 / /mnt/my\\040disk rw - xfs /dev/nvme0n1p1 rw\n"
         "33 27 254:1 / /mnt/my rw - ext4 /dev/vda1 rw\n");
  ScratchDisk d = scratch("/mnt/my disk/tmp");
  EXPECT_EQ(d.mount_point, "/mnt/my disk");
  EXPECT_EQ(d.filesystem, "xfs");
  EXPECT_EQ(d.disk, "nvme0n1");
  d = scratch("/mnt/mydisk");  // not under "/mnt/my"
  EXPECT_EQ(d.mount_point, "/");
  EXPECT_EQ(d.disk, "vda");
}

TEST_F(EnvProbe, AXenDiskIsVirtualByItsName) {
  cpu(true);
  disk("/sys/devices/vbd-51712/block/xvda", "202:0", "1");
  partition("/sys/devices/vbd-51712/block/xvda", "xvda1", "202:1");
  mounts("27 1 202:1 / / rw - xfs /dev/xvda1 rw\n");
  const ScratchDisk d = scratch();
  EXPECT_EQ(d.disk, "xvda");
  EXPECT_EQ(d.driver, "");
  EXPECT_EQ(d.virtual_disk.value, true);
  EXPECT_NE(d.virtual_disk.evidence.find("xvd"), std::string::npos) << d.virtual_disk.evidence;
}

// An NVMe drive in a VM may be emulated or passed through: unknown, and the caveat says "may".
TEST_F(EnvProbe, AnNvmeDriveInAVmMayBeVirtual) {
  cpu(true);
  write_nvme_tree("Samsung SSD 980 PRO 1TB");
  const EnvInfo env = probe_env(root_, "/tmp");
  const ScratchDisk& d = env.scratch_disk;
  EXPECT_EQ(d.disk, "nvme0n1");
  EXPECT_EQ(d.driver, "nvme");
  EXPECT_EQ(d.rotational, false);
  EXPECT_FALSE(d.virtual_disk.value.has_value());
  EXPECT_TRUE(d.may_be_virtual);
  EXPECT_NE(d.virtual_disk.evidence.find("NVMe drive in a VM"), std::string::npos)
      << d.virtual_disk.evidence;
  EXPECT_TRUE(mentions(env.caveats, "the disk holding /tmp (nvme0n1, nvme) may be virtual"))
      << join(env.caveats);
  EXPECT_TRUE(mentions(env.caveats, "if emulated, cold reads and major faults may be served"))
      << join(env.caveats);
}

TEST_F(EnvProbe, QemusEmulatedNvmeIsVirtualByItsModel) {
  cpu(true);
  write_nvme_tree("QEMU NVMe Ctrl");
  const ScratchDisk d = scratch();
  EXPECT_EQ(d.virtual_disk.value, true);
  EXPECT_FALSE(d.may_be_virtual);
  EXPECT_NE(d.virtual_disk.evidence.find("QEMU NVMe Ctrl"), std::string::npos);
}

TEST_F(EnvProbe, AnNvmeDriveOnBareMetalIsPhysical) {
  cpu(false);
  write_nvme_tree("Samsung SSD 980 PRO 1TB");
  const EnvInfo env = probe_env(root_, "/tmp");
  EXPECT_EQ(env.scratch_disk.virtual_disk.value, false) << env.scratch_disk.virtual_disk.evidence;
  EXPECT_FALSE(env.scratch_disk.may_be_virtual);
  EXPECT_FALSE(mentions(env.caveats, "the disk holding")) << join(env.caveats);
}

// Device-mapper over a virtio disk: the disks under it decide.
TEST_F(EnvProbe, DeviceMapperIsJudgedByTheDisksUnderIt) {
  write_virtio_tree();
  disk("/sys/devices/virtual/block/dm-0", "253:0");
  write("/sys/devices/virtual/block/dm-0/dm/name", "vg-root\n");
  link("/sys/devices/virtual/block/dm-0/slaves/vda2",
       "/sys/devices/pci0000:00/0000:00:02.0/virtio1/block/vda/vda2");
  mounts("27 1 253:0 / / rw - ext4 /dev/mapper/vg-root rw\n"
         "28 27 0:45 / /srv rw - btrfs /dev/mapper/vg-root rw\n");
  ScratchDisk d = scratch();
  EXPECT_EQ(d.disk, "dm-0");
  EXPECT_EQ(d.virtual_disk.value, true) << d.virtual_disk.evidence;
  EXPECT_EQ(d.virtual_disk.evidence.rfind("dm-0 over vda: ", 0), 0u) << d.virtual_disk.evidence;
  // btrfs has an anonymous device number: its source names the device.
  d = scratch("/srv/x");
  EXPECT_EQ(d.filesystem, "btrfs");
  EXPECT_EQ(d.disk, "dm-0");
  EXPECT_EQ(d.virtual_disk.value, true) << d.virtual_disk.evidence;
}

// No disk that can be judged: unknown (null), never "physical", and no caveat.
TEST_F(EnvProbe, LoopTmpfsOverlayAndBareDeviceMapperAreUnknown) {
  cpu(true);
  disk("/sys/devices/virtual/block/loop0", "7:0");
  disk("/sys/devices/virtual/block/dm-1", "253:1");  // no slaves listed
  mounts("27 1 0:50 / / rw - overlay overlay rw,lowerdir=/l,upperdir=/u,workdir=/w\n"
         "40 27 0:40 / /tmp rw - tmpfs tmpfs rw\n"
         "41 27 7:0 / /mnt/image rw - squashfs /dev/loop0 ro\n"
         "42 27 253:1 / /mnt/crypt rw - ext4 /dev/mapper/crypt rw\n"
         "43 27 0:60 / /mnt/nfs rw - nfs4 server:/export rw\n");
  const struct {
    const char* dir;
    const char* fs;
    const char* disk;
    const char* evidence;
  } cases[] = {{"/home/user", "overlay", "", "overlay"},
               {"/tmp", "tmpfs", "", "memory-backed"},
               {"/mnt/image/x", "squashfs", "loop0", "loop device"},
               {"/mnt/crypt", "ext4", "dm-1", "not listed"},
               {"/mnt/nfs", "nfs4", "", "no block device"}};
  for (const auto& c : cases) {
    const EnvInfo env = probe_env(root_, c.dir);
    const ScratchDisk& d = env.scratch_disk;
    EXPECT_EQ(d.filesystem, c.fs) << c.dir;
    EXPECT_EQ(d.disk, c.disk) << c.dir;
    EXPECT_FALSE(d.virtual_disk.value.has_value()) << c.dir;
    EXPECT_FALSE(d.may_be_virtual) << c.dir;
    EXPECT_NE(d.virtual_disk.evidence.find(c.evidence), std::string::npos)
        << c.dir << ": " << d.virtual_disk.evidence;
    EXPECT_FALSE(mentions(env.caveats, "the disk holding")) << join(env.caveats);
  }
}

TEST_F(EnvProbe, NoMountinfoLeavesTheDiskUnknown) {
  write_virtio_tree();
  const ScratchDisk d = scratch();
  EXPECT_FALSE(d.virtual_disk.value.has_value());
  EXPECT_NE(d.virtual_disk.evidence.find("mountinfo unreadable"), std::string::npos);
  EXPECT_EQ(d.disk, "");
}

TEST(EnvCaveats, AVirtualDiskIsNamedAnUnknownOneIsNot) {
  EnvInfo env = quiet_machine();
  env.scratch_disk.dir = "/tmp";
  env.scratch_disk.disk = "vda";
  env.scratch_disk.driver = "virtio_blk";
  env.scratch_disk.virtual_disk = {std::nullopt, "unknown"};
  EXPECT_EQ(join(env_caveats(env)), "");
  env.scratch_disk.virtual_disk = {false, "physical"};
  EXPECT_EQ(join(env_caveats(env)), "");
  env.scratch_disk.virtual_disk = {true, "virtio_blk"};
  auto caveats = env_caveats(env);
  ASSERT_EQ(caveats.size(), 1u) << join(caveats);
  EXPECT_EQ(caveats[0],
            "the disk holding /tmp (vda, virtio_blk) is virtual: cold reads and major faults may "
            "be served by the host's page cache, so \"cold\" figures may be faster than the "
            "physical device");
  env.scratch_disk.virtual_disk = {std::nullopt, "an NVMe drive in a VM"};
  env.scratch_disk.may_be_virtual = true;
  caveats = env_caveats(env);
  ASSERT_EQ(caveats.size(), 1u) << join(caveats);
  EXPECT_TRUE(mentions(caveats, "may be virtual (emulated by the hypervisor, or passed through)"))
      << join(caveats);
}

TEST(Env, ProbesThisMachinesScratchDisk) {
  const ScratchDisk d = probe_env().scratch_disk;
  EXPECT_FALSE(d.dir.empty());
  EXPECT_FALSE(d.virtual_disk.evidence.empty());
  EXPECT_FALSE(d.virtual_disk.value.has_value() && d.may_be_virtual);
}

// ---- the hypervisor's name ----

TEST(HypervisorName, TheKernelsNameWinsOverTheCpuidSignature) {
  EnvInfo env;
  env.virtualized = true;
  env.hypervisor = "bhyve";
  env.hypervisor_source = "cpuid";
  env.hypervisor_kernel_name = "PVM";
  EXPECT_EQ(hypervisor_display_name(env), "PVM");
  env.hypervisor_kernel_name = "";
  EXPECT_EQ(hypervisor_display_name(env), "bhyve (CPUID signature)");
  env.hypervisor = "xen";
  env.hypervisor_source = "sysfs";
  EXPECT_EQ(hypervisor_display_name(env), "xen");
  env.hypervisor = "";
  env.hypervisor_source = "";
  EXPECT_EQ(hypervisor_display_name(env), "");
  env.hypervisor_kernel_name = "KVM";  // the log named it where CPUID could not be read
  EXPECT_EQ(hypervisor_display_name(env), "KVM");
}

TEST_F(EnvProbe, TheHypervisorsSourceIsRecorded) {
  write_vm_tree();
  EnvInfo env = probe_env(root_);
  EXPECT_EQ(env.hypervisor_source, "dmi");
  EXPECT_EQ(hypervisor_display_name(env), "QEMU Standard PC (Q35 + ICH9, 2009) (DMI board name)");
  write("/sys/hypervisor/type", "xen\n");
  env = probe_env(root_);
  EXPECT_EQ(env.hypervisor, "xen");
  EXPECT_EQ(env.hypervisor_source, "sysfs");
  EXPECT_EQ(hypervisor_display_name(env), "xen");
  EXPECT_TRUE(mentions(env.caveats, "in a VM under xen:")) << join(env.caveats);
}
