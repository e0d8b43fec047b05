// TLB and cache reach. A load costs ~1 ns while its line sits in L1 and its translation in the
// L1 TLB; as the working set grows past each cache level and past the TLB's reach (entries x
// page size: ~2-3 K entries x 4 KiB = 8-12 MiB on recent x86, but x 2 MiB = 4-6 GiB with huge
// pages) every load first waits for a page walk, and in a VM that walk is two-dimensional (each
// guest page-table level is itself translated by the host's nested tables). The dependent
// pointer chase in reach_chase.h measures the full latency of one load at every working-set
// size, with 4 KiB pages (MADV_NOHUGEPAGE) and with transparent huge pages (MADV_HUGEPAGE,
// madvise(2)); the gap between the two curves at large sizes is the price of the TLB misses.
#include <algorithm>
#include <exception>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "core/format.h"
#include "core/measure.h"
#include "core/resources.h"
#include "vm/reach_chase.h"
#include "vm/rows.h"

namespace illusion::labs::vm {
namespace {

constexpr std::uint64_t kKiB = 1024, kMiB = 1024 * kKiB, kGiB = 1024 * kMiB;

// Sizes the headline metrics are read at: 16 KiB fits any L1d, 256 KiB any L2 and 8 MiB the
// LLC of most server parts (32 MiB here) while 8 MiB of 4 KiB pages (2048 translations) still
// about fits the second-level TLB; the largest size fits no cache and, with 4 KiB pages, no TLB.
constexpr std::uint64_t kL1Bytes = 16 * kKiB, kL2Bytes = 256 * kKiB, kLlcBytes = 8 * kMiB;

// Rough wall time (quick, default, thorough): building the cycles and populating 2x the sum of
// the sizes (~0.6 s per GiB of 4 KiB pages, 1-2 s per GiB of fresh huge pages here), plus
// 2 x 17 sizes of timed sampling.
constexpr core::DurationHint kReachHint{1.2, 3.5, 16.0};

struct Curve {
  std::vector<ChasePoint> points;
  const ChasePoint* at(std::uint64_t bytes) const {
    for (const ChasePoint& p : points)
      if (p.bytes == bytes) return &p;
    return nullptr;
  }
};

bool thp_unavailable(const core::RunContext& ctx, std::string& mode) {
  mode = ctx.env ? ctx.env->thp_enabled : "unknown";
  return mode == "never" || mode == "unavailable";
}

void add_size_metrics(core::Result& r, const Curve& c, const std::string& suffix) {
  const std::pair<const char*, std::uint64_t> named[] = {
      {"l1_ns", kL1Bytes}, {"l2_ns", kL2Bytes}, {"llc_ns", kLlcBytes}};
  for (const auto& [name, bytes] : named)
    if (const ChasePoint* p = c.at(bytes)) r.add_metric(name + suffix, p->stats.p50, "ns");
  if (!c.points.empty()) r.add_metric("dram_ns" + suffix, c.points.back().stats.p50, "ns");
}

core::Series series_of(const Curve& c, std::string name) {
  core::Series s{std::move(name), "KiB", "ns", {}};
  for (const ChasePoint& p : c.points)
    s.points.emplace_back(static_cast<double>(p.bytes) / kKiB, p.stats.p50);
  return s;
}

// The largest working set that fits beside the other regions, in 4x steps down from `wanted`;
// throws when not even 16 MiB fits.
std::uint64_t fitting_largest(core::Result& r, std::uint64_t wanted, int regions) {
  std::string first_refusal;  // names the limit: free memory, or RLIMIT_AS
  for (std::uint64_t b = wanted;; b /= 4) {
    try {
      // Both regions, their 2 MiB of alignment slack and the 4-byte-per-slot cycle.
      core::require_free_memory(regions * b + b / 16 + 4 * kMiB,
                                fmt::format("a {} pointer chase", size_label(b)));
      if (b != wanted)
        r.warnings.push_back(
            fmt::format("the sweep stops at {}: {}", size_label(b), first_refusal));
      return b;
    } catch (const std::runtime_error& e) {
      if (first_refusal.empty()) first_refusal = e.what();
      if (b / 4 < 16 * kMiB) throw;
    }
  }
}

core::Result run_tlb_reach(core::RunContext& ctx, core::Result r) {
  const bool quick = ctx.profile == core::Profile::quick;
  std::string thp;
  const bool try_huge = !thp_unavailable(ctx, thp);
  std::uint64_t largest = 0;
  try {
    // 512 MiB by default: far beyond the LLC and the 4 KiB TLB's reach, within the 2 MiB TLB's
    // (the contrast the row shows), and half the populating of 1 GiB, which on a VM waits for
    // the host (1-2 s per GiB of huge pages on the development VM).
    const std::uint64_t wanted = quick                                    ? 256 * kMiB
                                 : ctx.profile == core::Profile::thorough ? kGiB
                                                                          : 512 * kMiB;
    largest = fitting_largest(r, wanted, try_huge ? 2 : 1);
  } catch (const std::runtime_error& e) {
    return core::skipped(std::move(r), e.what());  // not even 16 MiB fits: the machine's limit
  }
  const std::vector<std::uint64_t> sizes = reach_sizes(largest);

  // Each size and page kind gets up to this share of the profile's sampling budget
  // (0.05 / 0.35 / 1.5 s), and stops once its median is known to ±1%; the largest size, whose
  // 4 KiB chase is the row's figure and drifts most, gets four shares (about 170 samples by
  // default: with 40, its median's interval was ±20% on the development VM).
  ChaseOptions opt;
  const double share_s = core::sample_budget_s(ctx.profile) * 0.12;
  opt.target_sample_ns = quick ? 0.25e6 : 1e6;
  opt.target_median = core::kFirmMedian;

  const ChaseRegion small_region(*ctx.clock, largest, false);
  std::optional<ChaseRegion> huge_region;
  if (try_huge) huge_region.emplace(*ctx.clock, largest, true);
  ctx.report_progress(0.2);

  Curve small, huge;
  for (std::size_t i = 0; i < sizes.size(); ++i) {
    const std::uint64_t bytes = sizes[i];
    try {
      // One cycle per size, shared by both page kinds so they chase the very same order.
      const SlotCycle cycle(bytes / kSlotBytes, 0x7eac0000ull + i);
      opt.counters = bytes == largest;
      opt.budget_s = bytes == largest ? 4 * share_s : share_s;
      small.points.push_back(chase_at_size(*ctx.clock, cycle, small_region, opt));
      if (huge_region) huge.points.push_back(chase_at_size(*ctx.clock, cycle, *huge_region, opt));
    } catch (const std::exception& ex) {
      r.warnings.push_back(fmt::format("{} skipped: {}", size_label(bytes), ex.what()));
    }
    ctx.report_progress(0.2 + 0.8 * static_cast<double>(i + 1) / static_cast<double>(sizes.size()));
  }
  if (small.points.empty()) {
    r.status = core::Status::failed;
    r.reason = "no working-set size could be measured (see warnings)";
    return r;
  }

  const ChasePoint& big = small.points.back();
  core::finish_result(r, big.per_sample_ns,
                      static_cast<double>(big.per_sample_ns.size() * big.steps_per_sample),
                      big.window.get());
  r.add_param("op",
              "one dependent load: a step of a pointer chase through a random cycle of "
              "64-byte slots covering every line of the working set");
  r.add_param("stats_at", fmt::format("{} with 4 KiB pages, the largest working set: each "
                                      "value is one sample's mean ns per load; series give "
                                      "every size's median",
                                      size_label(big.bytes)));
  r.add_param("sizes", fmt::format("{} to {}: doubling to 64 MiB, then 4x steps",
                                   size_label(sizes.front()), size_label(sizes.back())));
  r.add_param("steps_per_sample_at_largest", static_cast<double>(big.steps_per_sample));
  r.add_param("memory",
              "private anonymous; every line written before timing; 4 KiB run "
              "MADV_NOHUGEPAGE, huge run MADV_HUGEPAGE from a 2 MiB boundary");
  r.add_param("metric_sizes",
              fmt::format("l1 {}, l2 {}, llc {}, dram the largest ({})", size_label(kL1Bytes),
                          size_label(kL2Bytes), size_label(kLlcBytes), size_label(big.bytes)));
  r.add_param("thp_enabled", thp);
  const double gib = static_cast<double>(largest) / kGiB;
  r.add_param("populate_s_per_gib_4k", small_region.populate_ns() / 1e9 / gib);
  if (huge_region) r.add_param("populate_s_per_gib_huge", huge_region->populate_ns() / 1e9 / gib);
  r.series.push_back(series_of(small, "latency_vs_working_set_4k"));
  add_size_metrics(r, small, "");

  std::string disturbed;
  for (const Curve* c : {&small, &huge})
    for (const ChasePoint& p : c->points)
      if (p.stats.p90 > 1.5 * p.stats.p50)
        disturbed += fmt::format("{}{} {}", disturbed.empty() ? "" : ", ", size_label(p.bytes),
                                 p.huge ? "huge" : "4k");
  if (!disturbed.empty())
    r.warnings.push_back(
        "samples spread widely (p90 > 1.5x p50; another task or the "
        "hypervisor took the CPU) at: " +
        disturbed);
  if (small_region.huge_bytes() > 0)
    r.warnings.push_back(
        fmt::format("{} of huge pages backed the 4 KiB region despite "
                    "MADV_NOHUGEPAGE: its points are partly huge-page ones",
                    core::format_size(small_region.huge_bytes())));

  std::optional<double> ratio;
  if (!try_huge) {
    r.warnings.push_back(
        fmt::format("transparent huge pages are '{}' here: only the 4 KiB "
                    "curve was measured",
                    thp));
  } else if (!huge.points.empty()) {
    r.series.push_back(series_of(huge, "latency_vs_working_set_huge"));
    add_size_metrics(r, huge, "_huge");
    const ChasePoint& hb = huge.points.back();
    const double fraction = huge_region->huge_fraction();
    r.add_metric("huge_fraction", fraction, "fraction");
    if (fraction < 0.9)
      r.warnings.push_back(fmt::format(
          "MADV_HUGEPAGE was not fully honoured (THP '{}'; no free 2 MiB blocks?): only {:.0f}% "
          "of the huge region is in huge pages, so its curve is partly a 4 KiB one",
          thp, 100 * fraction));
    if (hb.bytes == big.bytes && big.stats.p50 > 0 && fraction > 0) {
      ratio = hb.stats.p50 / big.stats.p50;
      r.add_metric("huge_vs_4k_at_largest", *ratio, "x");
    }
  }

  const ChasePoint* l1 = small.at(kL1Bytes);
  const ChasePoint* llc = small.at(kLlcBytes);
  std::string ladder =
      fmt::format("{} per dependent load at {}", core::format_ns(small.points.front().stats.p50),
                  size_label(small.points.front().bytes));
  if (l1)
    ladder = fmt::format("{} per dependent load at {} (L1)", core::format_ns(l1->stats.p50),
                         size_label(kL1Bytes));
  if (llc)
    ladder += fmt::format(", {} at {}", core::format_ns(llc->stats.p50), size_label(kLlcBytes));
  ladder += fmt::format(", {} at {} with 4 KiB pages", core::format_ns(big.stats.p50),
                        size_label(big.bytes));
  if (ratio) {
    const ChasePoint& hb = huge.points.back();
    r.meaning = fmt::format(
        "{}; huge pages bring {} to {} ({:.2f}x): {} of every load there was page walks, the "
        "TLB's reach with 4 KiB pages being a few MiB",
        ladder, size_label(big.bytes), core::format_ns(hb.stats.p50), *ratio,
        core::format_ns(big.stats.p50 - hb.stats.p50));
  } else {
    r.meaning = ladder + " (no huge-page run to separate the TLB's share)";
  }
  return r;
}

}  // namespace

std::vector<core::Experiment> reach_rows() {
  return {
      experiment("tlb_reach", "TLB and cache reach",
                 "ns per dependent load against working set (4 KiB to 512 MiB, 1 GiB with "
                 "--thorough), with 4 KiB and with huge pages: each cache level and the TLB's "
                 "reach show as a step.",
                 "ns/access", kReachHint, run_tlb_reach),
  };
}

}  // namespace illusion::labs::vm
