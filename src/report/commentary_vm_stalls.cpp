// Commentary rules for Lab 3.3 (virtual memory and page faults): when memory management stalls
// the work that has a deadline. Faults taken inside a 90 Hz frame, and one thread's mmap/munmap
// churn slowing the threads that only touch resident memory. Each is pure and silent when an
// input is missing or unusable (a zero or negative figure); each quotes the figures it was given.
//
// Every direction ("faster", "fewer", "raised") is said only when the figures differ beyond a
// named bound, and turned around or called "within" the bound otherwise. A cause is stated as
// fact only when the run counted it (faults per page, the huge-page fraction, RSS growth,
// shootdown IPIs); otherwise the sentence says it is the likely one.
#include <fmt/format.h>

#include <cctype>
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

// At least this many more slow batches a second count as a rise even from a zero baseline.
constexpr double kMinExtraSlowPerS = 1;

}  // namespace

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
        "In the 90 Hz frame loop, {} first-touch faults per frame raised the worst frame "
        "(scheduled start to done) from {} (memory prefaulted) to {} of the 11.1 ms budget, "
        "with {} missed deadlines.",
        core::format_whole(*faults), core::format_ns(*worst_pre * 1e6),
        core::format_ns(*worst * 1e6), core::format_whole(*missed));
  else
    in.text = fmt::format(
        "In the 90 Hz frame loop, {} first-touch faults per frame left the worst frame "
        "(scheduled start to done) at {} against {} with memory prefaulted ({}), of the 11.1 ms "
        "budget, with {} missed deadlines.",
        core::format_whole(*faults), core::format_ns(*worst * 1e6),
        core::format_ns(*worst_pre * 1e6),
        d == 0 ? within_ratio() : std::string("less"), core::format_whole(*missed));
  if (const auto fill = metric_of(results, "vm.frame_loop_faults", "faults_to_fill_frame");
      fill && *fill > 0) {
    in.values.emplace_back("faults_to_fill_frame", *fill);
    in.text +=
        fmt::format(" About {} such faults would fill a whole frame.", core::format_whole(*fill));
  }
  const auto major = metric_of(results, "vm.frame_loop_faults", "major_fault_frame_ms");
  const auto majors = metric_of(results, "vm.frame_loop_faults", "major_faults_in_frame");
  // The frame is described as a major fault's only when one was counted in it (or the count is
  // absent, from an older run).
  // Its work against a prefaulted frame's mean work (both the frame's own work, not the span
  // from its scheduled start that "worst frame" measures).
  const auto mean_pre = metric_of(results, "vm.frame_loop_faults", "mean_work_ms_prefaulted");
  if (major && *major > 0 && mean_pre && *mean_pre > 0 && (!majors || *majors >= 1)) {
    in.values.emplace_back("major_fault_frame_ms", *major);
    in.values.emplace_back("mean_work_ms_prefaulted", *mean_pre);
    in.text += positive_direction(*mean_pre, *major, ratio_bound(*mean_pre, *major)) > 0
                   ? fmt::format(
                         " The work of a frame that took one major fault lasted {} against {} "
                         "for a prefaulted frame on average: the thread sleeps on the device, "
                         "and that is why XR runtimes lock and prefault their memory and keep "
                         "file IO off the frame thread.",
                         core::format_ns(*major * 1e6), core::format_ns(*mean_pre * 1e6))
                   : fmt::format(
                         " The work of a frame that took one major fault lasted {}, no longer "
                         "than a prefaulted frame's {} on average: the file page was likely "
                         "served by a cache below this kernel.",
                         core::format_ns(*major * 1e6), core::format_ns(*mean_pre * 1e6));
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
  const std::string tail_words =
      tail > 0   ? "grow " + core::format_ratio(*p999)
      : tail < 0 ? "shrink to " + core::format_ratio(*p999)
                 : "stay " + within_ratio() + " (" + core::format_ratio(*p999) + ")";
  const std::string observed = fmt::format(
      "while another thread ran mmap/munmap in a loop, threads that only touched resident memory "
      "saw slow batches go from {} to {} a second and their p99.9 {}",
      core::format_whole(*base), core::format_whole(*churn), tail_words);
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
        core::format_count(*ipis));
  } else if (ipis && *ipis >= 0) {
    in.values.emplace_back("tlb_shootdowns_per_munmap", *ipis);
    cause = fmt::format(
        "the likely cause is munmap's TLB flush on every CPU running the process ({} shootdown "
        "IPIs counted per munmap: {})",
        core::format_count(*ipis),
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
