// Commentary rules for Lab 3.5 (scheduling and affinity): what a context switch costs. The
// direct cost of a hand-off on one CPU (futex, pipe, threads against processes), waking a
// thread on another CPU, and the indirect cost of the cache refill after a switch.
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

// The indirect cost of a switch (the cache refill after it) at least this many times its direct
// cost makes the switch "the small part" of what it costs.
constexpr double kSwitchIsSmallPart = 2.0;

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
      core::format_ns(*futex), core::format_ns(*pipe));
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
            core::format_ns(*procs), core::format_ratio(ratio));
        break;
      case 0:
        in.text += fmt::format(
            "; between two processes {}, the threads' figure within noise (±{}), so switching "
            "the address space added little here",
            core::format_ns(*procs), core::format_ns(noise));
        break;
      default:
        in.text += fmt::format("; between two processes {}, less than between the threads",
                               core::format_ns(*procs));
    }
  }
  in.text += ".";
  if (const auto syscall = p50_of(results, "syscalls.getppid_raw")) {
    in.values.emplace_back("syscall_ns", *syscall);
    in.text += fmt::format(" That is {} a bare syscall ({}).",
                           core::format_ratio(*futex / *syscall), core::format_ns(*syscall));
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
          core::format_ratio(*cross / *same), core::format_ns(*cross), core::format_ns(*same));
      break;
    case 0:
      in.text = fmt::format(
          "A hand-off between threads on different CPUs took {}, against {} on one: the same "
          "within noise (±{}), so waking another CPU cost nothing measurable here.",
          core::format_ns(*cross), core::format_ns(*same), core::format_ns(noise));
      break;
    default:
      in.text = fmt::format(
          "A hand-off between threads on different CPUs took {}, {} less than the {} on one "
          "CPU: here the other CPU was the quicker path (it may have been awake already).",
          core::format_ns(*cross), core::format_ratio(*same / *cross), core::format_ns(*same));
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
  const std::string set =
      set_bytes && *set_bytes > 0
          ? fmt::format("a {} KiB working set", core::format_sig3(*set_bytes / 1024))
          : std::string("its working set");
  const std::string reread = fmt::format(
      "re-reading {} took {} after another thread had run over its own data, against {} "
      "without a switch",
      set, core::format_ns(*after), core::format_ns(*before));
  if (!noise || !(*noise >= 0)) {
    in.text = fmt::format(
        "After a context switch, {}: {} extra (the row recorded no noise "
        "bound, so no direction is claimed).",
        reread, core::format_ns(*extra));
    return in;
  }
  in.values.emplace_back("noise_ns", *noise);
  const int dir = direction(0, *extra, *noise);
  if (dir == 0) {
    in.text = fmt::format(
        "After a context switch, {}: {} extra, within noise (±{}), so the switch left no "
        "measurable indirect cost here.",
        reread, core::format_ns(*extra), core::format_ns(*noise));
    return in;
  }
  if (dir < 0) {
    in.text = fmt::format(
        "After a context switch, {}: {} faster than without one, beyond the noise (±{}), so "
        "no indirect cost showed here.",
        reread, core::format_ns(-*extra), core::format_ns(*noise));
    return in;
  }
  // "The switch itself is the small part" needs the refill to be at least twice the direct
  // cost (the switch then at most a third of the whole): a refill barely above it makes the
  // switch about half, not a small part.
  const bool switch_smaller = ratio && *ratio >= kSwitchIsSmallPart;
  const char* lead =
      switch_smaller ? "The switch itself is the small part: " : "After a context switch, ";
  in.text = fmt::format("{}{}, {} extra (noise ±{})", lead, reread, core::format_ns(*extra),
                        core::format_ns(*noise));
  if (ratio && *ratio > 0) {
    in.values.emplace_back("ratio_to_direct_switch", *ratio);
    in.text += fmt::format(", {} the direct cost of the switch", core::format_ratio(*ratio));
  }
  in.text += ".";
  return in;
}

}  // namespace illusion::report::rules
