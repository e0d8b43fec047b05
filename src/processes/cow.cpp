// Copy-on-write: what fork did not copy, and what the copy costs when it finally happens.
//
// fork(2) gives the child the parent's pages by copying page-table entries and marking both
// sides read-only; the first write on either side faults, and the kernel copies that one 4 KiB
// page (mm/memory.c, wp_page_copy). So a child that writes k pages of a 64 MiB buffer should
// take k faults, not 16384, and a child that only reads should take none. The probes count
// the faults where they happen (in the child) and time each access there; a first-touch fault
// of a fresh anonymous page (allocate and zero, no copy) is the baseline.
#include <sys/mman.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <iterator>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "core/format.h"
#include "core/mapping.h"
#include "core/measure.h"
#include "core/resources.h"
#include "processes/cow_probe.h"
#include "processes/rows.h"

namespace illusion::labs::processes {
namespace {

using core::DurationHint;
using core::Result;
using core::RunContext;

constexpr std::size_t kBufferBytes = 64u << 20;
// 1: a lone fault; 64: a run of them; 4096: a quarter of the buffer, enough samples for tails.
constexpr std::size_t kPageSets[] = {1, 64, 4096};

int rounds_for(core::Profile p) {
  switch (p) {
    case core::Profile::quick:
      return 1;
    case core::Profile::thorough:
      return 10;
    case core::Profile::standard:
      break;
  }
  return 3;
}

// The per-page readings and fault counts of several probes, pooled.
struct Tally {
  std::vector<double> ns;
  std::uint64_t minor = 0, major = 0;
  double perf = 0;
  bool perf_ok = true;
  std::string perf_reason;
  std::map<std::size_t, std::uint64_t> faults_by_k, probes_by_k;

