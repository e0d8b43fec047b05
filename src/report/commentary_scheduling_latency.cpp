// Commentary rules for Lab 3.5 (scheduling and affinity): whether a thread with a deadline
// runs when it should. Wake-up lateness beside busy threads, a frame loop under the
// scheduling policies that protect it, and priority inversion with and without inheritance.
// Each is pure and silent when an input is missing; each quotes the figures it was given,
// names a direction only when the figures clear a noise bound, and names a cause as fact
// only when the run counted it.
#include <fmt/format.h>

#include <optional>
#include <string>

#include "core/format.h"
#include "report/commentary.h"
#include "report/commentary_lookup.h"
#include "report/commentary_scheduling_rows.h"

namespace illusion::report::rules {

using Results = std::vector<core::Result>;
using namespace lookup;
using namespace scheduling_rows;

namespace {

// The inversion's cause is counted when the holder was preempted at least this many more times
// per round with a plain mutex than with inheritance: getrusage counts whole switches, and the
// high-priority thread's own arrival is the one preemption both protocols share, so any extra
// one is the medium thread's.
constexpr double kExtraPreemptions = 0.5;

}  // namespace

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
      interval && *interval > 0 ? core::format_ns(*interval) : "periodic", core::format_ns(*idle),
      idle_p99 ? core::format_ns(*idle_p99) : std::string(core::kMissing), core::format_ns(*loaded),
      core::format_ns(*loaded_p99));
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
    in.text += fmt::format(" As SCHED_FIFO, beside the same load, its worst was {}.",
                           core::format_ns(*fifo));
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
    staged =
        fmt::format("A frame loop staged as {} frames with {} of work{}", core::format_ns(*period),
                    core::format_ns(*work_target),
                    work && *work > 0 ? fmt::format(" ({} measured)", core::format_ns(*work)) : "");
  in.text = fmt::format(
      "{}, beside busy batch threads, missed {} of {} deadlines (worst frame {}) with default "
      "scheduling.",
      staged, core::format_whole(*free_missed), core::format_whole(*frames),
      core::format_ns(*free_worst));
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
                            core::format_whole(*missed), core::format_ns(*worst));
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
                           core::format_ns(*staged_section), core::format_ns(*staged_burst));
  in.text += fmt::format(": with a plain mutex the high-priority thread waited {}",
                         core::format_ns(*plain));
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
        core::format_ns(*plain_hold), core::format_ns(*pi_hold));
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
            core::format_ns(*burst), core::format_count(*plain_preempted),
            core::format_count(*pi_preempted));
      else
        in.text += fmt::format(
            "; the medium thread's burst ran {}, but the holder was preempted no more often "
            "than with inheritance ({} against {} per round), so it is not shown to be the cause",
            core::format_ns(*burst), core::format_count(*plain_preempted),
            core::format_count(*pi_preempted));
    } else {
      in.text += fmt::format(
          ", most likely because the medium thread's burst ({} as run) "
          "preempted it",
          core::format_ns(*burst));
    }
  }
  in.text += fmt::format("; with a priority-inheritance mutex it waited {}", core::format_ns(*pi));
  if (dir > 0)
    in.text += fmt::format(" ({} less).", core::format_ratio(*plain / *pi));
  else if (dir == 0)
    in.text +=
        fmt::format(", the same within noise (±{}): no inversion showed.", core::format_ns(noise));
  else
    in.text += fmt::format(", {} longer than with the plain mutex: no inversion showed.",
                           core::format_ratio(*pi / *plain));
  return in;
}

}  // namespace illusion::report::rules
