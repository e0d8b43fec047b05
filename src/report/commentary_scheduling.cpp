// Commentary rules for Lab 3.5 (scheduling and affinity). Each is pure and silent when an input
// is missing; each quotes the figures it was given, names a direction only when the figures
// clear a noise bound, and names a cause as fact only when the run counted it.
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <optional>
#include <string>
#include <variant>

#include "report/commentary.h"
#include "report/commentary_lookup.h"
#include "report/format.h"

namespace illusion::report::rules {

using Results = std::vector<core::Result>;
using namespace lookup;

namespace {

// The inversion's cause is counted when the holder was preempted at least this many more times
// per round with a plain mutex than with inheritance: getrusage counts whole switches, and the
// high-priority thread's own arrival is the one preemption both protocols share, so any extra
// one is the medium thread's.
constexpr double kExtraPreemptions = 0.5;
// The indirect cost of a switch (the cache refill after it) at least this many times its direct
// cost makes the switch "the small part" of what it costs.
constexpr double kSwitchIsSmallPart = 2.0;

std::string id(const char* name) {
  return std::string("scheduling.") + name;
}

std::optional<double> p50(const Results& results, const char* name) {
  return p50_of(results, id(name));
}

std::optional<double> metric(const Results& results, const char* name, const char* metric_name) {
  return metric_of(results, id(name), metric_name);
}

// A numeric parameter of an ok result (the configuration it ran with), when finite.
std::optional<double> param(const Results& results, const char* name, const char* param_name) {
  const core::Result* r = core::find_result(results, id(name));
  if (!r) return std::nullopt;
  for (const core::Param& p : r->params)
    if (p.name == param_name)
      if (const double* v = std::get_if<double>(&p.value); v && std::isfinite(*v)) return *v;
  return std::nullopt;
}

// median_bound of the rows "scheduling.<name_a>" and "scheduling.<name_b>".
double row_noise_bound(const Results& results, const char* name_a, double a, const char* name_b,
                       double b) {
  return noise_bound(results, id(name_a), a, id(name_b), b);
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
    const double ratio = *procs / *pipe;
    const double noise =
        row_noise_bound(results, "pipe_threads_same_cpu", *pipe, "pipe_procs_same_cpu", *procs);
    in.values.emplace_back("procs_vs_threads_noise_ns", noise);
    switch (direction(*pipe, *procs, noise)) {
      case 1:
        // Neither the TLB refill nor the page-table switch is counted by these rows.
        in.text += fmt::format(
            "; between two processes {}, {} the threads' switch: most likely the address "
            "space switch and its TLB refill",
            format_ns(*procs), format_ratio(ratio));
        break;
      case 0:
        in.text += fmt::format(
            "; between two processes {}, the threads' figure within noise (±{}), so switching "
            "the address space added little here",
            format_ns(*procs), format_ns(noise));
        break;
      default:
        in.text += fmt::format("; between two processes {}, less than between the threads",
                               format_ns(*procs));
    }
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
  const double noise = row_noise_bound(results, "futex_same_cpu", *same, "futex_cross_cpu", *cross);
  Insight in{"cross_cpu_wakeup",
             "",
             {{"same_cpu_ns", *same}, {"cross_cpu_ns", *cross}, {"noise_ns", noise}}};
  switch (direction(*same, *cross, noise)) {
    case 1:
      // Whether the woken CPU was idle, and how many IPIs were sent, is not counted by these
      // rows: the cause is the likely one, said as such.
      in.text = fmt::format(
          "\"Just run it on another core\" made the median hand-off {} slower: {} between two "
          "threads on different CPUs against {} on one. The likely cause: the woken CPU was "
          "idle, so each hand-off paid an inter-processor interrupt and the wait for that CPU "
          "to wake, which in a VM means the hypervisor resuming a halted vCPU (this run did "
          "not count idle states or interrupts).",
          format_ratio(*cross / *same), format_ns(*cross), format_ns(*same));
      break;
    case 0:
      in.text = fmt::format(
          "A hand-off between threads on different CPUs took {}, against {} on one: the same "
          "within noise (±{}), so waking another CPU cost nothing measurable here.",
          format_ns(*cross), format_ns(*same), format_ns(noise));
      break;
    default:
      in.text = fmt::format(
          "A hand-off between threads on different CPUs took {}, {} less than the {} on one "
          "CPU: here the other CPU was the quicker path (it may have been awake already).",
          format_ns(*cross), format_ratio(*same / *cross), format_ns(*same));
  }
  return in;
}

std::optional<Insight> switch_indirect_cost(const Results& results) {
  const auto extra = metric(results, "switch_indirect_cost", "extra_ns_per_switch");
  const auto ratio = metric(results, "switch_indirect_cost", "ratio_to_direct_switch");
  const auto before = metric(results, "switch_indirect_cost", "reread_no_switch_p50_ns");
  const auto after = metric(results, "switch_indirect_cost", "reread_after_switch_p50_ns");
  // The row's own bound: three standard errors of the difference of its medians.
  const auto noise = metric(results, "switch_indirect_cost", "noise_ns");
  if (!extra || !before || !after || !(*before > 0) || !(*after > 0)) return std::nullopt;
  Insight in{"switch_indirect_cost",
             "",
             {{"extra_ns_per_switch", *extra},
              {"reread_no_switch_ns", *before},
              {"reread_after_switch_ns", *after}}};
  // The working set's size is the row's configuration (set_bytes), said as "a ... set".
  const auto set_bytes = param(results, "switch_indirect_cost", "set_bytes");
  const std::string set = set_bytes && *set_bytes > 0
                              ? fmt::format("a {} KiB working set", format_sig3(*set_bytes / 1024))
                              : std::string("its working set");
  const std::string reread = fmt::format(
      "re-reading {} took {} after another thread had run over its own data, against {} "
      "without a switch",
      set, format_ns(*after), format_ns(*before));
  if (!noise || !(*noise >= 0)) {
    in.text = fmt::format(
        "After a context switch, {}: {} extra (the row recorded no noise "
        "bound, so no direction is claimed).",
        reread, format_ns(*extra));
    return in;
  }
  in.values.emplace_back("noise_ns", *noise);
  const int dir = direction(0, *extra, *noise);
  if (dir == 0) {
    in.text = fmt::format(
        "After a context switch, {}: {} extra, within noise (±{}), so the switch left no "
        "measurable indirect cost here.",
        reread, format_ns(*extra), format_ns(*noise));
    return in;
  }
  if (dir < 0) {
    in.text = fmt::format(
        "After a context switch, {}: {} faster than without one, beyond the noise (±{}), so "
        "no indirect cost showed here.",
        reread, format_ns(-*extra), format_ns(*noise));
    return in;
  }
  // "The switch itself is the small part" needs the refill to be at least twice the direct
  // cost (the switch then at most a third of the whole): a refill barely above it makes the
  // switch about half, not a small part.
  const bool switch_smaller = ratio && *ratio >= kSwitchIsSmallPart;
  const char* lead =
      switch_smaller ? "The switch itself is the small part: " : "After a context switch, ";
  in.text =
      fmt::format("{}{}, {} extra (noise ±{})", lead, reread, format_ns(*extra), format_ns(*noise));
  if (ratio && *ratio > 0) {
    in.values.emplace_back("ratio_to_direct_switch", *ratio);
    in.text += fmt::format(", {} the direct cost of the switch", format_ratio(*ratio));
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
  if (!fit || !over || !fit_wait || !over_wait || !threads || !(*fit > 0) || !(*over > 0) ||
      !(*threads >= 1) || *fit_wait < 0 || *over_wait < 0)
    return std::nullopt;
  Insight in{"oversubscription",
             "",
             {{"units_per_s_cores", *fit},
              {"units_per_s_4x", *over},
              {"wait_p50_ns_cores", *fit_wait},
              {"wait_p50_ns_4x", *over_wait}}};
  // Throughputs and waits are single figures per row (no spread), so the unbounded ratio.
  const int work = direction(*fit, *over, ratio_bound(*fit, *over));
  const int wait = direction(*fit_wait, *over_wait, ratio_bound(*fit_wait, *over_wait));
  const std::string within =
      fmt::format("the same within {}", format_percent(kClearlyDifferent - 1));
  in.text = fmt::format(
      "{}{} busy threads did {} the work of one per CPU ({}), while each waited {} between its "
      "slices {} {}{}.",
      work <= 0 && wait > 0 ? "More runnable threads than CPUs adds waiting, not work: " : "",
      format_whole(*threads), format_ratio(*over / *fit),
      work > 0   ? "more"
      : work < 0 ? "less"
                 : within,
      format_ns(*over_wait), wait > 0 ? "instead of" : "against", format_ns(*fit_wait),
      wait > 0   ? ""
      : wait < 0 ? " (less waiting)"
                 : fmt::format(" ({})", within));
  const auto per_cpu_s = metric(results, "cpu_bound_4x", "units_per_cpu_s");
  const auto fit_per_cpu_s = metric(results, "cpu_bound_cores", "units_per_cpu_s");
  if (per_cpu_s && fit_per_cpu_s && *per_cpu_s > 0 && *fit_per_cpu_s > 0) {
    const double r = *per_cpu_s / *fit_per_cpu_s;
    in.values.emplace_back("units_per_cpu_s_ratio", r);
    const int eff = direction(*fit_per_cpu_s, *per_cpu_s, ratio_bound(*fit_per_cpu_s, *per_cpu_s));
    in.text += fmt::format(
        " Work per CPU-second, the energy proxy where no energy counter exists, was {} of the "
        "fitted case's: {}.",
        format_ratio(r),
        eff == 0  ? fmt::format("oversubscription spent no more CPU time per unit here ({}), "
                                 "only latency",
                                within)
        : eff < 0 ? std::string("oversubscription spent more CPU time per unit of work here")
                  : std::string("oversubscription spent less CPU time per unit of work here"));
  }
  return in;
}

std::optional<Insight> pinning_tradeoffs(const Results& results) {
  const auto ratio = metric(results, "pin_two_on_one_cpu", "throughput_ratio");
  const auto idle = metric(results, "pin_two_on_one_cpu", "spare_cpu_idle_share");
  const auto wait = metric(results, "pin_two_on_one_cpu", "pinned_wait_p50_ns");
  if (!ratio || !idle || !wait || !(*ratio > 0) || *idle < 0 || *idle > 1 || *wait < 0)
    return std::nullopt;
  Insight in{"pinning_tradeoffs",
             "",
             {{"throughput_ratio", *ratio},
              {"spare_cpu_idle_share", *idle},
              {"pinned_wait_p50_ns", *wait}}};
  const int dir = direction(1, *ratio, ratio_bound(1, *ratio));
  const std::string within =
      fmt::format("the same within {}", format_percent(kClearlyDifferent - 1));
  in.text = fmt::format(
      "{}two busy threads pinned to one CPU got {} the throughput of the same two unpinned{}, "
      "each waiting {} for the other's slice, while the other CPU sat {} idle.",
      dir < 0 ? "Pinning takes the scheduler's freedom away: " : "", format_ratio(*ratio),
      dir == 0  ? fmt::format(" ({})", within)
      : dir > 0 ? " (more, so pinning cost nothing here)"
                : "",
      format_ns(*wait), format_percent(*idle));
  const auto move = metric(results, "pin_cache_hungry_free", "move_cost_ns");
  const auto migrations = metric(results, "pin_cache_hungry_free", "migrations");
  const auto first = metric(results, "pin_cache_hungry_free", "forced_move_first_walk_p50_ns");
  const auto second = metric(results, "pin_cache_hungry_free", "forced_move_second_walk_p50_ns");
  if (move && migrations && *migrations >= 0) {
    in.values.emplace_back("move_cost_ns", *move);
    in.values.emplace_back("free_migrations", *migrations);
    // move = the first walk on the new CPU - the second walk there: two medians with no
    // spread recorded, so judged by the unbounded ratio; without them, no direction at all.
    if (!first || !second || !(*first > 0) || !(*second > 0)) {
      in.text += fmt::format(
          " Moving a cache-hungry task to another CPU changed its next pass by {}; left free, "
          "it migrated {} times here.",
          format_ns(*move), format_whole(*migrations));
    } else if (direction(*second, *first, ratio_bound(*second, *first)) > 0) {
      in.text += fmt::format(
          " What pinning protects against: moving a cache-hungry task to another CPU cost its "
          "next pass {} ({} against {}), most likely refilling the cache there; left free, it "
          "migrated {} times here{}.",
          format_ns(*move), format_ns(*first), format_ns(*second), format_whole(*migrations),
          *migrations < 1 ? ", so pinning bought nothing this time" : "");
    } else {
      in.text += fmt::format(
          " Moving a cache-hungry task to another CPU left its next pass at {} against {} "
          "({}), and left free it migrated {} times: pinning had nothing measurable to "
          "protect here.",
          format_ns(*first), format_ns(*second), within, format_whole(*migrations));
    }
  }
  return in;
}

std::optional<Insight> wakeup_latency(const Results& results) {
  const auto idle = metric(results, "wakeup_idle", "max_lateness_ns");
  const auto loaded = metric(results, "wakeup_loaded", "max_lateness_ns");
  // A single wake's p99 (each sample is one wake-up), never a batch mean's.
  const auto loaded_p99 = p99_of(results, id("wakeup_loaded"));
  if (!idle || !loaded || !loaded_p99 || *idle < 0 || *loaded < 0) return std::nullopt;
  Insight in{"wakeup_latency",
             "",
             {{"idle_max_ns", *idle}, {"loaded_max_ns", *loaded}, {"loaded_p99_ns", *loaded_p99}}};
  const auto interval = param(results, "wakeup_loaded", "interval_ns");
  // The cause (CFS/EEVDF giving a waking thread its share, not the CPU) is for a loaded wake
  // clearly later than an idle one, judged on the p99s (a max is one wake; the p99 has a
  // spread) when the idle row has one, else on the worst cases; the sentence quotes the pair
  // it judged.
  const auto idle_p99 = p99_of(results, id("wakeup_idle"));
  in.text = fmt::format(
      "A thread sleeping to a {} deadline woke at worst {} late on an idle machine (p99 {}) and "
      "{} late beside busy threads (p99 {})",
      interval && *interval > 0 ? format_ns(*interval) : "periodic", format_ns(*idle),
      idle_p99 ? format_ns(*idle_p99) : std::string(kMissing), format_ns(*loaded),
      format_ns(*loaded_p99));
  const int dir =
      idle_p99
          ? direction(*idle_p99, *loaded_p99,
                      row_noise_bound(results, "wakeup_idle", *idle_p99, "wakeup_loaded", *loaded_p99))
          : direction(*idle, *loaded, ratio_bound(*idle, *loaded));
  if (idle_p99) in.values.emplace_back("idle_p99_ns", *idle_p99);
  if (dir > 0)
    in.text += ": fair scheduling gives a waking thread its share, not the CPU at once.";
  else if (dir == 0)
    in.text += ": the load made no clear difference to the wake-ups here.";
  else
    in.text += ": the idle machine woke it later, so the load was not what delayed it.";
  if (const auto fifo = metric(results, "wakeup_fifo", "max_lateness_ns"); fifo && *fifo >= 0) {
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
  if (!free_missed || !frames || !free_worst || !(*frames >= 1) || *free_missed < 0 ||
      *free_missed > *frames || !(*free_worst > 0))
    return std::nullopt;
  Insight in{"frame_loop_policies",
             "",
             {{"free_missed", *free_missed}, {"frames", *frames}, {"free_worst_ns", *free_worst}}};
  // The period and the work are the staging (params), said as such; the work as measured
  // is quoted beside it when the row has it.
  const auto period = param(results, "frames_free", "period_ns");
  const auto work_target = param(results, "frames_free", "work_target_ns");
  const auto work = metric(results, "frames_free", "work_p50_ns");
  std::string staged = "A frame loop";
  if (period && work_target && *period > 0 && *work_target > 0)
    staged = fmt::format("A frame loop staged as {} frames with {} of work{}", format_ns(*period),
                         format_ns(*work_target),
                         work && *work > 0 ? fmt::format(" ({} measured)", format_ns(*work)) : "");
  in.text = fmt::format(
      "{}, beside busy batch threads, missed {} of {} deadlines (worst frame {}) with default "
      "scheduling.",
      staged, format_whole(*free_missed), format_whole(*frames), format_ns(*free_worst));
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
    if (!missed || !worst || *missed < 0 || !(*worst > 0)) continue;
    in.values.emplace_back(std::string(r.row) + "_missed", *missed);
    remedies += fmt::format("{}{}: {} missed (worst {})", remedies.empty() ? "" : "; ", r.words,
                            format_whole(*missed), format_ns(*worst));
  }
  if (!remedies.empty()) in.text += " Against that, " + remedies + ".";
  return in;
}

std::optional<Insight> priority_inversion(const Results& results) {
  // H's wait is each row's sampled op: its median and spread are the stats.
  const auto plain = p50(results, "inversion_plain");
  const auto pi = p50(results, "inversion_pi");
  if (!plain || !pi) return std::nullopt;
  const double noise = row_noise_bound(results, "inversion_pi", *pi, "inversion_plain", *plain);
  Insight in{"priority_inversion",
             "",
             {{"plain_wait_ns", *plain}, {"pi_wait_ns", *pi}, {"noise_ns", noise}}};
  // The staging (params), said as configuration: never quoted as a measurement.
  const auto staged_section = param(results, "inversion_plain", "critical_section_staged_ns");
  const auto staged_burst = param(results, "inversion_plain", "medium_burst_staged_ns");
  in.text = "Priority inversion, staged with real-time threads on one CPU";
  if (staged_section && staged_burst)
    in.text += fmt::format(" (configured: a {} critical section, a {} medium-priority burst)",
                           format_ns(*staged_section), format_ns(*staged_burst));
  in.text +=
      fmt::format(": with a plain mutex the high-priority thread waited {}", format_ns(*plain));
  // What the rounds measured: how long the holder kept the mutex under each protocol, how
  // long the medium thread's burst ran, and how often the holder was preempted.
  const auto plain_hold = metric(results, "inversion_plain", "critical_section_held_p50_ns");
  const auto pi_hold = metric(results, "inversion_pi", "critical_section_held_p50_ns");
  const auto burst = metric(results, "inversion_plain", "medium_burst_ran_p50_ns");
  const auto plain_preempted = metric(results, "inversion_plain", "l_preemptions_while_holding");
  const auto pi_preempted = metric(results, "inversion_pi", "l_preemptions_while_holding");
  const int dir = direction(*pi, *plain, noise);
  if (plain_hold && pi_hold && *plain_hold > 0 && *pi_hold > 0) {
    in.values.emplace_back("plain_hold_ns", *plain_hold);
    in.values.emplace_back("pi_hold_ns", *pi_hold);
    in.text += fmt::format(
        ", the low-priority holder keeping the mutex {} (against {} with "
        "inheritance)",
        format_ns(*plain_hold), format_ns(*pi_hold));
  }
  if (dir > 0 && burst && *burst > 0) {
    in.values.emplace_back("medium_burst_ns", *burst);
    if (plain_preempted && pi_preempted) {
      in.values.emplace_back("plain_holder_preemptions", *plain_preempted);
      in.values.emplace_back("pi_holder_preemptions", *pi_preempted);
      if (*plain_preempted >= *pi_preempted + kExtraPreemptions)
        in.text += fmt::format(
            ", because the medium thread's burst ({} as run) preempted it: {} preemptions of "
            "the holder per round, against {} with inheritance",
            format_ns(*burst), format_count(*plain_preempted), format_count(*pi_preempted));
      else
        in.text += fmt::format(
            "; the medium thread's burst ran {}, but the holder was preempted no more often "
            "than with inheritance ({} against {} per round), so it is not shown to be the cause",
            format_ns(*burst), format_count(*plain_preempted), format_count(*pi_preempted));
    } else {
      in.text += fmt::format(
          ", most likely because the medium thread's burst ({} as run) "
          "preempted it",
          format_ns(*burst));
    }
  }
  in.text += fmt::format("; with a priority-inheritance mutex it waited {}", format_ns(*pi));
  if (dir > 0)
    in.text += fmt::format(" ({} less).", format_ratio(*plain / *pi));
  else if (dir == 0)
    in.text += fmt::format(", the same within noise (±{}): no inversion showed.", format_ns(noise));
  else
    in.text += fmt::format(", {} longer than with the plain mutex: no inversion showed.",
                           format_ratio(*pi / *plain));
  return in;
}

}  // namespace illusion::report::rules
