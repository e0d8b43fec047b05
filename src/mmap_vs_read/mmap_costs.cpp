// The cost mmap hides at the end: munmap(2). Unmapping zaps the page-table entries and must
// flush the translations from every TLB that may hold them. Alone in its mm, the thread flushes
// its own TLB; with other threads of the process running on other CPUs, munmap interrupts each
// of those CPUs (a TLB shootdown IPI) and waits for them to flush. One op is one munmap of 16
// pages (64 KiB) of the test file that the thread (and, in the shootdown row, every spinner)
// has just touched; a second size, 2 MiB (512 pages), goes in the same rows as metrics, because
// past 33 pages x86 flushes the whole TLB instead of page by page, and a 2 MiB-aligned range of
// a file held in large folios can be one huge-page entry.
#include <sched.h>

#include <algorithm>
#include <optional>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "core/format.h"
#include "core/host_behaviour.h"
#include "core/measure.h"
#include "core/page_access.h"
#include "core/resources.h"
#include "core/sampler.h"
#include "core/spinners.h"
#include "mmap_vs_read/io_file.h"
#include "mmap_vs_read/mmap_costs.h"
#include "mmap_vs_read/rows.h"

namespace illusion::labs::mmap_vs_read {
namespace {

using core::allowed_cpus;
using core::Spinners;
using mmap_costs::kLargeBytes;
using mmap_costs::kSmallBytes;
using mmap_costs::Plan;
using mmap_costs::sample_on_pinned_thread;
using mmap_costs::SizeRun;
using mmap_costs::warm_region;

constexpr const char* kAloneId = "mmap_vs_read.munmap_1thread";

// The CPU the caller runs on, when the process may use it, else the first allowed one.
int measuring_cpu(const std::vector<int>& allowed) {
  const int now = sched_getcpu();
  if (std::find(allowed.begin(), allowed.end(), now) != allowed.end()) return now;
  return allowed.empty() ? now : allowed.front();
}

std::string cpu_list(const std::vector<int>& cpus) {
  std::string out;
  for (int c : cpus) {
    if (!out.empty()) out += ',';
    out += std::to_string(c);
  }
  return out;
}

void record_common(core::Result& r, const IoFile& f, const SizeRun& large, std::size_t page_bytes,
                   int cpu) {
  const double small_pages = static_cast<double>(kSmallBytes / page_bytes);
  const double large_pages = static_cast<double>(kLargeBytes / page_bytes);
  r.add_metric("ns_per_page", r.stats->p50 / small_pages, "ns/page");
  const core::Stats large_stats = core::compute_stats(large.ns);
  r.add_metric("munmap_2mib_p50_ns", large_stats.p50, "ns");
  r.add_metric("ns_per_page_2mib", large_stats.p50 / large_pages, "ns/page");
  r.add_metric("samples_2mib", static_cast<double>(large.ns.size()), "samples");
  r.add_metric("touch_faults_per_sample_2mib", large.touch_faults_per_sample, "faults");
  if (large.shootdowns_per_op)
    r.add_metric("tlb_shootdowns_per_op_2mib", *large.shootdowns_per_op, "IPIs/op");
  else
    warn_once(r,
              "/proc/interrupts has no \"TLB:\" line (not x86, or the kernel does not count "
              "shootdown IPIs): TLB shootdowns per munmap not measured");
  r.add_param("op", fmt::format("one munmap(2) of {} pages ({}) of the test file, every page "
                                "touched first",
                                kSmallBytes / page_bytes, core::format_size(kSmallBytes)));
  r.add_param("second_size", fmt::format("{} ({} pages): metrics *_2mib",
                                         core::format_size(kLargeBytes), kLargeBytes / page_bytes));
  r.add_param("mapping", "MAP_SHARED, PROT_READ, offset 0");
  r.add_param("cache", "warm (first 2 MiB read before sampling)");
  r.add_param("file_bytes", static_cast<double>(f.size()));
  r.add_param("filesystem", f.fs.name);
  r.add_param("measuring_cpu", static_cast<double>(cpu));
}

// The 2 MiB figure and how many faults mapped the range: one or two means a huge-page entry
// (the file's large folios mapped by PMD), hundreds mean page-table entries to zap one by one.
std::string large_words(const core::Result& r) {
  return fmt::format("2 MiB (mapped by {} faults): {} ({} per page)",
                     core::format_count(r.metric("touch_faults_per_sample_2mib")->value),
                     core::format_ns(r.metric("munmap_2mib_p50_ns")->value),
                     core::format_ns(r.metric("ns_per_page_2mib")->value));
}

std::string shootdowns_words(const core::Result& r, const char* metric) {
  const core::Metric* m = r.metric(metric);
  return m ? fmt::format("{} TLB shootdowns per munmap", core::format_count(m->value))
           : std::string("shootdowns not counted");
}

core::Result run_alone(core::RunContext& ctx, core::Result r) {
  const IoFile& f = shared_file(ctx);
  warm_region(f);
  const core::SamplerConfig cfg = core::sampler_config_for(ctx.profile);
  const Plan plan{ctx.clock, f.fd(), core::page_size_bytes(), cfg.budget_s * 1e9, cfg.min_samples};
  const int cpu = measuring_cpu(allowed_cpus());
  const SizeRun large = sample_on_pinned_thread(plan, cpu, nullptr, r);
  record_common(r, f, large, plan.page_bytes, cpu);
  r.add_param("other_threads", "none running in this mm (the caller waits in join)");
  r.meaning =
      fmt::format("munmap of 64 KiB with no other thread running: {} at p50 ({} per page), {}; {}",
                  core::format_ns(r.stats->p50), core::format_ns(r.metric("ns_per_page")->value),
                  shootdowns_words(r, "tlb_shootdowns_per_op"), large_words(r));
  return r;
}

// The extra over munmap_1thread, when that row ran earlier in this run.
std::string compare_with_alone(core::Result& r, const core::RunContext& ctx) {
  const core::Result* alone = ctx.earlier ? core::find_result(*ctx.earlier, kAloneId) : nullptr;
  if (!alone || !alone->stats || alone->stats->p50 <= 0) return "";
  const double extra = r.stats->p50 - alone->stats->p50;
  const double ratio = r.stats->p50 / alone->stats->p50;
  r.add_metric("shootdown_extra_ns", extra, "ns");
  r.add_metric("ratio", ratio, "x");
  std::string text =
      fmt::format(", {} more than alone ({})", core::format_ns(extra), core::format_ratio(ratio));
  const core::Metric* alone_2m = alone->metric("munmap_2mib_p50_ns");
  if (alone_2m && alone_2m->value > 0) {
    const double extra_2m = r.metric("munmap_2mib_p50_ns")->value - alone_2m->value;
    r.add_metric("shootdown_extra_2mib_ns", extra_2m, "ns");
  }
  return text;
}

core::Result run_shootdown(core::RunContext& ctx, core::Result r) {
  const std::vector<int> allowed = allowed_cpus();
  if (allowed.size() < 2)
    return core::skipped(
        std::move(r), fmt::format("this process may run on {} CPU only ({}): no other CPU can run "
                                  "this mm and hold its translations, so munmap never needs a "
                                  "shootdown",
                                  allowed.size(), cpu_list(allowed)));
  const IoFile& f = shared_file(ctx);
  warm_region(f);
  const core::SamplerConfig cfg = core::sampler_config_for(ctx.profile);
  const Plan plan{ctx.clock, f.fd(), core::page_size_bytes(), cfg.budget_s * 1e9, cfg.min_samples};
  const int cpu = measuring_cpu(allowed);
  std::vector<int> others;
  for (int c : allowed)
    if (c != cpu) others.push_back(c);

  Spinners spinners(others);
  for (const std::string& p : spinners.placement_problems()) warn_once(r, p);
  const SizeRun large = sample_on_pinned_thread(plan, cpu, &spinners, r);
  record_common(r, f, large, plan.page_bytes, cpu);
  r.add_param("spinner_cpus", cpu_list(others));
  r.add_param("spinners", static_cast<double>(spinners.count()));
  const core::BehaviourFact fact = ctx.env ? ctx.env->remote_tlb_flush_ipis : core::BehaviourFact{};
  r.add_param("remote_tlb_flush_ipis", core::fact_summary(fact));
  std::optional<double> ipis;
  if (const core::Metric* m = r.metric("tlb_shootdowns_per_op")) ipis = m->value;
  if (ipis && *ipis < 0.5 && fact.value == true)
    warn_once(r, fmt::format("only {} TLB shootdown IPIs per munmap with {} other CPU(s) in this "
                             "mm, though the environment probe counted one per munmap: the "
                             "spinners were likely not running",
                             core::format_count(*ipis), others.size()));
  if (ipis && *ipis < 0.5 && !fact.value)
    warn_once(r, fmt::format("only {} TLB shootdown IPIs per munmap with {} other CPU(s) in this "
                             "mm: the flush reached them without an IPI (a paravirtual or "
                             "broadcast TLB flush), or the spinners were not running",
                             core::format_count(*ipis), others.size()));
  if (ipis && *ipis >= 0.5 && fact.value == false)
    warn_once(r, fmt::format("{} TLB shootdown IPIs counted per munmap, though the environment "
                             "probe counted none ({})",
                             core::format_count(*ipis), fact.evidence));
  const std::string versus = compare_with_alone(r, ctx);
  r.meaning = fmt::format(
      "munmap of 64 KiB with {} spinning thread(s) on other CPUs: {} at p50 ({} per page){}, "
      "their TLBs flushed {}; {}, {}",
      spinners.count(), core::format_ns(r.stats->p50),
      core::format_ns(r.metric("ns_per_page")->value), versus, core::remote_flush_words(ipis, fact),
      large_words(r), shootdowns_words(r, "tlb_shootdowns_per_op_2mib"));
  return r;
}

}  // namespace

std::vector<core::Experiment> mmap_cost_rows() {
  const core::DurationHint hint{0.15, 0.7, 2.5};
  return {
      experiment("munmap_1thread", "munmap 64 KiB, alone",
                 "munmap of 16 touched pages with no other thread in the process running: "
                 "page-table teardown and a local TLB flush",
                 "ns/op", hint, run_alone),
      experiment("munmap_shootdown", "munmap 64 KiB, TLB shootdown",
                 "munmap of 16 pages that threads on every other CPU have touched and still "
                 "run beside: each of those CPUs must flush its TLB (by IPI on most hosts) and "
                 "munmap waits",
                 "ns/op", hint, run_shootdown),
  };
}

}  // namespace illusion::labs::mmap_vs_read
