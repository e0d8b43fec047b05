// The rules that read across labs: what kernel bypass would save, which costs this run shows
// can be amortised, and why frame loops and inference runtimes keep the kernel out of their hot
// path. Like every rule, each quotes only this run's figures and stays silent without them.
#include <fmt/format.h>

#include <cmath>
#include <string>
#include <vector>

#include "report/commentary.h"
#include "report/commentary_lookup.h"
#include "report/format.h"

namespace illusion::report {
using Results = std::vector<core::Result>;
using namespace lookup;

namespace {

constexpr double kFrameHz = 90;  // a VR headset's refresh: the tightest common frame loop
constexpr double kFrameNs = 1e9 / kFrameHz;
// A buffer an inference step or a frame might allocate fresh: 64 MiB of 4 KiB pages.
constexpr double kBufferPages = 64.0 * 1024 * 1024 / 4096;

// "0.4%" of a 90 Hz frame, or "<0.001%" rather than a rounded 0.
std::string frame_share(double ns) {
  const double share = ns / kFrameNs;
  return share < 1e-5 ? std::string("<0.001%") : format_percent(share);
}

// "a; b; and c": semicolons, since the parts have commas of their own.
std::string join_parts(const std::vector<std::string>& parts) {
  std::string out;
  for (std::size_t i = 0; i < parts.size(); ++i) {
    if (i > 0) out += i + 1 == parts.size() ? "; and " : "; ";
    out += parts[i];
  }
  return out;
}

}  // namespace

namespace rules {

std::optional<Insight> kernel_bypass(const Results& results) {
  const auto pread = p50_of(results, "mmap_vs_read.rand_pread_warm");
  const auto copy = p50_of(results, "mmap_vs_read.rand_copy_warm");
  if (!pread || !copy) return std::nullopt;
  const double overhead = *pread - *copy;
  Insight in{"kernel_bypass",
             "",
             {{"pread_p50_ns", *pread}, {"copy_p50_ns", *copy}, {"overhead_ns", overhead}}};
  in.text = fmt::format(
      "Why kernel bypass exists: a random 4 KiB pread from the page cache costs {} at the "
      "median; copying the same 4 KiB out of memory already mapped costs {}.",
      format_ns(*pread), format_ns(*copy));
  if (overhead <= 0) {
    in.text +=
        " Here the copy costs as much as the whole read, so the kernel's share is lost in the "
        "noise: this run shows no gain for bypassing it on cached reads.";
    return in;
  }
  const double share = overhead / *pread;
  const double cpus_at_1m = overhead * 1e6 / 1e9;  // ns per read x a million reads per second
  in.values.emplace_back("overhead_share", share);
  in.values.emplace_back("cpus_at_1m_reads_per_s", cpus_at_1m);
  in.text += fmt::format(" The other {} ({} of the read) is the syscall and the page-cache lookup",
                         format_ns(overhead), format_percent(share));
  if (const auto entry = p50_of(results, "syscalls.getppid_raw")) {
    in.values.emplace_back("syscall_p50_ns", *entry);
    in.text += fmt::format(", of which a bare kernel entry and exit is {}", format_ns(*entry));
  }
  in.text += fmt::format(
      ". At a million 4 KiB reads a second that overhead alone keeps {} CPUs busy, which is why "
      "storage and network stacks that live on small operations (SPDK, DPDK, io_uring with "
      "polling and registered buffers) take the kernel off the per-operation path.",
      format_sig3(cpus_at_1m));
  if (const auto cold = p50_of(results, "mmap_vs_read.rand_pread_cold")) {
    in.values.emplace_back("cold_p50_ns", *cold);
    in.text += fmt::format(
        " From the disk the same read costs {}: there the device dominates and the software "
        "path is {} of the wait.",
        format_ns(*cold), format_percent(overhead / *cold));
  }
  return in;
}

std::optional<Insight> amortised_costs(const Results& results) {
  std::vector<std::string> parts;
  Insight in{"amortised_costs", "", {}};
  const auto create = p50_of(results, "processes.pthread_create");
  const auto handoff = p50_of(results, "scheduling.futex_same_cpu");
  if (create && handoff) {
    in.values.emplace_back("thread_create_vs_handoff", *create / *handoff);
    parts.push_back(fmt::format(
        "a thread pool wakes a waiting thread ({} per futex switch) instead of creating one "
        "({}), {} cheaper",
        format_ns(*handoff), format_ns(*create), format_ratio(*create / *handoff)));
  }
  const auto small = p50_of(results, "syscalls.read_4k");
  const auto large = p50_of(results, "syscalls.read_1m");
  if (small && large &&
      unit_of(results, "syscalls.read_4k") == unit_of(results, "syscalls.read_1m")) {
    in.values.emplace_back("read_4k_vs_1m", *small / *large);
    parts.push_back(fmt::format("1 MiB read() calls move a byte {} cheaper than 4 KiB calls",
                                format_ratio(*small / *large)));
  }
  const auto one = p50_of(results, "syscalls.uring_batch_1");
  const auto many = p50_of(results, "syscalls.uring_batch_64");
  if (one && many) {
    in.values.emplace_back("uring_1_vs_64", *one / *many);
    parts.push_back(
        fmt::format("io_uring with 64 reads per submission is {} cheaper per byte "
                    "than one per submission",
                    format_ratio(*one / *many)));
  }
  if (const auto fewer = metric_of(results, "vm.thp_fault", "fault_reduction");
      fewer && *fewer > 0) {
    in.values.emplace_back("thp_fault_reduction", *fewer);
    parts.push_back(
        fmt::format("huge pages take {} fewer faults for the same memory", format_ratio(*fewer)));
  }
  const auto fault = p50_of(results, "vm.first_touch");
  const auto use = metric_of(results, "vm.map_populate", "use_ns_per_page");
  if (fault && use && *use > 0) {
    in.values.emplace_back("first_touch_vs_prefaulted_use", *fault / *use);
    parts.push_back(fmt::format(
        "after MAP_POPULATE a page's first use costs {} instead of a {} fault, the faults "
        "taken once at map time",
        format_ns(*use), format_ns(*fault)));
  }
  if (parts.size() < 2) return std::nullopt;
  in.text = fmt::format(
      "Costs this run shows being amortised: {}. Each pays a fixed price (a thread, a kernel "
      "entry, a fault) once and spreads it over many units of work.",
      join_parts(parts));
  return in;
}

std::optional<Insight> hot_path(const Results& results) {
  std::vector<std::string> parts;
  Insight in{"hot_path", "", {{"frame_ns", kFrameNs}}};
  auto add = [&](const char* key, std::optional<double> ns, const std::string& what) {
    if (!ns) return;
    in.values.emplace_back(key, *ns);
    parts.push_back(fmt::format("{} {} ({} of the frame)", what, format_ns(*ns), frame_share(*ns)));
  };
  add("major_fault_p99_ns", p99_of(results, "vm.major_fault"), "a major fault's p99 is");
  add("cold_read_p99_ns", p99_of(results, "mmap_vs_read.rand_pread_cold"),
      "a cold 4 KiB read's p99");
  add("cross_cpu_wake_p99_ns", p99_of(results, "scheduling.futex_cross_cpu"),
      "a wake-up on another CPU's p99");
  add("thread_create_p50_ns", p50_of(results, "processes.pthread_create"),
      "creating a thread costs");
  if (const auto fault = p50_of(results, "vm.first_touch")) {
    add("buffer_first_touch_ns", *fault * kBufferPages,
        fmt::format("first-touching a fresh 64 MiB buffer ({} minor faults) takes",
                    format_whole(kBufferPages)));
  }
  if (parts.size() < 2) return std::nullopt;
  std::string opening = " Against it:";
  if (const auto sys = p50_of(results, "syscalls.getppid_raw")) {
    in.values.emplace_back("syscall_p50_ns", *sys);
    opening = fmt::format(
        " A syscall's median is cheap ({}, {} of it), but what can wait behind "
        "the kernel boundary is not:",
        format_ns(*sys), frame_share(*sys));
  }
  in.text = fmt::format(
      "Why XR frame loops and inference runtimes keep syscalls and faults out of the hot path: "
      "a 90 Hz frame is {}.{} {}. None of these waits is under the loop's control once it is "
      "in the kernel, so such loops allocate, prefault and pin their memory before the first "
      "frame, keep threads alive in pools, and hand IO to other threads or batch it.",
      format_ns(kFrameNs), opening, join_parts(parts));
  return in;
}

}  // namespace rules
}  // namespace illusion::report
