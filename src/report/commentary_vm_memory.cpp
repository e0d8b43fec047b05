// Commentary rules for Lab 3.3 (virtual memory and page faults): where memory comes from and
// what reaching it costs. calloc against malloc+memset and what free() gives back, a major
// fault against a minor one, and the cache and TLB reach of a dependent chase. Each is pure and
// silent when an input is missing or unusable (a zero or negative figure); each quotes the
// figures it was given.
//
// Every direction ("faster", "fewer", "raised") is said only when the figures differ beyond a
// named bound, and turned around or called "within" the bound otherwise. A cause is stated as
// fact only when the run counted it (faults per page, the huge-page fraction, RSS growth,
// shootdown IPIs); otherwise the sentence says it is the likely one.
#include <fmt/format.h>

#include <algorithm>
#include <string>

#include "core/format.h"
#include "report/commentary.h"
#include "report/commentary_lookup.h"
#include "report/commentary_vm_words.h"

namespace illusion::report::rules {

using Results = std::vector<core::Result>;
using namespace lookup;
using namespace vm_words;

namespace {

// Pages mapped per file fault at or above this mean fault-around mapped neighbours too.
constexpr double kManyPagesPerFault = 1.5;
// A calloc whose RSS growth is below this fraction of malloc+memset's left the block unmapped.
constexpr double kNearlyNothing = 0.1;
// A large block's free returning at least this fraction of it gave it back at once.
constexpr double kReturnedAll = 0.9;
// Fewer counted major faults per touch than this: the "major fault" row mostly did not take one.
constexpr double kMostlyMajor = 0.5;

}  // namespace

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
        core::format_sig3(*calloc_kib), by_mmap && *by_mmap >= 1 ? "" : "likely ");
  } else {
    in.text = fmt::format(
        "A large calloc made {} KiB resident, {} of what malloc+memset did: this calloc touched "
        "its memory itself",
        core::format_sig3(*calloc_kib), core::format_percent(*calloc_kib / *memset_kib));
  }
  const int d = positive_direction(1, *ratio, ratio_bound(1, *ratio));
  in.text += d > 0 ? fmt::format(
                         "; malloc+memset of the same block made {} KiB resident and took "
                         "{} as long, paying every first-touch fault up front.",
                         core::format_sig3(*memset_kib), core::format_ratio(*ratio))
             : d < 0 ? fmt::format(
                           "; malloc+memset of the same block made {} KiB resident and "
                           "took less time ({} as long).",
                           core::format_sig3(*memset_kib), core::format_ratio(*ratio))
                     : fmt::format(
                           "; malloc+memset of the same block made {} KiB resident and "
                           "took about as long ({}).",
                           core::format_sig3(*memset_kib), within_ratio());
  const auto retained = metric_of(results, "vm.free_returns_memory", "retained_fraction");
  const auto trimmed = metric_of(results, "vm.free_returns_memory", "returned_by_trim_kib");
  if (retained && trimmed && *retained >= 0) {
    in.values.emplace_back("retained_fraction", *retained);
    in.values.emplace_back("returned_by_trim_kib", *trimmed);
    in.text += fmt::format(
        " free() of many small blocks kept {} of their memory resident in the "
        "heap; malloc_trim(0) gave back {}",
        core::format_percent(*retained),
        *trimmed > 0 ? core::format_sig3(*trimmed) + " KiB" : "nothing measurable");
    // The large block's return is measured (VmRSS before and after its free), not assumed.
    const auto large = metric_of(results, "vm.free_returns_memory", "large_returned_fraction");
    const auto large_mmap = metric_of(results, "vm.free_returns_memory", "large_served_by_mmap");
    if (large && *large >= kReturnedAll && large_mmap && *large_mmap >= 1)
      in.text += ", while a large block's free returned it at once (munmap)";
    else if (large && *large >= 0)
      in.text +=
          fmt::format(", and a large block's free returned {} of it", core::format_percent(*large));
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
        core::format_count(std::max(0.0, *counted)), core::format_ns(*major),
        core::format_ns(*minor));
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
        core::format_ns(*major), core::format_ns(*minor), core::format_ratio(*major / *minor),
        core::format_percent(*major / kFrameNs90Hz));
  else
    in.text = fmt::format(
        "A major fault took {} at the median against {} for a minor fault on the same file when "
        "cached, {}: the device read was likely served by a cache below this kernel (the host's, "
        "on a virtual disk).",
        core::format_ns(*major), core::format_ns(*minor),
        d == 0 ? fmt::format("within noise (±{})", core::format_ns(bound)) : std::string("less"));
  if (const auto around = metric_of(results, "vm.minor_fault_file", "pages_per_fault");
      around && *around > 0) {
    in.values.emplace_back("pages_per_minor_fault", *around);
    in.text += *around >= kManyPagesPerFault
                   ? fmt::format(
                         " Each cached-file fault mapped {} pages at once (likely fault-around "
                         "over the page cache's large folios), so counting faults, not pages, is "
                         "what tells the truth.",
                         core::format_whole(*around))
                   : fmt::format(
                         " Each cached-file fault mapped {} pages: about one, no fault-around "
                         "showed here.",
                         core::format_sig3(*around));
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
        core::format_ns(*l1), core::format_ns(*dram), core::format_ratio(*dram / *l1));
  else
    in.text = fmt::format(
        "A dependent chase cost {} per access in a 16 KiB working set and {} in the largest one, "
        "{}: no cache effect showed here.",
        core::format_ns(*l1), core::format_ns(*dram),
        d == 0 ? within_ratio() : std::string("less"));
  const auto l2 = metric_of(results, "vm.tlb_reach", "l2_ns");
  const auto llc = metric_of(results, "vm.tlb_reach", "llc_ns");
  if (l2 && llc && *l2 > 0 && *llc > 0) {
    in.values.emplace_back("l2_ns", *l2);
    in.values.emplace_back("llc_ns", *llc);
    in.text += fmt::format(" At 256 KiB it was {}, at 8 MiB {}.", core::format_ns(*l2),
                           core::format_ns(*llc));
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
        core::format_percent(*fraction), core::format_percent(*huge));
    return in;
  }
  const std::string which =
      !fraction ? "With huge pages asked for (how many were granted was not measured)"
      : *fraction >= kMostlyHuge
          ? fmt::format("With huge pages ({} of the region)", core::format_percent(*fraction))
          : fmt::format("With huge pages for only {} of the region",
                        core::format_percent(*fraction));
  const int h = positive_direction(1, *huge, ratio_bound(1, *huge));
  if (h < 0)
    in.text += fmt::format(
        " {} the largest working set cost {} of the 4 KiB-page figure: likely because each TLB "
        "entry then covers 2 MiB, so fewer accesses pay a page walk.",
        which, core::format_percent(*huge));
  else if (h > 0)
    in.text += fmt::format(" {} the largest working set cost more, {} of the 4 KiB-page figure.",
                           which, core::format_percent(*huge));
  else
    in.text += fmt::format(
        " {} the largest working set cost {} of the 4 KiB-page figure ({}): no TLB gain showed "
        "here.",
        which, core::format_percent(*huge), within_ratio());
  return in;
}

}  // namespace illusion::report::rules
