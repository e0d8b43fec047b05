// The rules that read across labs: what kernel bypass would save, which costs this run shows
// can be amortised, and why frame loops and inference runtimes keep the kernel out of their hot
// path. Like every rule, each quotes only this run's figures and stays silent without them:
// a saving is listed only when the run shows it beyond a named bound, and a figure the run did
// not measure whole (a per-page median times pages) is labelled as the estimate it is.
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "core/format.h"
#include "core/stats.h"
#include "report/budget.h"
#include "report/commentary.h"
#include "report/commentary_lookup.h"

namespace illusion::report {
using Results = std::vector<core::Result>;
using namespace lookup;

namespace {

constexpr double kFrameHz = kReferenceFrameHz;
constexpr double kFrameNs = kReferenceFrameNs;
// The fresh buffer an inference step or a frame might allocate: 64 MiB of 4 KiB pages, the
// size vm.fresh_64m_first_touch maps and first-touches whole.
constexpr const char* kFreshBufferId = "vm.fresh_64m_first_touch";
constexpr const char* kFreshBufferUnit = "ns/64MiB";
constexpr double kBufferPages = 64.0 * 1024 * 1024 / 4096;
// A huge-page reduction is quoted as amortisation only when at least this much of the region
// really was in huge pages (the measured huge_fraction).
constexpr double kMostlyHuge = 0.9;
// A syscall's median under this share of a frame is "cheap" against it.
constexpr double kCheapShare = 1e-3;
// The argument "what waits behind the kernel boundary is not cheap" needs at least one wait of
// this share of a frame; below it, the run does not support the sentence and the rule is silent.
constexpr double kCostlyShare = 0.01;
// The software path is "the small part" of a disk read when under this share of it.
constexpr double kDeviceDominates = 0.5;

// "0.4%" of a 90 Hz frame, or "<0.001%" rather than a rounded 0.
std::string frame_share(double ns) {
  const double share = ns / kFrameNs;
  return share < 1e-5 ? std::string("<0.001%") : core::format_percent(share);
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

// True when `high` is clearly above `low`: by kClearlyDifferent and, for two sampled rows, by
// more than the noise of their difference (three standard errors from each row's MAD).
bool clearly_above(double low, double high, double noise = 0) {
  return low > 0 && high > 0 && direction(low, high, std::max(noise, ratio_bound(low, high))) > 0;
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
      core::format_ns(*pread), core::format_ns(*copy));
  const double noise =
      median_noise(results, "mmap_vs_read.rand_pread_warm", "mmap_vs_read.rand_copy_warm");
  if (!clearly_above(*copy, *pread, noise)) {
    const double bound = std::max(noise, ratio_bound(*pread, *copy));
    in.text += fmt::format(
        " Here the difference ({}) is within noise (±{}), so the kernel's share is lost in it: "
        "this run shows no gain for bypassing it on cached reads.",
        core::format_ns(overhead), core::format_ns(bound));
    return in;
  }
  const double share = overhead / *pread;
  const double cpus_at_1m = overhead * 1e6 / 1e9;  // ns per read x a million reads per second
  in.values.emplace_back("overhead_share", share);
  in.values.emplace_back("cpus_at_1m_reads_per_s", cpus_at_1m);
  in.text += fmt::format(" The other {} ({} of the read) is the syscall and the page-cache lookup",
                         core::format_ns(overhead), core::format_percent(share));
  if (const auto entry = p50_of(results, "syscalls.getppid_raw")) {
    in.values.emplace_back("syscall_p50_ns", *entry);
    // "Of which" only when the part is smaller than the whole it is said to be part of.
    in.text +=
        *entry < overhead
            ? fmt::format(", of which a bare kernel entry and exit is {}", core::format_ns(*entry))
            : fmt::format(
                  " (a bare kernel entry and exit alone measured {} in its own "
                  "row, no less than the whole difference)",
                  core::format_ns(*entry));
  }
  in.text += fmt::format(
      ". At a million 4 KiB reads a second that overhead alone keeps {} CPUs busy, which is why "
      "storage and network stacks that live on small operations (SPDK, DPDK, io_uring with "
      "polling and registered buffers) take the kernel off the per-operation path.",
      core::format_sig3(cpus_at_1m));
  if (const auto cold = p50_of(results, "mmap_vs_read.rand_pread_cold")) {
    in.values.emplace_back("cold_p50_ns", *cold);
    const double of_wait = overhead / *cold;
    if (clearly_above(*pread, *cold) && of_wait < kDeviceDominates)
      in.text += fmt::format(
          " From the disk the same read costs {}: there the device dominates and the software "
          "path is {} of the wait.",
          core::format_ns(*cold), core::format_percent(of_wait));
    else
      in.text += fmt::format(
          " From the disk the same read cost {}, not clearly more: the evicted file was likely "
          "served by a cache below this kernel.",
          core::format_ns(*cold));
  }
  return in;
}

std::optional<Insight> amortised_costs(const Results& results) {
  std::vector<std::string> parts;
  Insight in{"amortised_costs", "", {}};
  // Only savings this run shows beyond kClearlyDifferent are listed: the sentence says each
  // one is "being amortised".
  const auto create = p50_of(results, "processes.pthread_create");
  const auto same_cpu = p50_of(results, "scheduling.futex_same_cpu");
  const auto cross_cpu = p50_of(results, "scheduling.futex_cross_cpu");
  if (create && same_cpu &&
      clearly_above(*same_cpu, *create,
                    median_noise(results, "scheduling.futex_same_cpu", "processes.pthread_create"))) {
    in.values.emplace_back("thread_create_vs_handoff", *create / *same_cpu);
    std::string part = fmt::format(
        "a thread pool wakes a waiting thread instead of creating one ({}): {} per futex switch on "
        "the same CPU, {} cheaper",
        core::format_ns(*create), core::format_ns(*same_cpu),
        core::format_ratio(*create / *same_cpu));
    // A pool spread over several cores hands work to another CPU: that hand-off is its cost.
    if (cross_cpu) {
      in.values.emplace_back("thread_create_vs_cross_cpu_handoff", *create / *cross_cpu);
      const double noise =
          median_noise(results, "scheduling.futex_cross_cpu", "processes.pthread_create");
      if (clearly_above(*cross_cpu, *create, noise))
        part += fmt::format(", and {} to another CPU, {} cheaper", core::format_ns(*cross_cpu),
                            core::format_ratio(*create / *cross_cpu));
      else if (clearly_above(*create, *cross_cpu, noise))
        part += fmt::format(", but {} to another CPU, dearer than creating a thread",
                            core::format_ns(*cross_cpu));
      else
        part += fmt::format(", but {} to another CPU, about as dear as creating a thread",
                            core::format_ns(*cross_cpu));
    } else {
      part += " (a hand-off to another CPU was not measured)";
    }
    parts.push_back(part);
  }
  const auto small = p50_of(results, "syscalls.read_4k");
  const auto large = p50_of(results, "syscalls.read_1m");
  if (small && large &&
      unit_of(results, "syscalls.read_4k") == unit_of(results, "syscalls.read_1m") &&
      clearly_above(*large, *small, median_noise(results, "syscalls.read_1m", "syscalls.read_4k"))) {
    in.values.emplace_back("read_4k_vs_1m", *small / *large);
    parts.push_back(fmt::format("1 MiB read() calls move a byte {} cheaper than 4 KiB calls",
                                core::format_ratio(*small / *large)));
  }
  const auto one = p50_of(results, "syscalls.uring_batch_1");
  const auto many = p50_of(results, "syscalls.uring_batch_64");
  if (one && many &&
      clearly_above(*many, *one,
                    median_noise(results, "syscalls.uring_batch_64", "syscalls.uring_batch_1"))) {
    in.values.emplace_back("uring_1_vs_64", *one / *many);
    parts.push_back(
        fmt::format("io_uring with 64 reads per submission is {} cheaper per byte "
                    "than one per submission",
                    core::format_ratio(*one / *many)));
  }
  // Fewer faults are credited to huge pages only when the region really was in huge pages.
  const auto huge = metric_of(results, "vm.thp_fault", "huge_fraction");
  if (const auto fewer = metric_of(results, "vm.thp_fault", "fault_reduction");
      fewer && clearly_above(1, *fewer) && (!huge || *huge >= kMostlyHuge)) {
    in.values.emplace_back("thp_fault_reduction", *fewer);
    parts.push_back(fmt::format("huge pages take {} fewer faults for the same memory",
                                core::format_ratio(*fewer)));
  }
  const auto fault = p50_of(results, "vm.first_touch");
  const auto use = metric_of(results, "vm.map_populate", "use_ns_per_page");
  if (fault && use && *use > 0 && clearly_above(*use, *fault)) {
    in.values.emplace_back("first_touch_vs_prefaulted_use", *fault / *use);
    parts.push_back(fmt::format(
        "after MAP_POPULATE a page's first use costs {} instead of a {} fault, the faults "
        "taken once at map time",
        core::format_ns(*use), core::format_ns(*fault)));
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
  double costliest = 0;
  auto add = [&](const char* key, std::optional<double> ns, const std::string& what) {
    if (!ns) return;
    in.values.emplace_back(key, *ns);
    costliest = std::max(costliest, *ns);
    parts.push_back(
        fmt::format("{} {} ({} of the frame)", what, core::format_ns(*ns), frame_share(*ns)));
  };
  // Tails are single operations' p99 only (lookup::p99_of): a batched row's p99 of batch means
  // is not an operation's, and such a row is left out.
  add("major_fault_p99_ns", p99_of(results, "vm.major_fault"), "a major fault's p99 is");
  add("cold_read_p99_ns", p99_of(results, "mmap_vs_read.rand_pread_cold"),
      "a cold 4 KiB read's p99");
  add("cross_cpu_wake_p99_ns", p99_of(results, "scheduling.futex_cross_cpu"),
      "a wake-up on another CPU's p99");
  add("thread_create_p50_ns", p50_of(results, "processes.pthread_create"),
      "creating a thread costs");

  // The 64 MiB buffer: the measured whole first touch when the run has it; the warmed per-page
  // median times pages only beside it when the two differ, or labelled as an estimate alone.
  const auto per_page = p50_of(results, "vm.first_touch");
  const bool has_estimate = per_page.has_value();
  const double estimate = has_estimate ? *per_page * kBufferPages : 0;
  const auto fresh = unit_of(results, kFreshBufferId) == kFreshBufferUnit
                         ? p50_of(results, kFreshBufferId)
                         : std::nullopt;
  if (fresh) {
    const auto faults = metric_of(results, kFreshBufferId, "faults_per_op");
    const std::string counted =
        faults && *faults > 0 ? fmt::format("{} minor faults counted", core::format_whole(*faults))
                              : fmt::format("{} pages", core::format_whole(kBufferPages));
    add("buffer_first_touch_ns", fresh,
        fmt::format("first-touching a fresh 64 MiB buffer ({}) takes", counted));
    if (const auto first = metric_of(results, kFreshBufferId, "first_ns");
        first && clearly_above(*fresh, *first)) {
      in.values.emplace_back("buffer_first_touch_first_ns", *first);
      costliest = std::max(costliest, *first);
      parts.back() += fmt::format(", the process's first such buffer {}", core::format_ns(*first));
    }
    if (has_estimate && (clearly_above(*fresh, estimate) || clearly_above(estimate, *fresh))) {
      in.values.emplace_back("buffer_first_touch_estimate_ns", estimate);
      parts.back() += fmt::format(
          ", against {} from vm.first_touch's per-page p50 x pages (pages already backed)",
          core::format_ns(estimate));
    }
  } else if (has_estimate) {
    in.values.emplace_back("buffer_first_touch_estimate_ns", estimate);
    costliest = std::max(costliest, estimate);
    parts.push_back(fmt::format(
        "first-touching a 64 MiB buffer would take an estimated {} ({} of the frame; per-page "
        "p50 x {} pages, not measured whole)",
        core::format_ns(estimate), frame_share(estimate), core::format_whole(kBufferPages)));
  }
  if (parts.size() < 2) return std::nullopt;
  if (costliest / kFrameNs < kCostlyShare) return std::nullopt;
  std::string opening = " Against it:";
  if (const auto sys = p50_of(results, "syscalls.getppid_raw")) {
    in.values.emplace_back("syscall_p50_ns", *sys);
    if (*sys / kFrameNs < kCheapShare)
      opening = fmt::format(
          " A syscall's median is cheap ({}, {} of it), but what can wait behind the kernel "
          "boundary is not:",
          core::format_ns(*sys), frame_share(*sys));
    else
      opening = fmt::format(" A syscall's median here is {} ({} of it); against it:",
                            core::format_ns(*sys), frame_share(*sys));
  }
  in.text = fmt::format(
      "Why XR frame loops and inference runtimes keep syscalls and faults out of the hot path: "
      "a 90 Hz frame is {}.{} {}. None of these waits is under the loop's control once it is "
      "in the kernel, so such loops allocate, prefault and pin their memory before the first "
      "frame, keep threads alive in pools, and hand IO to other threads or batch it.",
      core::format_ns(kFrameNs), opening, join_parts(parts));
  return in;
}

}  // namespace rules
}  // namespace illusion::report
