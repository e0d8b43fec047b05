// Commentary rules for Lab 3.5 (scheduling and affinity). Each is pure and silent when an input
// is missing; each quotes the figures it was given.
#include <fmt/format.h>

#include "report/commentary.h"
#include "report/commentary_lookup.h"
#include "report/format.h"

namespace illusion::report::rules {

using Results = std::vector<core::Result>;
using namespace lookup;

namespace {

std::string id(const char* name) {
  return std::string("scheduling.") + name;
}

std::optional<double> p50(const Results& results, const char* name) {
  return p50_of(results, id(name));
}

std::optional<double> metric(const Results& results, const char* name, const char* metric_name) {
  return metric_of(results, id(name), metric_name);
}

}  // namespace

std::optional<Insight> context_switch_cost(const Results& results) {
  const auto futex = p50(results, "futex_same_cpu");
  const auto pipe = p50(results, "pipe_threads_same_cpu");
  const auto procs = p50(results, "pipe_procs_same_cpu");
  if (!futex || !pipe) return std::nullopt;
  Insight in{"context_switch_cost", "", {{"futex_switch_ns", *futex}, {"pipe_switch_ns", *pipe}}};
  in.text = fmt::format(
      "A context switch on one CPU cost {} through a futex and {} through a pipe, after "
      "subtracting the hand-off's own syscall work",
      format_ns(*futex), format_ns(*pipe));
  if (procs) {
    in.values.emplace_back("pipe_procs_switch_ns", *procs);
    const double extra = *procs / *pipe;
    in.text += fmt::format("; between two processes {}{}", format_ns(*procs),
                           extra < 1.2 ? ", so switching the address space added little here"
                                       : fmt::format(", {} the threads' switch: the address "
                                                     "space switch and its TLB refill",
                                                     format_ratio(extra)));
  }
  in.text += ".";
  if (const auto syscall = p50_of(results, "syscalls.getppid_raw")) {
    in.values.emplace_back("syscall_ns", *syscall);
    in.text += fmt::format(" That is {} a bare syscall ({}).", format_ratio(*futex / *syscall),
                           format_ns(*syscall));
  }
  return in;
}

std::optional<Insight> cross_cpu_wakeup(const Results& results) {
  const auto same = p50(results, "futex_same_cpu");
  const auto cross = p50(results, "futex_cross_cpu");
  if (!same || !cross) return std::nullopt;
  Insight in{"cross_cpu_wakeup", "", {{"same_cpu_ns", *same}, {"cross_cpu_ns", *cross}}};
  in.text = fmt::format(
      "\"Just run it on another core\" made every hand-off {} slower: {} between two threads "
      "on different CPUs against {} on one. The woken CPU was idle, so each hand-off paid an "
      "inter-processor interrupt and the wait for that CPU to wake, which in a VM means the "
      "hypervisor resuming a halted vCPU.",
      format_ratio(*cross / *same), format_ns(*cross), format_ns(*same));
  return in;
}

std::optional<Insight> switch_indirect_cost(const Results& results) {
  const auto extra = metric(results, "switch_indirect_cost", "extra_ns_per_switch");
  const auto ratio = metric(results, "switch_indirect_cost", "ratio_to_direct_switch");
  const auto before = metric(results, "switch_indirect_cost", "reread_no_switch_p50_ns");
  const auto after = metric(results, "switch_indirect_cost", "reread_after_switch_p50_ns");
  if (!extra || !before || !after) return std::nullopt;
  Insight in{"switch_indirect_cost",
             "",
             {{"extra_ns_per_switch", *extra},
              {"reread_no_switch_ns", *before},
              {"reread_after_switch_ns", *after}}};
  in.text = fmt::format(
      "The switch itself is the small part: re-reading a 256 KiB working set took {} after "
      "another thread had run and filled the caches, against {} without a switch, {} extra",
      format_ns(*after), format_ns(*before), format_ns(*extra));
  if (ratio) {
    in.values.emplace_back("ratio_to_direct_switch", *ratio);
    in.text += fmt::format(" ({} the direct cost of the switch)", format_ratio(*ratio));
  }
  in.text += ".";
  return in;
}

std::optional<Insight> oversubscription(const Results& results) {
  const auto fit = metric(results, "cpu_bound_cores", "units_per_s");
  const auto over = metric(results, "cpu_bound_4x", "units_per_s");
  const auto fit_wait = metric(results, "cpu_bound_cores", "wait_p50_ns");
  const auto over_wait = metric(results, "cpu_bound_4x", "wait_p50_ns");
  const auto threads = metric(results, "cpu_bound_4x", "threads");
  if (!fit || !over || !fit_wait || !over_wait || !threads || *fit <= 0) return std::nullopt;
  Insight in{"oversubscription",
             "",
             {{"units_per_s_cores", *fit},
              {"units_per_s_4x", *over},
              {"wait_p50_ns_cores", *fit_wait},
              {"wait_p50_ns_4x", *over_wait}}};
  in.text = fmt::format(
      "More runnable threads than CPUs adds waiting, not work: {} busy threads did {} the work "
      "of one per CPU, while each waited {} between its slices instead of {}.",
      format_whole(*threads), format_ratio(*over / *fit), format_ns(*over_wait),
      format_ns(*fit_wait));
  if (const auto per_cpu_s = metric(results, "cpu_bound_4x", "units_per_cpu_s")) {
    if (const auto fit_per_cpu_s = metric(results, "cpu_bound_cores", "units_per_cpu_s")) {
      in.values.emplace_back("units_per_cpu_s_ratio", *per_cpu_s / *fit_per_cpu_s);
      in.text += fmt::format(
          " Work per CPU-second, the energy proxy where no energy counter exists, was {} of "
          "the fitted case's: oversubscription spends no more energy per unit here, only "
          "latency.",
          format_ratio(*per_cpu_s / *fit_per_cpu_s));
    }
  }
  return in;
}

std::optional<Insight> pinning_tradeoffs(const Results& results) {
  const auto ratio = metric(results, "pin_two_on_one_cpu", "throughput_ratio");
  const auto idle = metric(results, "pin_two_on_one_cpu", "spare_cpu_idle_share");
  const auto wait = metric(results, "pin_two_on_one_cpu", "pinned_wait_p50_ns");
  if (!ratio || !idle || !wait) return std::nullopt;
  Insight in{"pinning_tradeoffs",
             "",
             {{"throughput_ratio", *ratio},
              {"spare_cpu_idle_share", *idle},
              {"pinned_wait_p50_ns", *wait}}};
  in.text = fmt::format(
      "Pinning takes the scheduler's freedom away: two busy threads pinned to one CPU got {} "
      "the throughput of the same two unpinned, each waiting {} for the other's slice, while "
      "the other CPU sat {} idle.",
      format_ratio(*ratio), format_ns(*wait), format_percent(*idle));
  const auto move = metric(results, "pin_cache_hungry_free", "move_cost_ns");
  const auto migrations = metric(results, "pin_cache_hungry_free", "migrations");
  if (move && migrations) {
    in.values.emplace_back("move_cost_ns", *move);
    in.values.emplace_back("free_migrations", *migrations);
    in.text += fmt::format(
        " What pinning protects against: moving a cache-hungry task to another CPU cost its "
        "next pass {} to refill the cache; left free, it migrated {} times here{}.",
        format_ns(*move), format_whole(*migrations),
        *migrations < 1 ? ", so pinning bought nothing this time" : "");
  }
  return in;
}

std::optional<Insight> wakeup_latency(const Results& results) {
  const auto idle = metric(results, "wakeup_idle", "max_lateness_ns");
  const auto loaded = metric(results, "wakeup_loaded", "max_lateness_ns");
  const auto loaded_p99 = p99_of(results, id("wakeup_loaded"));
  if (!idle || !loaded || !loaded_p99) return std::nullopt;
  Insight in{"wakeup_latency",
             "",
             {{"idle_max_ns", *idle}, {"loaded_max_ns", *loaded}, {"loaded_p99_ns", *loaded_p99}}};
  in.text = fmt::format(
      "A thread sleeping to a 1 ms deadline woke at worst {} late on an idle machine and {} "
      "late beside busy threads (p99 {}): fair scheduling gives a waking thread its share, "
      "not the CPU at once.",
      format_ns(*idle), format_ns(*loaded), format_ns(*loaded_p99));
  if (const auto fifo = metric(results, "wakeup_fifo", "max_lateness_ns")) {
    in.values.emplace_back("fifo_max_ns", *fifo);
    in.text +=
        fmt::format(" As SCHED_FIFO, beside the same load, its worst was {}.", format_ns(*fifo));
  }
  return in;
}

std::optional<Insight> frame_loop_policies(const Results& results) {
  const auto free_missed = metric(results, "frames_free", "missed_deadlines");
  const auto frames = metric(results, "frames_free", "frames");
  const auto free_worst = metric(results, "frames_free", "worst_frame_ns");
  if (!free_missed || !frames || !free_worst) return std::nullopt;
  Insight in{"frame_loop_policies",
             "",
             {{"free_missed", *free_missed}, {"frames", *frames}, {"free_worst_ns", *free_worst}}};
  in.text = fmt::format(
      "A 5 ms frame loop with 1 ms of work beside busy batch threads missed {} of {} deadlines "
      "(worst frame {}) with default scheduling.",
      format_whole(*free_missed), format_whole(*frames), format_ns(*free_worst));
  struct Remedy {
    const char* row;
    const char* words;
  };
  static constexpr Remedy kRemedies[] = {{"frames_pinned", "pinned apart from the batch"},
                                         {"frames_batch_idle", "with the batch SCHED_IDLE"},
                                         {"frames_nice", "with the batch at nice 19"},
                                         {"frames_fifo", "as SCHED_FIFO"}};
  std::string remedies;
  for (const Remedy& r : kRemedies) {
    const auto missed = metric(results, r.row, "missed_deadlines");
    const auto worst = metric(results, r.row, "worst_frame_ns");
    if (!missed || !worst) continue;
    in.values.emplace_back(std::string(r.row) + "_missed", *missed);
    remedies += fmt::format("{}{}: {} missed (worst {})", remedies.empty() ? "" : "; ", r.words,
                            format_whole(*missed), format_ns(*worst));
  }
  if (!remedies.empty()) in.text += " Against that, " + remedies + ".";
  return in;
}

std::optional<Insight> priority_inversion(const Results& results) {
  const auto plain = metric(results, "inversion_plain", "h_wait_p50_ns");
  const auto pi = metric(results, "inversion_pi", "h_wait_p50_ns");
  const auto section = metric(results, "inversion_pi", "critical_section_ns");
  const auto burst = metric(results, "inversion_plain", "medium_work_ns");
  if (!plain || !pi || !section || !burst || *pi <= 0) return std::nullopt;
  Insight in{"priority_inversion",
             "",
             {{"plain_wait_ns", *plain},
              {"pi_wait_ns", *pi},
              {"critical_section_ns", *section},
              {"medium_burst_ns", *burst}}};
  in.text = fmt::format(
      "Priority inversion, staged with real-time threads on one CPU: the high-priority thread "
      "waited {} for a mutex whose holder needed only {}, because a medium-priority thread's "
      "{} burst preempted the holder; with a priority-inheritance mutex it waited {} ({} "
      "less).",
      format_ns(*plain), format_ns(*section), format_ns(*burst), format_ns(*pi),
      format_ratio(*plain / *pi));
  return in;
}

}  // namespace illusion::report::rules
