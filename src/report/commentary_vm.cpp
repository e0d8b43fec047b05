// Commentary rules for Lab 3.3 (virtual memory and page faults). Each is pure and silent when
// an input is missing; each quotes the figures it was given.
#include <fmt/format.h>

#include "core/resources.h"
#include "report/commentary.h"
#include "report/commentary_lookup.h"
#include "report/format.h"

namespace illusion::report::rules {

using Results = std::vector<core::Result>;
using namespace lookup;

namespace {
constexpr double kFrameNs90Hz = 1e9 / 90;
}  // namespace

std::optional<Insight> first_touch(const Results& results) {
  const auto first = p50_of(results, "vm.first_touch");
  const auto second = metric_of(results, "vm.first_touch", "second_pass_ns_per_page");
  const auto faults = metric_of(results, "vm.first_touch", "faults_per_page");
  if (!first || !second || !faults || *second <= 0) return std::nullopt;
  Insight in{"first_touch",
             "",
             {{"first_touch_ns_per_page", *first},
              {"second_pass_ns_per_page", *second},
              {"faults_per_page", *faults}}};
  // How much fresh memory one frame could fault in if it spent all of 1% of 90 Hz on it.
  const double pages_per_1pct = kFrameNs90Hz * 0.01 / *first;
  in.text = fmt::format(
      "First access is slow because mmap only promises memory: the first write to each 4 KiB "
      "page took {} at the median ({} faults per page: the kernel allocates and zeroes a page "
      "and fills in the page table), the second pass over the same pages {} ({} faster). 1% "
      "of a 90 Hz frame covers the first touch of only {} pages ({}).",
      format_ns(*first), format_count(*faults), format_ns(*second),
      format_ratio(*first / *second), format_whole(pages_per_1pct),
      core::format_size(static_cast<std::uint64_t>(pages_per_1pct) * 4096));
  return in;
}

std::optional<Insight> prefault(const Results& results) {
  const auto lazy = metric_of(results, "vm.lazy_touch", "total_ns_per_page");
  const auto populate = metric_of(results, "vm.map_populate", "total_ns_per_page");
  const auto use = metric_of(results, "vm.map_populate", "use_ns_per_page");
  if (!lazy || !populate || !use) return std::nullopt;
  Insight in{"prefault",
             "",
             {{"lazy_total_ns_per_page", *lazy},
              {"populate_total_ns_per_page", *populate},
              {"populate_use_ns_per_page", *use}}};
  in.text = fmt::format(
      "Prefaulting does not make the work disappear, it moves it: with MAP_POPULATE the pages "
      "cost {} each at map time and {} at first use, against {} per page paid at first use "
      "when touched lazily. For a frame loop that is the point: fault at start-up, not in a "
      "frame.",
      format_ns(*populate - *use), format_ns(*use), format_ns(*lazy));
  if (const auto willneed = metric_of(results, "vm.madv_willneed", "use_faults_per_page")) {
    in.values.emplace_back("willneed_use_faults_per_page", *willneed);
    in.text += fmt::format(
        " MADV_WILLNEED left {} faults per page for first use: on anonymous memory it "
        "prefaults nothing.",
        format_count(*willneed));
  }
  return in;
}

std::optional<Insight> zero_page(const Results& results) {
  const auto reads = metric_of(results, "vm.zero_page", "read_faults_per_page");
  const auto writes = metric_of(results, "vm.zero_page", "write_faults_per_page");
  const auto rss_read = metric_of(results, "vm.zero_page", "rss_growth_read_fraction");
  if (!reads || !writes || !rss_read) return std::nullopt;
  Insight in{"zero_page",
             "",
             {{"read_faults_per_page", *reads},
              {"write_faults_per_page", *writes},
              {"rss_growth_read_fraction", *rss_read}}};
  // The words follow the RssAnon growth the row measured: about none means the zero page,
  // about all means this kernel allocated on the read (no zero page), anything else is mixed.
  if (*rss_read < 0.1) {
    in.text = fmt::format(
        "Reading memory that was never written costs a fault too ({} per page) but no memory: "
        "RSS grew by {} of the region, because every page maps the kernel's shared zero page. "
        "The first write then faults again ({} per page) to get a private page: read-before-"
        "write pays twice.",
        format_count(*reads), format_percent(*rss_read), format_count(*writes));
  } else if (*rss_read > 0.9) {
    in.text = fmt::format(
        "On this kernel reading memory that was never written costs a fault and a page: {} "
        "faults per page, and RSS grew by {} of the region, so no shared zero page backed the "
        "reads. The first write then took {} faults per page: the read had already done the "
        "allocation a write would.",
        format_count(*reads), format_percent(*rss_read), format_count(*writes));
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
  if (!reduction || !fraction) return std::nullopt;
  Insight in{"huge_pages", "", {{"fault_reduction", *reduction}, {"huge_fraction", *fraction}}};
  in.text = fmt::format(
      "Transparent huge pages ({} of the region really became huge) took {} fewer faults: one "
      "per 2 MiB instead of 512.",
      format_percent(*fraction), format_ratio(*reduction));
  const auto cold = metric_of(results, "vm.thp_fault", "speedup_vs_4k");
  const auto warm = metric_of(results, "vm.thp_fault", "recycled_speedup_vs_4k");
  if (cold && warm) {
    in.values.emplace_back("speedup_vs_4k", *cold);
    in.values.emplace_back("recycled_speedup_vs_4k", *warm);
    in.text += fmt::format(
        " In time they were {} the speed of 4 KiB pages on first use and {} when the huge "
        "pages were reused: each huge fault zeroes 2 MiB at once, and a fresh one may first "
        "wait for a free 2 MiB block (compaction, or in a VM the host backing it).",
        format_ratio(*cold), format_ratio(*warm));
  }
  return in;
}

std::optional<Insight> malloc_and_free(const Results& results) {
  const auto calloc_kib = metric_of(results, "vm.calloc_vs_memset", "calloc_rss_growth_kib");
  const auto memset_kib = metric_of(results, "vm.calloc_vs_memset", "memset_rss_growth_kib");
  const auto ratio = metric_of(results, "vm.calloc_vs_memset", "memset_vs_calloc");
  if (!calloc_kib || !memset_kib || !ratio) return std::nullopt;
  Insight in{"malloc_and_free",
             "",
             {{"calloc_rss_growth_kib", *calloc_kib},
              {"memset_rss_growth_kib", *memset_kib},
              {"memset_vs_calloc", *ratio}}};
  in.text = fmt::format(
      "A large calloc is nearly free ({} KiB more resident) because fresh mmap'ed pages are "
      "already zero and stay unmapped until used; malloc+memset of the same block made {} KiB "
      "resident and took {} as long, paying every first-touch fault up front.",
      format_sig3(*calloc_kib), format_sig3(*memset_kib), format_ratio(*ratio));
  const auto retained = metric_of(results, "vm.free_returns_memory", "retained_fraction");
  const auto trimmed = metric_of(results, "vm.free_returns_memory", "returned_by_trim_kib");
  if (retained && trimmed) {
    in.values.emplace_back("retained_fraction", *retained);
    in.values.emplace_back("returned_by_trim_kib", *trimmed);
    in.text += fmt::format(
        " free() of many small blocks kept {} of their memory resident in the heap; "
        "malloc_trim(0) gave back {} KiB, while a large block's free returned it at once "
        "(munmap).",
        format_percent(*retained), format_sig3(*trimmed));
  }
  return in;
}

std::optional<Insight> major_vs_minor(const Results& results) {
  const auto major = p50_of(results, "vm.major_fault");
  const auto minor = p50_of(results, "vm.minor_fault_file");
  if (!major || !minor) return std::nullopt;
  Insight in{"major_vs_minor", "", {{"major_ns", *major}, {"minor_ns", *minor}}};
  in.text = fmt::format(
      "A major fault (a file page that was not in the page cache, read from the device while "
      "the thread sleeps) took {} at the median against {} for a minor fault on the same file "
      "when cached: {}. One major fault is {} of a 90 Hz frame.",
      format_ns(*major), format_ns(*minor), format_ratio(*major / *minor),
      format_percent(*major / kFrameNs90Hz));
  if (const auto around = metric_of(results, "vm.minor_fault_file", "pages_per_fault")) {
    in.values.emplace_back("pages_per_minor_fault", *around);
    in.text += fmt::format(
        " Each cached-file fault mapped {} pages at once (fault-around over the page cache's "
        "large folios), so counting faults, not pages, is what tells the truth.",
        format_whole(*around));
  }
  return in;
}

std::optional<Insight> cache_and_tlb_reach(const Results& results) {
  const auto l1 = metric_of(results, "vm.tlb_reach", "l1_ns");
  const auto dram = metric_of(results, "vm.tlb_reach", "dram_ns");
  if (!l1 || !dram || *l1 <= 0) return std::nullopt;
  Insight in{"cache_and_tlb_reach", "", {{"l1_ns", *l1}, {"dram_ns", *dram}}};
  in.text = fmt::format(
      "Where cache effects dominate: a dependent chase costs {} per access in a 16 KiB working "
      "set and {} in the largest one, {} slower, with the same instructions.",
      format_ns(*l1), format_ns(*dram), format_ratio(*dram / *l1));
  const auto l2 = metric_of(results, "vm.tlb_reach", "l2_ns");
  const auto llc = metric_of(results, "vm.tlb_reach", "llc_ns");
  if (l2 && llc) {
    in.values.emplace_back("l2_ns", *l2);
    in.values.emplace_back("llc_ns", *llc);
    in.text += fmt::format(" At 256 KiB it was {}, at 8 MiB {}.", format_ns(*l2), format_ns(*llc));
  }
  if (const auto huge = metric_of(results, "vm.tlb_reach", "huge_vs_4k_at_largest")) {
    in.values.emplace_back("huge_vs_4k_at_largest", *huge);
    in.text += fmt::format(
        " With huge pages the largest working set cost {} of the 4 KiB-page figure: each TLB "
        "entry then covers 2 MiB, so fewer accesses pay a page walk.",
        format_percent(*huge));
  }
  return in;
}

std::optional<Insight> fault_in_frame(const Results& results) {
  const auto worst = metric_of(results, "vm.frame_loop_faults", "worst_frame_ms_faulting");
  const auto worst_pre = metric_of(results, "vm.frame_loop_faults", "worst_frame_ms_prefaulted");
  const auto faults = metric_of(results, "vm.frame_loop_faults", "faults_per_frame");
  const auto missed = metric_of(results, "vm.frame_loop_faults", "missed_deadlines_faulting");
  if (!worst || !worst_pre || !faults || !missed) return std::nullopt;
  Insight in{"fault_in_frame",
             "",
             {{"worst_frame_ms_faulting", *worst},
              {"worst_frame_ms_prefaulted", *worst_pre},
              {"faults_per_frame", *faults},
              {"missed_deadlines_faulting", *missed}}};
  in.text = fmt::format(
      "In the 90 Hz frame loop, {} first-touch faults per frame raised the worst frame from {} "
      "ms (memory prefaulted) to {} ms of the 11.1 ms budget, with {} missed deadlines.",
      format_whole(*faults), format_sig3(*worst_pre), format_sig3(*worst), format_whole(*missed));
  if (const auto fill = metric_of(results, "vm.frame_loop_faults", "faults_to_fill_frame")) {
    in.values.emplace_back("faults_to_fill_frame", *fill);
    in.text += fmt::format(" About {} such faults would fill a whole frame.", format_whole(*fill));
  }
  if (const auto major = metric_of(results, "vm.frame_loop_faults", "major_fault_frame_ms")) {
    in.values.emplace_back("major_fault_frame_ms", *major);
    in.text += fmt::format(
        " A frame that took one major fault lasted {} ms: the thread sleeps on the device, and "
        "that is why XR runtimes lock and prefault their memory and keep file IO off the frame "
        "thread.",
        format_sig3(*major));
  }
  return in;
}

std::optional<Insight> munmap_stalls_others(const Results& results) {
  const auto base = metric_of(results, "vm.mmap_churn_stall", "slow_batches_per_s_baseline");
  const auto churn = metric_of(results, "vm.mmap_churn_stall", "slow_batches_per_s_churn");
  const auto p999 = metric_of(results, "vm.mmap_churn_stall", "p999_ratio");
  if (!base || !churn || !p999) return std::nullopt;
  // On one CPU the churn and the touchers time-share it: no other CPU holds the process's
  // translations, so whatever slowed the touchers was not a shootdown.
  if (param_text_of(results, "vm.mmap_churn_stall", "placement").rfind("one CPU", 0) == 0)
    return std::nullopt;
  Insight in{"munmap_stalls_others",
             "",
             {{"slow_batches_per_s_baseline", *base},
              {"slow_batches_per_s_churn", *churn},
              {"p999_ratio", *p999}}};
  const auto ipis = metric_of(results, "vm.mmap_churn_stall", "tlb_shootdowns_per_munmap");
  const bool no_ipis_here =
      param_text_of(results, "vm.mmap_churn_stall", "remote_tlb_flush_ipis").rfind("no", 0) == 0;
  std::string flush;
  if (ipis && *ipis >= 0.9) {
    in.values.emplace_back("tlb_shootdowns_per_munmap", *ipis);
    flush = fmt::format("an inter-processor interrupt each: {} counted per munmap",
                        format_count(*ipis));
  } else if (ipis) {
    in.values.emplace_back("tlb_shootdowns_per_munmap", *ipis);
    flush = fmt::format("{} shootdown IPIs counted per munmap: {}", format_count(*ipis),
                        no_ipis_here ? "this host flushes them without IPIs, likely through "
                                       "the hypervisor"
                                     : "fewer than one each, likely because a CPU not running "
                                       "the process at that moment (or a vCPU its host had "
                                       "preempted) needs none");
  } else {
    flush = "likely an inter-processor interrupt each, not counted on this machine";
  }
  in.text = fmt::format(
      "Why one thread's memory management stalls the others: while another thread ran "
      "mmap/munmap in a loop, threads that only touched resident memory saw slow batches go "
      "from {} to {} a second and their p99.9 grow {}. munmap must flush the TLB of every CPU "
      "running the process ({}); per-VMA locks (Linux 6.4+) keep page faults from queueing "
      "behind mmap_lock, but not the flushes.",
      format_whole(*base), format_whole(*churn), format_ratio(*p999), flush);
  return in;
}

}  // namespace illusion::report::rules
