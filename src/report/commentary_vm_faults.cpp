// Commentary rules for Lab 3.3 (virtual memory and page faults): what a page fault costs and
// what avoids it. First touch against a second pass, prefaulting (MAP_POPULATE, MADV_WILLNEED),
// reading never-written memory (the zero page) and transparent huge pages. Each is pure and
// silent when an input is missing or unusable (a zero or negative figure); each quotes the
// figures it was given.
//
// Every direction ("faster", "fewer", "raised") is said only when the figures differ beyond a
// named bound, and turned around or called "within" the bound otherwise. A cause is stated as
// fact only when the run counted it (faults per page, the huge-page fraction, RSS growth,
// shootdown IPIs); otherwise the sentence says it is the likely one.
#include <fmt/format.h>

#include <cstdint>

#include "core/format.h"
#include "core/sizes.h"
#include "report/commentary.h"
#include "report/commentary_lookup.h"
#include "report/commentary_vm_words.h"

namespace illusion::report::rules {

using Results = std::vector<core::Result>;
using namespace lookup;
using namespace vm_words;

namespace {

// Faults counted per page (or per touch) at or above this mean every page took its own fault;
// the tenth below one allows for pages another mapping or an earlier touch had already mapped.
constexpr double kOneFault = 0.9;
// At most this many faults per page mean the pages were (almost all) mapped without one.
constexpr double kNoFault = 0.1;
// An RSS growth below this fraction of the region is "no memory"; above (1 - it), "all of it".
constexpr double kRssNone = 0.1;
// 512 faults per 2 MiB with 4 KiB pages against 1 with a huge page: a reduction of at least half
// of that is "one per 2 MiB instead of 512".
constexpr double kPerHugePageReduction = 256;

// "2.0x faster", "1.5x slower" or "as fast (within 10%)" for a speed-up factor.
std::string speed_words(double speedup) {
  const int d = positive_direction(1, speedup, ratio_bound(1, speedup));
  if (d > 0) return core::format_ratio(speedup) + " faster";
  if (d < 0) return core::format_ratio(1 / speedup) + " slower";
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
          ? fmt::format(
                "{} faults per page: the kernel allocates and zeroes a page and fills in "
                "the page table",
                core::format_count(*faults))
          : fmt::format(
                "{} faults per page counted, fewer than one, so not every page took a "
                "fault of its own",
                core::format_count(*faults));
  const std::string second_words =
      d > 0 ? fmt::format("the second pass over the same pages {} ({} faster)",
                          core::format_ns(*second), core::format_ratio(*first / *second))
      : d < 0
          ? fmt::format("the second pass over the same pages {}, slower", core::format_ns(*second))
          : fmt::format("the second pass over the same pages {}, {}", core::format_ns(*second),
                        within_ratio());
  in.text = fmt::format(
      "{} took {} at the median ({}), {}. 1% of a 90 Hz frame covers the first touch of only {} "
      "pages ({}).",
      opening, core::format_ns(*first), fault_words, second_words,
      core::format_whole(pages_per_1pct),
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
      core::format_ns(at_map), core::format_ns(*use), core::format_ns(*lazy));
  const int total = positive_direction(*lazy, *populate, ratio_bound(*lazy, *populate));
  if (total == 0)
    in.text = fmt::format(
        "Prefaulting does not make the work disappear, it moves it: {} (in all, {}).", split,
        within_ratio());
  else if (total < 0)
    in.text = fmt::format(
        "Prefaulting moved the work and made it cheaper: {} ({} less in all; taking the faults "
        "in one pass inside mmap likely saves a trap per page).",
        split, core::format_ratio(*lazy / *populate));
  else
    in.text = fmt::format("Prefaulting moved the work and cost more in all: {} ({} more).", split,
                          core::format_ratio(*populate / *lazy));
  if (positive_direction(*lazy, *use, ratio_bound(*lazy, *use)) < 0)
    in.text += " For a frame loop that is the point: fault at start-up, not in a frame.";
  else
    in.text += " Here first use after MAP_POPULATE was not cheaper than a lazy touch, so "
               "nothing was gained at first use.";
  if (const auto willneed = metric_of(results, "vm.madv_willneed", "use_faults_per_page");
      willneed && *willneed >= 0) {
    in.values.emplace_back("willneed_use_faults_per_page", *willneed);
    in.text += *willneed >= kOneFault
                   ? fmt::format(
                         " MADV_WILLNEED left {} faults per page for first use: on "
                         "anonymous memory it prefaults nothing.",
                         core::format_count(*willneed))
                   : fmt::format(
                         " MADV_WILLNEED left {} faults per page for first use: fewer "
                         "than one, so it prefaulted some of the pages here.",
                         core::format_count(*willneed));
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
        core::format_count(*reads), core::format_percent(*rss_read));
    in.text += *writes >= kOneFault
                   ? fmt::format(
                         " The first write then faults again ({} per page) to get a "
                         "private page: read-before-write pays twice.",
                         core::format_count(*writes))
                   : fmt::format(" The first write then took {} faults per page.",
                                 core::format_count(*writes));
  } else if (*rss_read > 1 - kRssNone && *reads >= kOneFault) {
    in.text = fmt::format(
        "On this kernel reading memory that was never written costs a fault and a page: {} "
        "faults per page, and RSS grew by {} of the region, so no shared zero page backed the "
        "reads. The first write then took {} faults per page",
        core::format_count(*reads), core::format_percent(*rss_read), core::format_count(*writes));
    in.text += *writes <= kNoFault ? ": the read had already done the allocation a write would."
                                   : ".";
  } else {
    in.text = fmt::format(
        "Reading memory that was never written took {} faults per page and RSS grew by {} of the "
        "region, neither the shared zero page's none nor a page per read; the first write then "
        "took {} faults per page.",
        core::format_count(*reads), core::format_percent(*rss_read), core::format_count(*writes));
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
      fewer > 0 ? fmt::format("{} fewer faults", core::format_ratio(*reduction))
      : fewer < 0
          ? fmt::format("{} more faults", core::format_ratio(1 / *reduction))
          : fmt::format("as many faults as 4 KiB pages ({})", core::format_ratio(*reduction));
  // The huge-page fraction is measured (AnonHugePages of the region): the words follow it.
  if (*fraction >= kMostlyHuge) {
    in.text = fmt::format("Transparent huge pages ({} of the region really became huge) took {}",
                          core::format_percent(*fraction), faults_words);
    in.text += fewer > 0 && *reduction >= kPerHugePageReduction ? ": one per 2 MiB instead of 512."
                                                                : ".";
  } else if (*fraction >= kSomeHuge) {
    in.text = fmt::format(
        "Transparent huge pages were asked for, but only {} of the region became huge; it took "
        "{} (512x fewer if all of it had).",
        core::format_percent(*fraction), faults_words);
  } else {
    in.text = fmt::format(
        "Transparent huge pages were asked for, but {} of the region became huge: it took {}, "
        "and the run shows nothing about huge pages themselves.",
        core::format_percent(*fraction), faults_words);
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

}  // namespace illusion::report::rules