  void add(const PageProbe& p, std::size_t k) {
    ns.insert(ns.end(), p.ns.begin(), p.ns.end());
    minor += p.rusage_minor_faults;
    major += p.rusage_major_faults;
    if (p.perf_faults) {
      perf += *p.perf_faults;
    } else {
      perf_ok = false;
      perf_reason = p.perf_reason;
    }
    faults_by_k[k] += p.rusage_minor_faults;
    ++probes_by_k[k];
  }
  double pages() const { return static_cast<double>(ns.size()); }
  double minor_per_page() const { return ns.empty() ? 0 : static_cast<double>(minor) / pages(); }
  // "1 -> 1, 64 -> 64, 4096 -> 4096": mean faults per probe for each page count.
  std::string by_k_text() const {
    std::string s;
    for (const auto& [k, faults] : faults_by_k) {
      if (!s.empty()) s += ", ";
      s += fmt::format("{} -> {:.4g}", k,
                       static_cast<double>(faults) / static_cast<double>(probes_by_k.at(k)));
    }
    return s;
  }
};

// Stats over the pooled readings, counters per page (perf where it opened, getrusage always),
// and the parameters every row of this group shares.
void finish(Result& r, const RunContext& ctx, Tally t, const std::string& op) {
  r.add_param("op", op);
  r.add_param("page_bytes", static_cast<double>(sysconf(_SC_PAGESIZE)));
  r.add_param("huge_pages", "disabled with madvise(MADV_NOHUGEPAGE): one fault per 4 KiB page");
  r.add_param("clock", ctx.clock->info().source);
  // Each reading is two clock reads apart: one reading's cost is inside every value.
  r.add_param("clock_overhead_ns_included", ctx.clock->info().overhead_ns);
  const double pages = t.pages();
  r.counters.push_back({"page_faults", t.perf_ok && pages > 0
                                           ? std::optional<double>(t.perf / pages)
                                           : std::nullopt});
  if (!t.perf_ok) r.warnings.push_back("page_faults: unavailable (" + t.perf_reason + ")");
  r.counters.push_back({"rusage_minor_faults", t.minor_per_page()});
  r.counters.push_back(
      {"rusage_major_faults", pages > 0 ? static_cast<double>(t.major) / pages : 0.0});
  r.add_metric("minor_faults_per_page", t.minor_per_page(), "faults/page");
  for (const auto& [k, faults] : t.faults_by_k)
    r.add_metric(fmt::format("faults_k{}", k),
                 static_cast<double>(faults) / static_cast<double>(t.probes_by_k.at(k)),
                 "faults/probe");
  if (t.major > 0)
    r.warnings.push_back(fmt::format(
        "{} major faults: a page had to be read back (swap or reclaim) during the probe", t.major));
  core::finish_result(r, std::move(t.ns), pages, nullptr);
}

// The buffer the children inherit: 64 MiB of 4 KiB pages, every page written by this process
// right before the forks, so each one is resident and shared with the child.
void prepare_buffer(Mapping& buf, Result& r) {
  if (!no_huge_pages(buf))
    r.warnings.push_back(
        fmt::format("madvise(MADV_NOHUGEPAGE) refused ({}): faults may map "
                    "more than one page each",
                    std::strerror(errno)));
  buf.touch_all();
  if (const std::uint64_t huge = buf.huge_pages_bytes(); huge > 0)
    r.warnings.push_back(
        fmt::format("{} of the buffer sits in huge pages despite "
                    "MADV_NOHUGEPAGE: a write may copy 2 MiB at once",
                    core::format_size(huge)));
  r.add_param("buffer_bytes", static_cast<double>(buf.size()));
}

// Host-backed fresh pages for the faults a row times (core/mapping.h says why), as vm.first_touch
// takes them: one confound fewer. It did not by itself steady these rows on the development VM
// (they still moved by ~20% between back-to-back runs, each run's median known to ±0.5-2%).
void back_fresh_pages(const RunContext& ctx, Result& r, std::size_t bytes) {
  const double ns = core::back_with_host_memory(*ctx.clock, bytes);
  r.add_param("warm_up", fmt::format("{} of fresh pages first-touched and freed right before "
                                     "timing, so the hypervisor (if any) has backed the pages "
                                     "the timed faults get",
                                     core::format_size(bytes)));
  r.add_metric("warm_up_ns_per_page", ns, "ns/page");
}

std::optional<std::string> no_room() {
  const std::uint64_t avail = core::available_memory_bytes();
  // The buffer, the children's copies of up to a quarter of it, and a margin.
  const std::uint64_t need = kBufferBytes + kBufferBytes / 4 + (256u << 20);
  if (avail != 0 && avail < need)
    return fmt::format("needs {} of free memory, {} available", core::format_size(need),
                       core::format_size(avail));
  return std::nullopt;
}

std::string page_sets_text() {
  std::string s;
  for (std::size_t k : kPageSets) s += (s.empty() ? "" : ", ") + std::to_string(k);
  return s;
}

// First-touch faults of `rounds` fresh mappings, 4096 pages each, spread like the CoW probes.
Tally first_touch_tally(const RunContext& ctx, int rounds) {
  Tally t;
  for (int round = 0; round < rounds; ++round) {
    Mapping fresh(kBufferBytes);
    no_huge_pages(fresh);
    t.add(probe_first_touch(*ctx.clock, fresh, kPageSets[2]), kPageSets[2]);
    ctx.report_progress(static_cast<double>(round + 1) / rounds);
  }
  return t;
}

Result run_first_touch(RunContext& ctx, Result r) {
  if (auto why = no_room()) return core::skipped(std::move(r), *why);
  const int rounds = rounds_for(ctx.profile);
  back_fresh_pages(ctx, r, kBufferBytes);
  Tally t = first_touch_tally(ctx, rounds);
  const double fpp = t.minor_per_page();
  r.add_param("buffer_bytes", static_cast<double>(kBufferBytes));
  r.add_param("pages_touched", static_cast<double>(kPageSets[2]));
  r.add_param("rounds", static_cast<double>(rounds));
  finish(r, ctx, std::move(t), "the first write to a page of a fresh anonymous mapping");
  r.add_metric("faults_per_page", fpp, "faults/page");
  if (fpp < 0.98 || fpp > 1.05)
    r.warnings.push_back(fmt::format(
        "counted {:.3f} faults per first-touched page, expected 1: the per-fault figure is off "
        "by that factor",
        fpp));
  r.meaning = fmt::format(
      "the first write to a fresh anonymous page costs {} ({:.3f} faults per page: the "
      "kernel allocates and zeroes one 4 KiB page per fault)",
      core::format_ns(r.stats->p50), fpp);
  return r;
}

// p50 of the first-touch row if it ran earlier in this run, else a short measurement here.
std::pair<double, std::string> first_touch_baseline(const RunContext& ctx) {
  if (ctx.earlier) {
    const Result* ft = core::find_result(*ctx.earlier, "processes.first_touch_fault");
    if (ft && ft->stats && ft->stats->n > 0)
      return {ft->stats->p50, "processes.first_touch_fault in this run"};
  }
  Tally t = first_touch_tally(ctx, 1);
  return {core::compute_stats(std::move(t.ns)).p50, "measured inline (4096 pages)"};
}

// The copy-on-write rows' probes: `buf` prepared for the children to inherit, then `rounds`
// times each page set, each probe in a child of its own that touches the pages (`access`) and
// counts its own faults. Progress runs to `progress_share`. Records the buffer and what was
// probed. The caller owns `buf`, so it stays mapped for the rest of the row.
Tally probe_children(const RunContext& ctx, Result& r, Mapping& buf, int rounds,
                     PageAccess access, double progress_share) {
  prepare_buffer(buf, r);
  Tally t;
  const int probes = rounds * static_cast<int>(std::size(kPageSets));
  int done = 0;
  for (int round = 0; round < rounds; ++round) {
    for (std::size_t k : kPageSets) {
      t.add(probe_pages_in_child(*ctx.clock, buf, k, access), k);
      ctx.report_progress(progress_share * ++done / probes);
    }
  }
  r.add_param(access == PageAccess::write ? "pages_written" : "pages_read", page_sets_text());
  r.add_param("rounds", static_cast<double>(rounds));
  r.add_param("children", static_cast<double>(probes));
  r.add_param("counted_in", "the child: getrusage(RUSAGE_SELF) and a perf counter it opened");
  return t;
}

Result run_cow_write(RunContext& ctx, Result r) {
  if (auto why = no_room()) return core::skipped(std::move(r), *why);
  const int rounds = rounds_for(ctx.profile);
  back_fresh_pages(ctx, r, 2 * kBufferBytes);  // the parent's buffer, then the children's copies
  Mapping buf(kBufferBytes);
  Tally t = probe_children(ctx, r, buf, rounds, PageAccess::write, 0.9);
  const double fpp = t.minor_per_page();
  const std::string by_k = t.by_k_text();
  finish(r, ctx, std::move(t), "a child's first write to a page it shares with its parent");
  const auto [ft, ft_source] = first_touch_baseline(ctx);
  r.add_param("first_touch_source", ft_source);
  r.add_metric("first_touch_p50_ns", ft, "ns");
  const double p50 = r.stats->p50;
  if (ft > 0) r.add_metric("vs_first_touch", p50 / ft, "x");
  if (fpp < 0.98 || fpp > 1.05)
    r.warnings.push_back(fmt::format(
        "the child counted {:.3f} faults per page written, expected 1 ({})", fpp, by_k));
  r.meaning = fmt::format(
      "a child's write to a page shared since fork costs {} per copy-on-write fault "
      "({:.2f}x a first-touch fault, {}); the child counted {:.3f} faults per page "
      "written (pages -> faults: {}): fork copied none of the {} buffer, each written page is "
      "copied alone",
      core::format_ns(p50), ft > 0 ? p50 / ft : 0.0, core::format_ns(ft), fpp, by_k,
      core::format_size(kBufferBytes));
  return r;
}

Result run_cow_read(RunContext& ctx, Result r) {
  if (auto why = no_room()) return core::skipped(std::move(r), *why);
  const int rounds = rounds_for(ctx.profile);
  Mapping buf(kBufferBytes);
  Tally t = probe_children(ctx, r, buf, rounds, PageAccess::read, 1.0);
  const double pages = t.pages();
  const std::uint64_t faults = t.minor + t.major;
  const std::string by_k = t.by_k_text();
  finish(r, ctx, std::move(t), "a child's read of a page it shares with its parent");
  r.add_metric("faults_per_page", pages > 0 ? static_cast<double>(faults) / pages : 0.0,
               "faults/page");
  r.add_metric("faults_total", static_cast<double>(faults), "faults");
  if (static_cast<double>(faults) > 0.01 * pages + 2)
    r.warnings.push_back(fmt::format(
        "reads faulted {} times over {:.0f} pages ({}): fork should have copied the page-table "
        "entries, so reads should find the pages mapped",
        faults, pages, by_k));
  std::string vs_write;
  if (ctx.earlier) {
    const Result* w = core::find_result(*ctx.earlier, "processes.cow_write_fault");
    if (w && w->stats && w->stats->p50 > 0)
      vs_write =
          fmt::format(", against {} for a write that copies", core::format_ns(w->stats->p50));
  }
  r.meaning = fmt::format(
      "reading {:.0f} pages shared since fork caused {} faults: fork copied the page-table "
      "entries, so reads find the parent's pages; {} per read (one clock reading's "
      "{} included; the rest is a TLB and cache miss per page){}",
      pages, faults, core::format_ns(r.stats->p50), core::format_ns(ctx.clock->info().overhead_ns),
      vs_write);
  return r;
}

}  // namespace

std::vector<core::Experiment> cow_rows() {
  return {
      experiment(
          "first_touch_fault", "first-touch fault",
          "The first write to a fresh anonymous page: one minor fault that allocates and zeroes "
          "a 4 KiB page, the baseline for copy-on-write.",
          "ns/fault", DurationHint{0.05, 0.1, 0.35}, run_first_touch),
      experiment(
          "cow_write_fault", "copy-on-write fault",
          "A forked child writing pages it shares with its parent: one fault and one 4 KiB copy "
          "per page written, counted in the child.",
          "ns/fault", DurationHint{0.12, 0.2, 0.5}, run_cow_write),
      experiment(
          "cow_read_no_fault", "read after fork, no fault",
          "A forked child reading the same shared pages: no fault at all, since fork copied the "
          "page-table entries.",
          "ns/page", DurationHint{0.1, 0.15, 0.4}, run_cow_read),
  };
}

}  // namespace illusion::labs::processes
