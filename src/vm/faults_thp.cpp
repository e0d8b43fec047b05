// Transparent huge pages: one fault per 2 MiB instead of one per 4 KiB.
//
// madvise(2) MADV_HUGEPAGE asks the kernel to back the range with huge pages where a whole
// aligned 2 MiB block fits; the first touch of such a block then takes one fault that
// allocates and zeroes 2 MiB (mm/huge_memory.c, do_huge_pmd_anonymous_page) and maps it with a
// single PMD entry. It only asks: with THP "never", no free 2 MiB block, or a range not
// aligned, the kernel falls back to 4 KiB pages silently. So the region is over-allocated and
// aligned to 2 MiB, and what became huge is read back from AnonHugePages in /proc/self/smaps
// (proc(5)) rather than assumed.
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <string>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "core/format.h"
#include "core/mapping.h"
#include "core/measure.h"
#include "core/resources.h"
#include "vm/faults_probe.h"
#include "vm/faults.h"

namespace illusion::labs::vm::faults {
namespace {

using core::Result;
using core::RunContext;

constexpr std::size_t kExtentsPerSlice = 32;  // progress between slices, outside the windows
constexpr std::uint64_t kInlineBaselineBytes = 64ull << 20;

// What the same bytes cost with 4 KiB pages.
struct Baseline {
  double ns_per_page = 0;
  double faults_per_page = 0;
  std::string source;
};

Baseline baseline_4k(const RunContext& ctx) {
  if (ctx.earlier) {
    const Result* ft = core::find_result(*ctx.earlier, "vm.first_touch");
    const core::Metric* fpp = ft ? ft->metric("faults_per_page") : nullptr;
    if (ft && ft->stats && ft->stats->n > 0 && fpp) {
      // Its per-page readings each hold one clock reading's cost; the passes here do not.
      return {ft->stats->mean - ctx.clock->info().overhead_ns, fpp->value,
              "vm.first_touch in this run (mean per page, less one clock reading)"};
    }
  }
  core::Mapping m(kInlineBaselineBytes);
  no_huge_pages(m.data(), m.size());
  const std::size_t pages = m.size() / page_bytes();
  FaultMeter meter;
  meter.start();
  const double ns = time_pass(*ctx.clock, m.data(), pages, Touch::write);
  meter.stop();
  const double n = static_cast<double>(pages);
  return {
      ns / n, static_cast<double>(meter.totals().faults()) / n,
      fmt::format("measured inline: one pass over {} of 4 KiB pages", core::format_size(m.size()))};
}

std::string thp_defrag() {
  std::FILE* f = std::fopen("/sys/kernel/mm/transparent_hugepage/defrag", "r");
  if (!f) return "unknown";
  char buf[128] = {};
  const bool ok = std::fgets(buf, sizeof buf, f) != nullptr;
  std::fclose(f);
  if (!ok) return "unknown";
  const std::string text(buf);
  const auto a = text.find('['), b = text.find(']');
  return a == std::string::npos || b == std::string::npos ? "unknown"
                                                          : text.substr(a + 1, b - a - 1);
}

// One first-touch pass over a fresh MADV_HUGEPAGE region: one reading per 2 MiB block, the
// faults of the pass, and how much of it became huge. The region is unmapped on return.
struct Round {
  std::vector<double> ns;
  FaultMeter meter;
  std::uint64_t huge_bytes = 0;
};

Round huge_round(const RunContext& ctx, std::uint64_t bytes, std::uint64_t huge,
                 double progress_from, double progress_to) {
  // Over-allocate by one huge page so an aligned block of `bytes` fits inside; the mapping
  // (with its unaligned head and tail, never touched) is madvised MADV_HUGEPAGE as a whole.
  core::Mapping m(bytes + huge, /*huge=*/true);
  const auto addr = reinterpret_cast<std::uintptr_t>(m.data());
  char* base = m.data() + ((huge - addr % huge) % huge);
  const std::size_t extents = bytes / huge;
  const std::size_t pages_per_extent = huge / page_bytes();
  Round out;
  out.ns.assign(extents, 0.0);
  for (std::size_t lo = 0; lo < extents; lo += kExtentsPerSlice) {
    const std::size_t hi = std::min(extents, lo + kExtentsPerSlice);
    out.meter.start();
    for (std::size_t e = lo; e < hi; ++e)
      out.ns[e] = time_pass(*ctx.clock, base + e * huge, pages_per_extent, Touch::write);
    out.meter.stop();
    ctx.report_progress(progress_from + (progress_to - progress_from) * static_cast<double>(hi) /
                                            static_cast<double>(extents));
  }
  out.huge_bytes = m.huge_pages_bytes();
  return out;
}

}  // namespace

std::string free_page_reporting() {
  for (int i = 0; i < 64; ++i) {
    const std::string dir = fmt::format("/sys/bus/virtio/devices/virtio{}", i);
    std::FILE* dev = std::fopen((dir + "/device").c_str(), "r");
    if (!dev) continue;
    unsigned id = 0;
    const bool ok = std::fscanf(dev, "%x", &id) == 1;
    std::fclose(dev);
    if (!ok || id != 5) continue;  // 5: the balloon device
    std::FILE* f = std::fopen((dir + "/features").c_str(), "r");
    if (!f) return "unknown";
    char bits[80] = {};
    const bool read = std::fgets(bits, sizeof bits, f) != nullptr;
    std::fclose(f);
    if (!read || std::strlen(bits) < 6) return "unknown";
    return bits[5] == '1' ? "on (virtio-balloon)" : "off";
  }
  return "no virtio balloon";
}

Result run_thp_fault(RunContext& ctx, Result r) {
  const std::string mode = thp_mode_now();
  r.add_param("thp_enabled", mode);
  if (mode == "never" || mode == "unavailable" || (ctx.env && ctx.env->thp_enabled == "never"))
    return core::skipped(std::move(r),
                         fmt::format("transparent huge pages are \"{}\" "
                                     "(/sys/kernel/mm/transparent_hugepage/enabled): MADV_HUGEPAGE "
                                     "cannot apply",
                                     mode));
  const std::uint64_t huge = thp_pmd_bytes();
  const std::uint64_t bytes = thp_fault_bytes(ctx.profile) / huge * huge;
  if (auto why = no_room(bytes + huge, r.id)) return core::skipped(std::move(r), *why);

  warm_up(*ctx.clock);
  const Round cold = huge_round(ctx, bytes, huge, 0.0, 0.6);
  const std::size_t extents = cold.ns.size();
  const std::size_t pages_per_extent = huge / page_bytes();
  const double fraction = static_cast<double>(cold.huge_bytes) / static_cast<double>(bytes);
  if (cold.huge_bytes == 0)
    return core::skipped(
        std::move(r), fmt::format("MADV_HUGEPAGE was honoured for none of the {} region "
                                  "(AnonHugePages 0 kB in /proc/self/smaps; THP \"{}\", defrag "
                                  "\"{}\"): no free 2 MiB blocks, or THP disabled for this process",
                                  core::format_size(bytes), mode, thp_defrag()));
  // The same again at once: the blocks just freed are handed out again before the guest
  // could report them to the host, so this round shows the guest kernel's cost alone.
  const Round recycled = huge_round(ctx, bytes, huge, 0.6, 0.9);
  const FaultMeter& meter = cold.meter;
  std::vector<double> ns = cold.ns;

  const Baseline base4k = baseline_4k(ctx);
  ctx.report_progress(1.0);
  const double pages = static_cast<double>(extents * pages_per_extent);
  const double faults = static_cast<double>(meter.totals().faults());
  double total_ns = 0;
  for (double v : ns) total_ns += v;
  const double base_total_ns = base4k.ns_per_page * pages;
  const double base_faults = base4k.faults_per_page * pages;

  add_common_params(r, ctx);
  r.add_param("thp_defrag", thp_defrag());
  r.add_param("region_bytes", static_cast<double>(bytes));
  r.add_param("huge_page_bytes", static_cast<double>(huge));
  r.add_param("op",
              "one aligned 2 MiB block of a MADV_HUGEPAGE mapping made usable: a write "
              "to each of its 4 KiB pages, timed together");
  r.add_param("baseline_4k", base4k.source);

  core::finish_result(r, std::move(ns), static_cast<double>(extents), nullptr);
  meter.write_per_op(r, static_cast<double>(extents));
  r.add_metric("faults_per_2mib", faults / static_cast<double>(extents), "faults/2MiB");
  r.add_metric("faults_per_page", faults / pages, "faults/page");
  r.add_metric("ns_per_fault", faults > 0 ? total_ns / faults : 0, "ns/fault");
  r.add_metric("ns_per_page", total_ns / pages, "ns/page");
  r.add_metric("total_ms", total_ns / 1e6, "ms");
  r.add_metric("huge_fraction", fraction, "fraction");
  r.add_metric("baseline_4k_total_ms", base_total_ns / 1e6, "ms");
  r.add_metric("baseline_4k_faults", base_faults, "faults");
  if (total_ns > 0) r.add_metric("speedup_vs_4k", base_total_ns / total_ns, "x");
  const double reduction = base_faults / std::max(1.0, faults);
  r.add_metric("fault_reduction", reduction, "x");

  if (fraction < 0.9)
    r.warnings.push_back(fmt::format(
        "ONLY {:.0f}% OF THE REGION BECAME HUGE: the rest fell back to 4 KiB pages (THP \"{}\", "
        "defrag \"{}\"; fragmented memory or khugepaged limits), so the figures mix both",
        100 * fraction, mode, thp_defrag()));
  const double speedup = total_ns > 0 ? base_total_ns / total_ns : 0.0;
  const double cold_p50 = r.stats->p50;
  const double warm_p50 = core::compute_stats(recycled.ns).p50;
  const double warm_fraction =
      static_cast<double>(recycled.huge_bytes) / static_cast<double>(bytes);
  r.add_metric("recycled_ns_per_2mib", warm_p50, "ns/2MiB");
  r.add_metric("recycled_huge_fraction", warm_fraction, "fraction");
  r.add_metric("recycled_faults_per_2mib",
               static_cast<double>(recycled.meter.totals().faults()) / static_cast<double>(extents),
               "faults/2MiB");
  if (warm_p50 > 0) r.add_metric("first_vs_recycled", cold_p50 / warm_p50, "x");
  double warm_total_ns = 0;
  for (double v : recycled.ns) warm_total_ns += v;
  if (warm_total_ns > 0) r.add_metric("recycled_speedup_vs_4k", base_total_ns / warm_total_ns, "x");
  const std::string reporting = free_page_reporting();
  r.add_param("free_page_reporting", reporting);
  if (warm_p50 > 0 && cold_p50 > 3 * warm_p50)
    r.warnings.push_back(fmt::format(
        "a 2 MiB first touch took {} here but {} when repeated at once over the "
        "blocks just freed: {}",
        core::format_ns(cold_p50), core::format_ns(warm_p50),
        ctx.env && ctx.env->virtualized
            ? fmt::format("likely the hypervisor backing guest memory on first touch too (free "
                          "page reporting: {}), so fresh huge pages wait for the host",
                          reporting)
            : std::string("fresh 2 MiB blocks were slower to get (likely compaction)")));
  // Zeroing 2 MiB at once can lose to 4 KiB faults when the 2 MiB blocks are hard to find
  // (compaction under defrag "madvise") or the hypervisor backs them lazily: say which way.
  const std::string pace = speedup <= 0   ? std::string("no timing")
                           : speedup >= 1 ? fmt::format("{:.1f}x faster", speedup)
                                          : fmt::format("{:.1f}x slower", 1 / speedup);
  r.meaning = fmt::format(
      "with huge pages one fault maps 2 MiB: {:.2f} faults per 2 MiB ({:.0f}% of the region "
      "huge), {} per 2 MiB block (p50); {} took {} against {} with 4 KiB "
      "pages ({}, {:.0f}x fewer faults); {} per 2 MiB block when repeated over the "
      "blocks just freed",
      faults / static_cast<double>(extents), 100 * fraction, core::format_ns(r.stats->p50),
      core::format_size(bytes), core::format_ns(total_ns), core::format_ns(base_total_ns), pace,
      reduction, core::format_ns(warm_p50));
  return r;
}

}  // namespace illusion::labs::vm::faults
