// Commentary rules for Lab 3.3 (virtual memory and page faults). Each is pure and silent when
// an input is missing or unusable (a zero or negative figure); each quotes the figures it was
// given.
//
// Every direction ("faster", "fewer", "raised") is said only when the figures differ beyond a
// named bound, and turned around or called "within" the bound otherwise. A cause is stated as
// fact only when the run counted it (faults per page, the huge-page fraction, RSS growth,
// shootdown IPIs); otherwise the sentence says it is the likely one.
#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <cmath>

#include "core/resources.h"
#include "core/stats.h"
#include "report/budget.h"
#include "report/commentary.h"
#include "report/commentary_lookup.h"
#include "report/format.h"

namespace illusion::report::rules {

using Results = std::vector<core::Result>;
using namespace lookup;

namespace {

constexpr double kFrameNs90Hz = kReferenceFrameNs;
// Faults counted per page (or per touch) at or above this mean every page took its own fault;
// the tenth below one allows for pages another mapping or an earlier touch had already mapped.
constexpr double kOneFault = 0.9;
// At most this many faults per page mean the pages were (almost all) mapped without one.
constexpr double kNoFault = 0.1;
// An RSS growth below this fraction of the region is "no memory"; above (1 - it), "all of it".
constexpr double kRssNone = 0.1;
// A region at least this fraction in huge pages "became huge"; below kSomeHuge, none did.
constexpr double kMostlyHuge = 0.9;
constexpr double kSomeHuge = 0.01;
// 512 faults per 2 MiB with 4 KiB pages against 1 with a huge page: a reduction of at least half
// of that is "one per 2 MiB instead of 512".
constexpr double kPerHugePageReduction = 256;
// Pages mapped per file fault at or above this mean fault-around mapped neighbours too.
constexpr double kManyPagesPerFault = 1.5;
// A calloc whose RSS growth is below this fraction of malloc+memset's left the block unmapped.
constexpr double kNearlyNothing = 0.1;
// A large block's free returning at least this fraction of it gave it back at once.
constexpr double kReturnedAll = 0.9;
// Fewer counted major faults per touch than this: the "major fault" row mostly did not take one.
constexpr double kMostlyMajor = 0.5;
// At least this many more slow batches a second count as a rise even from a zero baseline.
constexpr double kMinExtraSlowPerS = 1;

std::string within_ratio() {
  return fmt::format("within {}", format_percent(kClearlyDifferent - 1));
}

// "2.0x faster", "1.5x slower" or "as fast (within 10%)" for a speed-up factor.
std::string speed_words(double speedup) {
  const int d = positive_direction(1, speedup, ratio_bound(1, speedup));
  if (d > 0) return format_ratio(speedup) + " faster";
  if (d < 0) return format_ratio(1 / speedup) + " slower";
  return "as fast (" + within_ratio() + ")";
}

}  // namespace

std::optional<Insight> first_touch(const Results& results) {
  const auto first = p50_of(results, "vm.first_touch");
  const auto second = metric_of(results, "vm.first_touch", "second_pass_ns_per_page");
  const auto faults = metric_of(results, "vm.first_touch", "faults_per_page");
  if (!first || !second || !faults || *second <= 0 || *faults < 0) return std::nullopt;
  Insight in{"first_touch",
             "",
             {{"first_touch_ns_per_page", *first},
              {"second_pass_ns_per_page", *second},
              {"faults_per_page", *faults}}};
  // How much fresh memory one frame could fault in if it spent all of 1% of 90 Hz on it.
  const double pages_per_1pct = kFrameNs90Hz * 0.01 / *first;
  const bool one_fault_each = *faults >= kOneFault;
  const int d = positive_direction(*second, *first, ratio_bound(*first, *second));
  const std::string opening = d > 0 && one_fault_each
                                  ? "First access is slow because mmap only promises memory: the "
                                    "first write to each 4 KiB page"
                                  : "The first write to each 4 KiB page of a fresh mapping";
  // The fault's work is named only when the run counted a fault per page.
  const std::string fault_words =
      one_fault_each
          ? fmt::format("{} faults per page: the kernel allocates and zeroes a page and fills in "
                        "the page table",
                        format_count(*faults))
          : fmt::format("{} faults per page counted, fewer than one, so not every page took a "
                        "fault of its own",
                        format_count(*faults));
  const std::string second_words =
      d > 0   ? fmt::format("the second pass over the same pages {} ({} faster)", format_ns(*second),
                            format_ratio(*first / *second))
      : d < 0 ? fmt::format("the second pass over the same pages {}, slower", format_ns(*second))
              : fmt::format("the second pass over the same pages {}, {}", format_ns(*second),
                            within_ratio());
  in.text = fmt::format(
      "{} took {} at the median ({}), {}. 1% of a 90 Hz frame covers the first touch of only {} "
      "pages ({}).",
      opening, format_ns(*first), fault_words, second_words, format_whole(pages_per_1pct),
      core::format_size(static_cast<std::uint64_t>(pages_per_1pct) * 4096));
  return in;
}

std::optional<Insight> prefault(const Results& results) {
  const auto lazy = metric_of(results, "vm.lazy_touch", "total_ns_per_page");
  const auto populate = metric_of(results, "vm.map_populate", "total_ns_per_page");
  const auto use = metric_of(results, "vm.map_populate", "use_ns_per_page");
  if (!lazy || !populate || !use || *lazy <= 0 || *populate <= 0 || *use <= 0) return std::nullopt;
  // The map-time share is the total less the use; a use above the total is inconsistent.
  const double at_map = *populate - *use;
  if (at_map < 0) return std::nullopt;
  Insight in{"prefault",
             "",
             {{"lazy_total_ns_per_page", *lazy},
              {"populate_total_ns_per_page", *populate},
              {"populate_use_ns_per_page", *use}}};
  const std::string split = fmt::format(
      "with MAP_POPULATE the pages cost {} each at map time and {} at first use, against {} per "
      "page paid at first use when touched lazily",
      format_ns(at_map), format_ns(*use), format_ns(*lazy));
  const int total = positive_direction(*lazy, *populate, ratio_bound(*lazy, *populate));
  if (total == 0)
    in.text = fmt::format(
        "Prefaulting does not make the work disappear, it moves it: {} (in all, {}).", split,
        within_ratio());
  else if (total < 0)
    in.text = fmt::format(
        "Prefaulting moved the work and made it cheaper: {} ({} less in all; taking the faults "
        "in one pass inside mmap likely saves a trap per page).",
        split, format_ratio(*lazy / *populate));
  else
    in.text = fmt::format("Prefaulting moved the work and cost more in all: {} ({} more).", split,
                          format_ratio(*populate / *lazy));
  if (positive_direction(*lazy, *use, ratio_bound(*lazy, *use)) < 0)
    in.text += " For a frame loop that is the point: fault at start-up, not in a frame.";
  else
    in.text += " Here first use after MAP_POPULATE was not cheaper than a lazy touch, so "
               "nothing was gained at first use.";
  if (const auto willneed = metric_of(results, "vm.madv_willneed", "use_faults_per_page");
      willneed && *willneed >= 0) {
    in.values.emplace_back("willneed_use_faults_per_page", *willneed);
    in.text += *willneed >= kOneFault
                   ? fmt::format(" MADV_WILLNEED left {} faults per page for first use: on "
                                 "anonymous memory it prefaults nothing.",
                                 format_count(*willneed))
                   : fmt::format(" MADV_WILLNEED left {} faults per page for first use: fewer "
                                 "than one, so it prefaulted some of the pages here.",
                                 format_count(*willneed));
  }
  return in;
}

std::optional<Insight> zero_page(const Results& results) {
  const auto reads = metric_of(results, "vm.zero_page", "read_faults_per_page");
  const auto writes = metric_of(results, "vm.zero_page", "write_faults_per_page");
  const auto rss_read = metric_of(results, "vm.zero_page", "rss_growth_read_fraction");
  if (!reads || !writes || !rss_read || *reads < 0 || *writes < 0 || *rss_read < 0)
    return std::nullopt;
  Insight in{"zero_page",
             "",
             {{"read_faults_per_page", *reads},
              {"write_faults_per_page", *writes},
              {"rss_growth_read_fraction", *rss_read}}};
  // The words follow the RssAnon growth the row measured: about none means the zero page,
  // about all means this kernel allocated on the read (no zero page), anything else is mixed.
  // The faults are claimed only as counted.
  if (*rss_read < kRssNone && *reads >= kOneFault) {
    in.text = fmt::format(
        "Reading memory that was never written costs a fault too ({} per page) but no memory: "
        "RSS grew by {} of the region, because every page maps the kernel's shared zero page.",
        format_count(*reads), format_percent(*rss_read));
    in.text += *writes >= kOneFault
                   ? fmt::format(" The first write then faults again ({} per page) to get a "
                                 "private page: read-before-write pays twice.",
                                 format_count(*writes))
                   : fmt::format(" The first write then took {} faults per page.",
                                 format_count(*writes));
  } else if (*rss_read > 1 - kRssNone && *reads >= kOneFault) {
    in.text = fmt::format(
        "On this kernel reading memory that was never written costs a fault and a page: {} "
        "faults per page, and RSS grew by {} of the region, so no shared zero page backed the "
        "reads. The first write then took {} faults per page",
        format_count(*reads), format_percent(*rss_read), format_count(*writes));
    in.text += *writes <= kNoFault ? ": the read had already done the allocation a write would."
                                   : ".";
  } else {
    in.text = fmt::format(
        "Reading memory that was never written took {} faults per page and RSS grew by {} of the "
        "region, neither the shared zero page's none nor a page per read; the first write then "
        "took {} faults per page.",
        format_count(*reads), format_percent(*rss_read), format_count(*writes));
  }
  return in;
}

std::optional<Insight> huge_pages(const Results& results) {
  const auto reduction = metric_of(results, "vm.thp_fault", "fault_reduction");
  const auto fraction = metric_of(results, "vm.thp_fault", "huge_fraction");
  if (!reduction || !fraction || *reduction <= 0 || *fraction < 0) return std::nullopt;
  Insight in{"huge_pages", "", {{"fault_reduction", *reduction}, {"huge_fraction", *fraction}}};
  const int fewer = positive_direction(1, *reduction, ratio_bound(1, *reduction));
  const std::string faults_words =
      fewer > 0   ? fmt::format("{} fewer faults", format_ratio(*reduction))
      : fewer < 0 ? fmt::format("{} more faults", format_ratio(1 / *reduction))
                  : fmt::format("as many faults as 4 KiB pages ({})", format_ratio(*reduction));
  // The huge-page fraction is measured (AnonHugePages of the region): the words follow it.
  if (*fraction >= kMostlyHuge) {
    in.text = fmt::format("Transparent huge pages ({} of the region really became huge) took {}",
                          format_percent(*fraction), faults_words);
    in.text += fewer > 0 && *reduction >= kPerHugePageReduction ? ": one per 2 MiB instead of 512."
                                                                : ".";
  } else if (*fraction >= kSomeHuge) {
    in.text = fmt::format(
        "Transparent huge pages were asked for, but only {} of the region became huge; it took "
        "{} (512x fewer if all of it had).",
        format_percent(*fraction), faults_words);
  } else {
    in.text = fmt::format(
        "Transparent huge pages were asked for, but {} of the region became huge: it took {}, "
        "and the run shows nothing about huge pages themselves.",
        format_percent(*fraction), faults_words);
    return in;
  }
  const auto cold = metric_of(results, "vm.thp_fault", "speedup_vs_4k");
  const auto warm = metric_of(results, "vm.thp_fault", "recycled_speedup_vs_4k");
  if (cold && warm && *cold > 0 && *warm > 0) {
    in.values.emplace_back("speedup_vs_4k", *cold);
    in.values.emplace_back("recycled_speedup_vs_4k", *warm);
    in.text += fmt::format(
        " Against 4 KiB pages they were {} on first use and {} when the huge pages were "
        "reused",
        speed_words(*cold), speed_words(*warm));
    // Only a reuse clearly faster than the first use points at the wait for a fresh block.
    in.text += positive_direction(*cold, *warm, ratio_bound(*cold, *warm)) > 0
                   ? ": a fresh huge page likely waited for a free 2 MiB block (compaction, or "
                     "in a VM the host backing it), a reused one did not."
                   : ".";
  }
  return in;
}

std::optional<Insight> malloc_and_free(const Results& results) {
  const auto calloc_kib = metric_of(results, "vm.calloc_vs_memset", "calloc_rss_growth_kib");
  const auto memset_kib = metric_of(results, "vm.calloc_vs_memset", "memset_rss_growth_kib");
  const auto ratio = metric_of(results, "vm.calloc_vs_memset", "memset_vs_calloc");
  if (!calloc_kib || !memset_kib || !ratio || *calloc_kib < 0 || *memset_kib <= 0 || *ratio <= 0)
    return std::nullopt;
  Insight in{"malloc_and_free",
             "",
             {{"calloc_rss_growth_kib", *calloc_kib},
              {"memset_rss_growth_kib", *memset_kib},
              {"memset_vs_calloc", *ratio}}};
  if (*calloc_kib <= kNearlyNothing * *memset_kib) {
    const auto by_mmap = metric_of(results, "vm.calloc_vs_memset", "served_by_mmap");
    in.text = fmt::format(
        "A large calloc is nearly free ({} KiB more resident) {}because fresh mmap'ed pages are "
        "already zero and stay unmapped until used",
        format_sig3(*calloc_kib), by_mmap && *by_mmap >= 1 ? "" : "likely ");
  } else {
    in.text = fmt::format(
        "A large calloc made {} KiB resident, {} of what malloc+memset did: this calloc touched "
        "its memory itself",
        format_sig3(*calloc_kib), format_percent(*calloc_kib / *memset_kib));
  }
  const int d = positive_direction(1, *ratio, ratio_bound(1, *ratio));
  in.text += d > 0 ? fmt::format("; malloc+memset of the same block made {} KiB resident and took "
                                 "{} as long, paying every first-touch fault up front.",
                                 format_sig3(*memset_kib), format_ratio(*ratio))
             : d < 0 ? fmt::format("; malloc+memset of the same block made {} KiB resident and "
                                   "took less time ({} as long).",
                                   format_sig3(*memset_kib), format_ratio(*ratio))
                     : fmt::format("; malloc+memset of the same block made {} KiB resident and "
                                   "took about as long ({}).",
                                   format_sig3(*memset_kib), within_ratio());
  const auto retained = metric_of(results, "vm.free_returns_memory", "retained_fraction");
  const auto trimmed = metric_of(results, "vm.free_returns_memory", "returned_by_trim_kib");
  if (retained && trimmed && *retained >= 0) {
    in.values.emplace_back("retained_fraction", *retained);
    in.values.emplace_back("returned_by_trim_kib", *trimmed);
    in.text += fmt::format(" free() of many small blocks kept {} of their memory resident in the "
                           "heap; malloc_trim(0) gave back {}",
                           format_percent(*retained),
                           *trimmed > 0 ? format_sig3(*trimmed) + " KiB" : "nothing measurable");
    // The large block's return is measured (VmRSS before and after its free), not assumed.
    const auto large = metric_of(results, "vm.free_returns_memory", "large_returned_fraction");
    const auto large_mmap = metric_of(results, "vm.free_returns_memory", "large_served_by_mmap");
    if (large && *large >= kReturnedAll && large_mmap && *large_mmap >= 1)
      in.text += ", while a large block's free returned it at once (munmap)";
    else if (large && *large >= 0)
      in.text += fmt::format(", and a large block's free returned {} of it",
                             format_percent(*large));
    in.text += ".";
  }
  return in;
}

std::optional<Insight> major_vs_minor(const Results& results) {
  const auto major = p50_of(results, "vm.major_fault");
  const auto minor = p50_of(results, "vm.minor_fault_file");
  if (!major || !minor) return std::nullopt;
  Insight in{"major_vs_minor", "", {{"major_ns", *major}, {"minor_ns", *minor}}};
  const auto counted = metric_of(results, "vm.major_fault", "major_faults_per_page");
  if (counted && *counted >= 0) in.values.emplace_back("major_faults_per_touch", *counted);
  if (counted && *counted < kMostlyMajor) {
    // The row meant to price a major fault mostly did not take one: its median is not that.
    in.text = fmt::format(
        "The touches meant to take a major fault counted only {} major faults each, so their "
        "{} median against {} for a cached minor fault does not price a major fault.",
        format_count(std::max(0.0, *counted)), format_ns(*major), format_ns(*minor));
    return in;
  }
  const double bound =
      noise_bound(results, "vm.major_fault", *major, "vm.minor_fault_file", *minor);
  const int d = positive_direction(*minor, *major, bound);
  if (d > 0)
    in.text = fmt::format(
        "A major fault (a file page that was not in the page cache, read from the device while "
        "the thread sleeps) took {} at the median against {} for a minor fault on the same file "
        "when cached: {}. One major fault is {} of a 90 Hz frame.",
        format_ns(*major), format_ns(*minor), format_ratio(*major / *minor),
        format_percent(*major / kFrameNs90Hz));
  else
    in.text = fmt::format(
        "A major fault took {} at the median against {} for a minor fault on the same file when "
        "cached, {}: the device read was likely served by a cache below this kernel (the host's, "
        "on a virtual disk).",
        format_ns(*major), format_ns(*minor),
        d == 0 ? fmt::format("within noise (±{})", format_ns(bound)) : std::string("less"));
  if (const auto around = metric_of(results, "vm.minor_fault_file", "pages_per_fault");
      around && *around > 0) {
    in.values.emplace_back("pages_per_minor_fault", *around);
    in.text +=
        *around >= kManyPagesPerFault
            ? fmt::format(" Each cached-file fault mapped {} pages at once (likely fault-around "
                          "over the page cache's large folios), so counting faults, not pages, is "
                          "what tells the truth.",
                          format_whole(*around))
            : fmt::format(" Each cached-file fault mapped {} pages: about one, no fault-around "
                          "showed here.",
                          format_sig3(*around));
  }
  return in;
}

std::optional<Insight> cache_and_tlb_reach(const Results& results) {
  const auto l1 = metric_of(results, "vm.tlb_reach", "l1_ns");
  const auto dram = metric_of(results, "vm.tlb_reach", "dram_ns");
  if (!l1 || !dram || *l1 <= 0 || *dram <= 0) return std::nullopt;
  Insight in{"cache_and_tlb_reach", "", {{"l1_ns", *l1}, {"dram_ns", *dram}}};
  const int d = positive_direction(*l1, *dram, ratio_bound(*l1, *dram));
  if (d > 0)
    in.text = fmt::format(
        "Where cache effects dominate: a dependent chase costs {} per access in a 16 KiB working "
        "set and {} in the largest one, {} slower, with the same instructions.",
        format_ns(*l1), format_ns(*dram), format_ratio(*dram / *l1));
  else
    in.text = fmt::format(
        "A dependent chase cost {} per access in a 16 KiB working set and {} in the largest one, "
        "{}: no cache effect showed here.",
        format_ns(*l1), format_ns(*dram), d == 0 ? within_ratio() : std::string("less"));
  const auto l2 = metric_of(results, "vm.tlb_reach", "l2_ns");
  const auto llc = metric_of(results, "vm.tlb_reach", "llc_ns");
  if (l2 && llc && *l2 > 0 && *llc > 0) {
    in.values.emplace_back("l2_ns", *l2);
    in.values.emplace_back("llc_ns", *llc);
    in.text += fmt::format(" At 256 KiB it was {}, at 8 MiB {}.", format_ns(*l2), format_ns(*llc));
  }
  const auto huge = metric_of(results, "vm.tlb_reach", "huge_vs_4k_at_largest");
  if (!huge || *huge <= 0) return in;
  in.values.emplace_back("huge_vs_4k_at_largest", *huge);
  // How much of the "huge" region really was in huge pages is measured: the words follow it.
  const auto fraction = metric_of(results, "vm.tlb_reach", "huge_fraction");
  if (fraction && *fraction >= 0) in.values.emplace_back("huge_fraction", *fraction);
  if (fraction && *fraction < kSomeHuge) {
    in.text += fmt::format(
        " The huge-page run got {} of its region in huge pages, so its {} of the 4 KiB figure "
        "says nothing about huge pages.",
        format_percent(*fraction), format_percent(*huge));
    return in;
  }
  const std::string which =
      !fraction ? "With huge pages asked for (how many were granted was not measured)"
      : *fraction >= kMostlyHuge
          ? fmt::format("With huge pages ({} of the region)", format_percent(*fraction))
          : fmt::format("With huge pages for only {} of the region", format_percent(*fraction));
  const int h = positive_direction(1, *huge, ratio_bound(1, *huge));
  if (h < 0)
    in.text += fmt::format(
        " {} the largest working set cost {} of the 4 KiB-page figure: likely because each TLB "
        "entry then covers 2 MiB, so fewer accesses pay a page walk.",
        which, format_percent(*huge));
  else if (h > 0)
    in.text += fmt::format(" {} the largest working set cost more, {} of the 4 KiB-page figure.",
                           which, format_percent(*huge));
  else
    in.text += fmt::format(
        " {} the largest working set cost {} of the 4 KiB-page figure ({}): no TLB gain showed "
        "here.",
        which, format_percent(*huge), within_ratio());
  return in;
}

std::optional<Insight> fault_in_frame(const Results& results) {
  const auto worst = metric_of(results, "vm.frame_loop_faults", "worst_frame_ms_faulting");
  const auto worst_pre = metric_of(results, "vm.frame_loop_faults", "worst_frame_ms_prefaulted");
  const auto faults = metric_of(results, "vm.frame_loop_faults", "faults_per_frame");
  const auto missed = metric_of(results, "vm.frame_loop_faults", "missed_deadlines_faulting");
  // A frame loop that took no fault per frame has nothing to say about faults in a frame.
  if (!worst || !worst_pre || !faults || !missed || *worst <= 0 || *worst_pre <= 0 ||
      *faults < 1 || *missed < 0)
    return std::nullopt;
  Insight in{"fault_in_frame",
             "",
             {{"worst_frame_ms_faulting", *worst},
              {"worst_frame_ms_prefaulted", *worst_pre},
              {"faults_per_frame", *faults},
              {"missed_deadlines_faulting", *missed}}};
  const int d = positive_direction(*worst_pre, *worst, ratio_bound(*worst_pre, *worst));
  if (d > 0)
    in.text = fmt::format(
        "In the 90 Hz frame loop, {} first-touch faults per frame raised the worst frame from {} "
        "ms (memory prefaulted) to {} ms of the 11.1 ms budget, with {} missed deadlines.",
        format_whole(*faults), format_sig3(*worst_pre), format_sig3(*worst),
        format_whole(*missed));
  else
    in.text = fmt::format(
        "In the 90 Hz frame loop, {} first-touch faults per frame left the worst frame at {} ms "
        "against {} ms with memory prefaulted ({}), of the 11.1 ms budget, with {} missed "
        "deadlines.",
        format_whole(*faults), format_sig3(*worst), format_sig3(*worst_pre),
        d == 0 ? within_ratio() : std::string("less"), format_whole(*missed));
  if (const auto fill = metric_of(results, "vm.frame_loop_faults", "faults_to_fill_frame");
      fill && *fill > 0) {
    in.values.emplace_back("faults_to_fill_frame", *fill);
    in.text += fmt::format(" About {} such faults would fill a whole frame.", format_whole(*fill));
  }
  const auto major = metric_of(results, "vm.frame_loop_faults", "major_fault_frame_ms");
  const auto majors = metric_of(results, "vm.frame_loop_faults", "major_faults_in_frame");
  // The frame is described as a major fault's only when one was counted in it (or the count is
  // absent, from an older run).
  if (major && *major > 0 && (!majors || *majors >= 1)) {
    in.values.emplace_back("major_fault_frame_ms", *major);
    in.text +=
        positive_direction(*worst_pre, *major, ratio_bound(*worst_pre, *major)) > 0
            ? fmt::format(" A frame that took one major fault lasted {} ms: the thread sleeps on "
                          "the device, and that is why XR runtimes lock and prefault their memory "
                          "and keep file IO off the frame thread.",
                          format_sig3(*major))
            : fmt::format(" A frame that took one major fault lasted {} ms, no longer than a "
                          "prefaulted frame: the file page was likely served by a cache below "
                          "this kernel.",
                          format_sig3(*major));
  }
  return in;
}

std::optional<Insight> munmap_stalls_others(const Results& results) {
  const auto base = metric_of(results, "vm.mmap_churn_stall", "slow_batches_per_s_baseline");
  const auto churn = metric_of(results, "vm.mmap_churn_stall", "slow_batches_per_s_churn");
  const auto p999 = metric_of(results, "vm.mmap_churn_stall", "p999_ratio");
  if (!base || !churn || !p999 || *base < 0 || *churn < 0 || *p999 <= 0) return std::nullopt;
  // On one CPU the churn and the touchers time-share it: no other CPU holds the process's
  // translations, so whatever slowed the touchers was not a shootdown.
  if (param_text_of(results, "vm.mmap_churn_stall", "placement").rfind("one CPU", 0) == 0)
    return std::nullopt;
  Insight in{"munmap_stalls_others",
             "",
             {{"slow_batches_per_s_baseline", *base},
              {"slow_batches_per_s_churn", *churn},
              {"p999_ratio", *p999}}};
  const bool more_slow = *churn > *base * kClearlyDifferent && *churn - *base >= kMinExtraSlowPerS;
  const int tail = positive_direction(1, *p999, ratio_bound(1, *p999));
  const std::string tail_words = tail > 0   ? "grow " + format_ratio(*p999)
                                 : tail < 0 ? "shrink to " + format_ratio(*p999)
                                            : "stay " + within_ratio() + " (" +
                                                  format_ratio(*p999) + ")";
  const std::string observed = fmt::format(
      "while another thread ran mmap/munmap in a loop, threads that only touched resident memory "
      "saw slow batches go from {} to {} a second and their p99.9 {}",
      format_whole(*base), format_whole(*churn), tail_words);
  if (!more_slow && tail <= 0) {
    in.text = fmt::format("One thread's mmap churn did not stall the others here: {}.", observed);
    return in;
  }
  const auto ipis = metric_of(results, "vm.mmap_churn_stall", "tlb_shootdowns_per_munmap");
  const bool no_ipis_here =
      param_text_of(results, "vm.mmap_churn_stall", "remote_tlb_flush_ipis").rfind("no", 0) == 0;
  std::string cause;
  if (ipis && *ipis >= kIpiPerMunmap) {
    in.values.emplace_back("tlb_shootdowns_per_munmap", *ipis);
    cause = fmt::format(
        "munmap must flush the TLB of every CPU running the process (an inter-processor "
        "interrupt each: {} counted per munmap)",
        format_count(*ipis));
  } else if (ipis && *ipis >= 0) {
    in.values.emplace_back("tlb_shootdowns_per_munmap", *ipis);
    cause = fmt::format(
        "the likely cause is munmap's TLB flush on every CPU running the process ({} shootdown "
        "IPIs counted per munmap: {})",
        format_count(*ipis),
        no_ipis_here ? "this host flushes them without IPIs, likely through the hypervisor"
                     : "fewer than one each, likely because a CPU not running the process at "
                       "that moment (or a vCPU its host had preempted) needs none");
  } else {
    cause =
        "the likely cause is munmap's TLB flush on every CPU running the process (likely an "
        "inter-processor interrupt each, not counted on this machine)";
  }
  in.text = fmt::format(
      "Why one thread's memory management stalls the others: {}. {}{}; per-VMA locks (Linux "
      "6.4+) keep page faults from queueing behind mmap_lock, but not the flushes.",
      observed, static_cast<char>(std::toupper(static_cast<unsigned char>(cause[0]))),
      cause.substr(1));
  return in;
}

}  // namespace illusion::report::rules
