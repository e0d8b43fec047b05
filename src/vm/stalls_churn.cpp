// The body of vm.mmap_churn_stall (stalls.cpp holds the table): touching threads timed per
// batch without and with another thread of the same process churning its address space with
// mmap/touch/munmap (the threads are stalls_churn_threads.h's), and the tail the churn adds.
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "core/format.h"
#include "core/host_behaviour.h"
#include "core/interrupts.h"
#include "core/measure.h"
#include "core/resources.h"
#include "vm/stalls_churn_threads.h"
#include "vm/stalls.h"

namespace illusion::labs::vm::stalls {
namespace {

constexpr double kSlowBatchNs = 5000;  // a toucher batch this slow was stalled

// "6.18.44-fc" -> (6, 18); (0, 0) when unreadable.
std::pair<int, int> kernel_version(const std::string& release) {
  int major = 0, minor = 0;
  if (std::sscanf(release.c_str(), "%d.%d", &major, &minor) != 2) return {0, 0};
  return {major, minor};
}

double slow_per_s(const ChurnRun& run) {
  const auto n = std::count_if(run.batch_ns.begin(), run.batch_ns.end(),
                               [](double v) { return v > kSlowBatchNs; });
  return run.elapsed_s > 0 ? static_cast<double>(n) / run.elapsed_s : 0;
}

}  // namespace

core::Result run_mmap_churn_stall(core::RunContext& ctx, core::Result r) {
  const core::Clock& clock = *ctx.clock;
  const double duration = ctx.profile == core::Profile::quick      ? 0.15
                          : ctx.profile == core::Profile::thorough ? 2.0
                                                                   : 0.5;
  // Threads are placed explicitly: the churn thread on one CPU, the touchers on the others,
  // since a shootdown only crosses CPUs when they run apart. An explicit affinity overrides a
  // run's --pin for these threads (--pin narrows only the main thread), but never a mask the
  // user set on the whole process (`taskset -c 0`): where only one CPU is usable everything
  // shares it.
  std::vector<int> cpus = allowed_cpus();
  const int online = ctx.env && ctx.env->online_cpus > 0
                         ? ctx.env->online_cpus
                         : static_cast<int>(sysconf(_SC_NPROCESSORS_ONLN));
  if (cpus.size() < 2 && online >= 2 && ctx.pin_cpu) {
    cpus.clear();
    for (int c = 0; c < online; ++c) cpus.push_back(c);
  }
  ChurnConfig cfg;
  cfg.duration_s = duration;
  // A batch takes >= ~300 ns here; room for 4 M batches a second.
  cfg.max_samples_per_thread = static_cast<std::size_t>(duration * 4e6) + 1000;
  std::string placement;
  if (cpus.size() >= 2) {
    cfg.churn_cpu = cpus[0];
    cfg.touchers = static_cast<int>(cpus.size()) - 1;
    for (std::size_t i = 1; i < cpus.size(); ++i) cfg.toucher_cpus.push_back(cpus[i]);
    placement = fmt::format("churn thread on CPU {}, {} toucher(s) on CPU(s) {}", cpus[0],
                            cfg.touchers, fmt::join(cfg.toucher_cpus, ","));
  } else {
    cfg.touchers = 1;
    placement = "one CPU usable: the churn thread and the toucher time-share it";
    r.warnings.push_back(
        "only one CPU: no cross-CPU shootdown can be shown, the churn thread "
        "simply takes CPU time from the toucher");
  }
  try {
    core::require_free_memory(static_cast<std::uint64_t>(cfg.touchers) *
                                      (kTouchBytes + cfg.max_samples_per_thread * sizeof(double)) +
                                  kChurnBytes,
                              "the mmap churn experiment");
  } catch (const std::runtime_error& e) {
    return core::skipped(std::move(r), e.what());
  }

  cfg.churn = false;
  const ChurnRun base = run_churn(clock, cfg);  // baseline first: no churn thread at all
  ctx.report_progress(0.5);
  cfg.churn = true;
  // Shootdown IPIs received by every CPU while the churn ran, to say how munmap reached the
  // touchers' CPUs on this host rather than assume it (some hosts flush without IPIs).
  const std::optional<std::uint64_t> tlb_before = core::tlb_shootdowns_total();
  ChurnRun churn = run_churn(clock, cfg);
  const std::optional<std::uint64_t> tlb_after = core::tlb_shootdowns_total();
  ctx.report_progress(1.0);

  for (const std::string& w : base.placement_failures) r.warnings.push_back(w);
  for (const std::string& w : churn.placement_failures) r.warnings.push_back(w);
  if (base.hit_sample_cap || churn.hit_sample_cap)
    r.warnings.push_back(
        fmt::format("a toucher filled its {} samples before the run ended: "
                    "the tail of the run is missing",
                    cfg.max_samples_per_thread));
  if (base.batch_ns.empty() || churn.batch_ns.empty()) {
    r.status = core::Status::failed;
    r.reason = "the touchers recorded no batch";
    return r;
  }
  const core::Stats b = core::compute_stats(base.batch_ns);
  const double churn_rate = churn.elapsed_s > 0 ? churn.churn_rounds / churn.elapsed_s : 0;
  const double slow_base = slow_per_s(base), slow_churn = slow_per_s(churn);
  const double n = static_cast<double>(churn.batch_ns.size());
  core::finish_result(r, std::move(churn.batch_ns), n, nullptr);
  const core::Stats& c = *r.stats;

  const std::string kernel = ctx.env ? ctx.env->kernel : "unknown";
  const auto [kmaj, kmin] = kernel_version(kernel);
  const bool per_vma = kmaj > 6 || (kmaj == 6 && kmin >= 4);
  r.add_param("kernel", kernel);
  r.add_param("op", fmt::format("one batch: a store to one line in each of {} pages (4 KiB of "
                                "lines) of a resident {} buffer",
                                kBatchPages, core::format_size(kTouchBytes)));
  r.add_param("stats_at", "the run with churn: every toucher's batches, merged");
  r.add_param("churn", fmt::format("mmap {} (MADV_NOHUGEPAGE), write each page, munmap, repeat",
                                   core::format_size(kChurnBytes)));
  r.add_param("placement", placement);
  r.add_param("touchers", static_cast<double>(cfg.touchers));
  r.add_param("duration_s_per_run", duration);
  r.add_param("slow_batch_threshold_us", kSlowBatchNs / 1e3);

  auto ratio = [](double a, double z) { return z > 0 ? a / z : 0.0; };
  r.add_metric("p50_ratio", ratio(c.p50, b.p50), "x");
  r.add_metric("p99_ratio", ratio(c.p99, b.p99), "x");
  r.add_metric("p999_ratio", ratio(c.p999, b.p999), "x");
  r.add_metric("max_ratio", ratio(c.max, b.max), "x");
  r.add_metric("baseline_p50_ns", b.p50, "ns");
  r.add_metric("baseline_p99_ns", b.p99, "ns");
  r.add_metric("baseline_max_us", b.max / 1e3, "us");
  r.add_metric("churn_p99_ns", c.p99, "ns");
  r.add_metric("churn_max_us", c.max / 1e3, "us");
  r.add_metric("munmaps_per_s", churn_rate, "1/s");
  r.add_metric("slow_batches_per_s_baseline", slow_base, "1/s");
  r.add_metric("slow_batches_per_s_churn", slow_churn, "1/s");
  // Stalls the churn added, per munmap: the baseline's slow batches are timer ticks and other
  // interrupts (~250/s at HZ=250), the rest is shootdown IPIs and the TLB refill after them.
  if (churn_rate > 0)
    r.add_metric("extra_slow_batches_per_munmap", (slow_churn - slow_base) / churn_rate, "batches");
  std::optional<double> ipis_per_munmap;
  if (tlb_before && tlb_after && *tlb_after >= *tlb_before && churn.churn_rounds > 0) {
    ipis_per_munmap =
        static_cast<double>(*tlb_after - *tlb_before) / static_cast<double>(churn.churn_rounds);
    r.add_metric("tlb_shootdowns_per_munmap", *ipis_per_munmap, "IPIs/munmap");
  }
  const core::BehaviourFact flush_fact =
      ctx.env ? ctx.env->remote_tlb_flush_ipis : core::BehaviourFact{};
  r.add_param("remote_tlb_flush_ipis", core::fact_summary(flush_fact));
  const std::string flush = core::remote_flush_words(ipis_per_munmap, flush_fact);
  r.add_metric("toucher_faults",
               static_cast<double>(base.toucher_minor_faults + churn.toucher_minor_faults),
               "faults");
  if (base.toucher_minor_faults + churn.toucher_minor_faults > 0)
    r.warnings.push_back(
        "the touchers took page faults on memory made resident beforehand: "
        "some of their stalls are their own");
  const std::uint64_t preempted =
      base.toucher_involuntary_switches + churn.toucher_involuntary_switches;
  r.add_metric("toucher_preemptions", static_cast<double>(preempted), "switches");
  if (preempted > 0)
    r.warnings.push_back(fmt::format(
        "the touchers were preempted {} times (baseline {}, churn {}): another task wanted "
        "their CPU, and the worst batches include those waits, not only the churn's",
        preempted, base.toucher_involuntary_switches, churn.toucher_involuntary_switches));
  if (churn.churn_rounds == 0) r.warnings.push_back("the churn thread completed no round");

  const std::string why =
      per_vma ? fmt::format(
                    "on Linux {} page faults take only the faulting VMA's lock (per-VMA "
                    "locking, merged in 6.4), and these touchers do not even fault, so "
                    "no mmap_lock wait reaches them: what does is munmap's flush of their "
                    "TLBs, {}, and the TLB refill after it",
                    kernel, flush)
              : fmt::format(
                    "on Linux {} (before per-VMA locks, 6.4) a fault anywhere in the "
                    "process waits for mmap_lock while mmap/munmap hold it; these "
                    "touchers do not fault, so what reaches them is munmap's flush of "
                    "their TLBs, {}, and the refill after",
                    kernel, flush);
  // On one CPU there is no other CPU to interrupt: the churn only takes the toucher's time.
  const bool one_cpu = cpus.size() < 2;
  r.meaning = fmt::format(
      "with {:.0f} mmap/touch/munmap rounds of 2 MiB per second {}, the toucher "
      "had {:.0f} batches per second over {} against {:.0f} without; its p99 batch went "
      "from {} to {} ({:.2f}x) and its worst from {} to {} ({:.1f}x). {}",
      churn_rate, one_cpu ? "on the same CPU (the only one usable)" : "on another CPU", slow_churn,
      core::format_ns(kSlowBatchNs), slow_base, core::format_ns(b.p99), core::format_ns(c.p99),
      ratio(c.p99, b.p99), core::format_ns(b.max), core::format_ns(c.max),
      ratio(c.max, b.max),
      one_cpu ? "With one CPU there is no TLB shootdown to wait for: what the churn adds is the "
                "CPU time it takes from the toucher"
              : why);
  return r;
}

}  // namespace illusion::labs::vm::stalls
