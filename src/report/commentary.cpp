#include "report/commentary.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "core/format.h"
#include "report/budget.h"
#include "report/commentary_lookup.h"

namespace illusion::report {
using Results = std::vector<core::Result>;
using namespace lookup;

namespace {

// A syscall per call at or above this means clock_gettime entered the kernel: the vDSO fell
// back to the real system call. A working vDSO enters it never (0), so half is a wide margin.
constexpr double kFallbackSyscallsPerCall = 0.5;

}  // namespace

namespace rules {

std::optional<Insight> syscall_vs_call(const Results& results) {
  const auto call = p50_of(results, "syscalls.function_call");
  const auto sys = p50_of(results, "syscalls.getppid_raw");
  if (!call || !sys) return std::nullopt;
  const double ratio = *sys / *call;
  const double noise =
      noise_bound(results, "syscalls.function_call", *call, "syscalls.getppid_raw", *sys);
  Insight in{
      "syscall_vs_call",
      "",
      {{"syscall_p50_ns", *sys}, {"call_p50_ns", *call}, {"ratio", ratio}, {"noise_ns", noise}}};
  switch (direction(*call, *sys, noise)) {
    case 1: {
      std::string times = core::format_ratio(ratio);
      times.pop_back();  // "95x" -> "95": the sentence says "function calls"
      // The entry path is what the two rows differ by; which speculation mitigations it runs
      // is the environment's to say (illusion env), not something a result shows.
      in.text = fmt::format(
          "A system call costs about {} function calls: getppid through syscall(2) takes {} at "
          "the median, a plain function call {}. The difference is the round trip into the "
          "kernel: the mode switch, the entry code that saves and restores registers, and any "
          "speculation mitigations this kernel applies on the way (illusion env lists them).",
          times, core::format_ns(*sys), core::format_ns(*call));
      break;
    }
    case 0:
      in.text = fmt::format(
          "getppid through syscall(2) took {} at the median and a plain function call {}: {}, "
          "so this run could not tell the kernel's round trip from a call.",
          core::format_ns(*sys), core::format_ns(*call), within_noise(noise, "ns"));
      break;
    default:
      in.text = fmt::format(
          "getppid through syscall(2) took {} at the median, less than the {} of a plain "
          "function call: the opposite of what entering the kernel should cost, so one of the "
          "two rows is suspect (see its warnings).",
          core::format_ns(*sys), core::format_ns(*call));
  }
  if (const auto glibc = p50_of(results, "syscalls.getppid_glibc")) {
    in.text +=
        fmt::format(" Through glibc's getppid() wrapper it takes {}.", core::format_ns(*glibc));
    in.values.emplace_back("glibc_p50_ns", *glibc);
  }
  return in;
}

std::optional<Insight> vdso_vs_syscall(const Results& results) {
  const auto vdso = p50_of(results, "syscalls.vdso_clock_gettime");
  const auto sys = p50_of(results, "syscalls.getppid_raw");
  if (!vdso || !sys) return std::nullopt;
  const auto entered = counter_of(results, "syscalls.vdso_clock_gettime", "syscalls");
  Insight in{"vdso_vs_syscall", "", {{"vdso_p50_ns", *vdso}, {"syscall_p50_ns", *sys}}};
  if (entered && *entered >= kFallbackSyscallsPerCall) {
    in.values.emplace_back("syscalls_per_call", *entered);
    in.text = fmt::format(
        "clock_gettime entered the kernel here: perf counted {} syscalls per call, so the vDSO "
        "fell back to a real system call (most likely a clocksource user space cannot read). "
        "It costs {}, against {} for getppid.",
        core::format_count(*entered), core::format_ns(*vdso), core::format_ns(*sys));
    return in;
  }
  const double ratio = *sys / *vdso;
  const double noise =
      noise_bound(results, "syscalls.vdso_clock_gettime", *vdso, "syscalls.getppid_raw", *sys);
  in.values.emplace_back("ratio", ratio);
  in.values.emplace_back("noise_ns", noise);
  // The cause (no kernel entry) is stated as fact only when perf counted it.
  const std::string stays =
      entered ? "because it stays in user space" : "most likely because it stays in user space";
  switch (direction(*sys, *vdso, noise)) {
    case -1:
      in.text = fmt::format(
          "clock_gettime takes {}, {} cheaper than a getppid syscall ({}), {}: the kernel maps "
          "its clock data into every process (the vDSO) and the time is computed there.",
          core::format_ns(*vdso), core::format_ratio(ratio), core::format_ns(*sys), stays);
      break;
    case 0:
      in.text = fmt::format(
          "clock_gettime took {} and a getppid syscall {}: {}, so the vDSO saved nothing "
          "measurable here.",
          core::format_ns(*vdso), core::format_ns(*sys), within_noise(noise, "ns"));
      break;
    default:
      in.text = fmt::format(
          "clock_gettime took {}, more than a getppid syscall ({}): the vDSO did not make it "
          "cheaper here.",
          core::format_ns(*vdso), core::format_ns(*sys));
  }
  if (entered) {
    in.values.emplace_back("syscalls_per_call", *entered);
    in.text += fmt::format(" perf counted {} syscalls per call.", core::format_count(*entered));
  } else {
    in.text += " (Not verified by counting: the syscall counter was unavailable.)";
  }
  return in;
}

std::optional<Insight> fast_vs_slow_path(const Results& results) {
  const auto ebadf = p50_of(results, "syscalls.close_ebadf");
  const auto open_close = p50_of(results, "syscalls.open_close");
  if (!ebadf || !open_close) return std::nullopt;
  const double ratio = *open_close / *ebadf;
  const double extra = *open_close - *ebadf;
  const double noise =
      noise_bound(results, "syscalls.close_ebadf", *ebadf, "syscalls.open_close", *open_close);
  Insight in{"fast_vs_slow_path",
             "",
             {{"ebadf_p50_ns", *ebadf},
              {"open_close_p50_ns", *open_close},
              {"ratio", ratio},
              {"extra_ns", extra},
              {"noise_ns", noise}}};
  in.text = fmt::format(
      "close(-1), rejected with EBADF right after entry, costs {}: the bare price of entering "
      "and leaving the kernel. ",
      core::format_ns(*ebadf));
  switch (direction(*ebadf, *open_close, noise)) {
    case 1:
      in.text += fmt::format(
          "open+close of a file costs {} ({} as much); the other {} is the work behind the "
          "calls: path lookup, permission checks, allocating a file descriptor.",
          core::format_ns(*open_close), core::format_ratio(ratio), core::format_ns(extra));
      break;
    case 0:
      in.text += fmt::format(
          "open+close of a file cost {}, the same {}: the path lookup and descriptor work "
          "did not show above the entry cost here.",
          core::format_ns(*open_close), within_noise(noise, "ns"));
      break;
    default:
      in.text += fmt::format(
          "open+close of a file cost {}, less than that, which two calls with more work "
          "cannot be: one of the rows is suspect (see its warnings).",
          core::format_ns(*open_close));
  }
  if (const auto stat = p50_of(results, "syscalls.stat")) {
    in.values.emplace_back("stat_p50_ns", *stat);
    in.text += fmt::format(" stat(), a path lookup without a descriptor, costs {}.",
                           core::format_ns(*stat));
  }
  return in;
}

std::optional<Insight> syscall_in_loop(const Results& results) {
  const auto every1 = metric_of(results, "syscalls.loop_every_1", "slowdown_vs_pure");
  const auto every1000 = metric_of(results, "syscalls.loop_every_1000", "slowdown_vs_pure");
  if (!every1 || !every1000 || !(*every1 > 0) || !(*every1000 > 0)) return std::nullopt;
  Insight in{
      "syscall_in_loop", "", {{"slowdown_every_1", *every1}, {"slowdown_every_1000", *every1000}}};
  // Each slowdown is a ratio of two rows' medians: judged against the noise of those rows
  // (as a fraction of the pure loop's median) when both are here, else by the ratio alone.
  const auto pure = p50_of(results, "syscalls.loop_pure");
  auto judged = [&](double slowdown, const char* id) {
    const auto loop = p50_of(results, id);
    const double noise = pure && loop
                             ? noise_bound(results, "syscalls.loop_pure", *pure, id, *loop) / *pure
                             : kClearlyDifferent - 1;
    const int dir = direction(1, slowdown, noise);
    if (dir > 0) return fmt::format("{} slower", core::format_ratio(slowdown));
    if (dir < 0)
      return fmt::format("{} faster (the opposite of a cost)", core::format_ratio(1 / slowdown));
    return fmt::format("no slower ({}, within noise of ±{})", core::format_ratio(slowdown),
                       core::format_percent(noise));
  };
  in.text = fmt::format(
      "A loop that makes a syscall on every iteration ran {} than the same loop without one; "
      "with a syscall every 1000 iterations it ran {}.",
      judged(*every1, "syscalls.loop_every_1"), judged(*every1000, "syscalls.loop_every_1000"));
  const auto direct = metric_of(results, "syscalls.loop_every_1", "direct_cost_ns_per_iter");
  const auto indirect = metric_of(results, "syscalls.loop_every_1", "indirect_cost_ns_per_iter");
  if (direct && indirect && *direct > 0) {
    in.values.emplace_back("direct_ns_per_iter", *direct);
    in.values.emplace_back("indirect_ns_per_iter", *indirect);
    // indirect = loop_every_1 - loop_pure - getppid_raw: three medians, three errors. The row
    // writes their bound; a row from an older file does not, and it is computed here alike.
    double noise = NAN;
    if (const auto written =
            metric_of(results, "syscalls.loop_every_1", "indirect_noise_ns_per_iter")) {
      noise = *written;
    } else {
      const core::Result* loop = core::find_result(results, "syscalls.loop_every_1");
      const core::Result* pure_row = core::find_result(results, "syscalls.loop_pure");
      const core::Result* sys = core::find_result(results, "syscalls.getppid_raw");
      auto se = [](const core::Result* r) {
        return r && r->stats ? core::median_standard_error(r->stats->mad, r->stats->n) : NAN;
      };
      noise = core::difference_noise_bound({se(loop), se(pure_row), se(sys)});
    }
    if (std::isfinite(noise)) in.values.emplace_back("indirect_noise_ns_per_iter", noise);
    const bool above_noise = std::isfinite(noise) ? *indirect > noise : *indirect > 0;
    if (above_noise) {
      const double share = *indirect / (*direct + *indirect);
      in.values.emplace_back("indirect_share", share);
      in.text += fmt::format(
          " Per iteration, {} is the syscall itself and {} ({} of the extra{}) is indirect: "
          "most likely cache lines, TLB entries and branch history the kernel displaced, paid "
          "for by the user code that runs next.",
          core::format_ns(*direct), core::format_ns(*indirect), core::format_percent(share),
          std::isfinite(noise) ? fmt::format("; noise ±{}", core::format_ns(noise)) : "");
    } else if (*indirect >= 0 || (std::isfinite(noise) && *indirect >= -noise)) {
      in.text += fmt::format(
          " Subtracting the pure loop and the syscall's own cost ({}) leaves {} per iteration, "
          "{}: no indirect cost was measurable.",
          core::format_ns(*direct), core::format_ns(*indirect),
          std::isfinite(noise) ? within_noise(noise, "ns") : "no noise bound available");
    } else {
      // A subtraction below zero is not a gain: say what it means instead of clamping it away.
      in.text += fmt::format(
          " Subtracting the pure loop and the syscall's own cost ({}) leaves {} per "
          "iteration: below zero{}, so on this machine the cache and TLB pollution a syscall "
          "leaves behind is smaller than the overlap the CPU finds between the loop's work "
          "and the syscall, and no indirect share can be given.",
          core::format_ns(*direct), core::format_ns(*indirect),
          std::isfinite(noise) ? fmt::format(" beyond the noise (±{})", core::format_ns(noise))
                               : " (no noise bound available)");
    }
  }
  return in;
}

// "Reading in 4 KiB calls ... {} cheaper per byte, because ..." and the uring sentence share
// this: a cheaper-per-unit claim from two rows' medians, and its cause from syscall counts.
struct PerUnit {
  int dir;       // of `many` against `one`: -1 cheaper, 0 within noise, +1 dearer
  double noise;  // in the rows' unit
};

PerUnit per_unit(const Results& results, const std::string& id_one, double one,
                 const std::string& id_many, double many) {
  const double noise = noise_bound(results, id_one, one, id_many, many);
  return {direction(one, many, noise), noise};
}

std::optional<Insight> amortisation(const Results& results) {
  const auto small = p50_of(results, "syscalls.read_4k");
  const auto large = p50_of(results, "syscalls.read_1m");
  const std::string unit = unit_of(results, "syscalls.read_4k");
  if (!small || !large || unit != unit_of(results, "syscalls.read_1m")) return std::nullopt;
  const double ratio = *small / *large;
  const PerUnit cmp = per_unit(results, "syscalls.read_4k", *small, "syscalls.read_1m", *large);
  Insight in{
      "amortisation",
      "",
      {{"read_4k_p50", *small}, {"read_1m_p50", *large}, {"ratio", ratio}, {"noise", cmp.noise}}};
  const auto calls_small = metric_of(results, "syscalls.read_4k", "syscalls_per_mib");
  const auto calls_large = metric_of(results, "syscalls.read_1m", "syscalls_per_mib");
  std::string small_calls, large_calls;
  // The cause (fewer calls for the same bytes) is stated as fact only when the rows say how
  // many calls each made per MiB and the large reads made fewer.
  bool fewer_calls = false;
  if (calls_small && calls_large) {
    in.values.emplace_back("read_4k_syscalls_per_mib", *calls_small);
    in.values.emplace_back("read_1m_syscalls_per_mib", *calls_large);
    small_calls = fmt::format(" ({} syscalls per MiB)", core::format_count(*calls_small));
    large_calls = fmt::format(" ({} per MiB)", core::format_count(*calls_large));
    fewer_calls = *calls_large < *calls_small;
  }
  in.text = fmt::format("Reading in 4 KiB calls costs {}{}; in 1 MiB calls it costs {}{}",
                        core::format_value(*small, unit), small_calls,
                        core::format_value(*large, unit), large_calls);
  if (cmp.dir < 0) {
    in.text += fmt::format(
        ": {} cheaper per byte, {} the fixed cost of each call is spread "
        "over more data.",
        core::format_ratio(ratio), fewer_calls ? "because" : "most likely because");
  } else if (cmp.dir == 0) {
    in.text += fmt::format(": the same per byte {}, so the per-call cost did not show here.",
                           within_noise(cmp.noise, unit));
  } else {
    in.text += fmt::format(
        ": {} dearer per byte in the large calls, so fewer calls did not pay "
        "here.",
        core::format_ratio(1 / ratio));
  }
  return in;
}

std::optional<Insight> uring_batching(const Results& results) {
  const auto one = p50_of(results, "syscalls.uring_batch_1");
  const auto many = p50_of(results, "syscalls.uring_batch_64");
  const std::string unit = unit_of(results, "syscalls.uring_batch_1");
  if (!one || !many || unit != unit_of(results, "syscalls.uring_batch_64")) return std::nullopt;
  const double ratio = *one / *many;
  const PerUnit cmp =
      per_unit(results, "syscalls.uring_batch_1", *one, "syscalls.uring_batch_64", *many);
  Insight in{
      "uring_batching",
      "",
      {{"batch_1_p50", *one}, {"batch_64_p50", *many}, {"ratio", ratio}, {"noise", cmp.noise}}};
  const auto calls_one = metric_of(results, "syscalls.uring_batch_1", "syscalls_per_mib");
  const auto calls_many = metric_of(results, "syscalls.uring_batch_64", "syscalls_per_mib");
  const bool fewer_calls = calls_one && calls_many && *calls_many < *calls_one;
  in.text = fmt::format(
      "io_uring with 64 reads per submission costs {}, against {} with one per "
      "submission",
      core::format_value(*many, unit), core::format_value(*one, unit));
  if (cmp.dir < 0) {
    in.text += fmt::format(
        ": {} cheaper, {} one io_uring_enter(2) carries 64 requests into the "
        "kernel.",
        core::format_ratio(ratio), fewer_calls ? "because" : "most likely because");
  } else if (cmp.dir == 0) {
    in.text += fmt::format(": the same {}, so batching saved nothing measurable here.",
                           within_noise(cmp.noise, unit));
  } else {
    in.text += fmt::format(": batching made it {} dearer here.", core::format_ratio(1 / ratio));
  }
  if (calls_one && calls_many) {
    in.values.emplace_back("batch_1_syscalls_per_mib", *calls_one);
    in.values.emplace_back("batch_64_syscalls_per_mib", *calls_many);
    in.text += fmt::format(" Syscalls per MiB: {} against {}.", core::format_count(*calls_many),
                           core::format_count(*calls_one));
  }
  return in;
}

std::optional<Insight> frame_budget(const Results& results) {
  const auto p50 = p50_of(results, "syscalls.getppid_raw");
  if (!p50) return std::nullopt;
  // A single call's p99 only (lookup::p99_of): a batched row's p99 of batch means would promise
  // more calls than a frame can count on. Without one, the budget is the median's alone.
  const auto p99 = p99_of(results, "syscalls.getppid_raw");
  const BudgetCell cell = budget_cell(kReferenceFrameHz, *p50, p99 ? *p99 : NAN);
  if (!std::isfinite(cell.fit_1pct_p50)) return std::nullopt;
  const double budget_ns = cell.period_ns * kBudgetShare;
  Insight in{
      "frame_budget",
      "",
      {{"hz", kReferenceFrameHz}, {"budget_ns", budget_ns}, {"fit_1pct_p50", cell.fit_1pct_p50}}};
  in.text = fmt::format(
      "In 1% of a {} frame ({} of {}) a real-time loop can afford {} getppid syscalls at the "
      "median cost ({})",
      format_hz(kReferenceFrameHz), core::format_ns(budget_ns), core::format_ns(cell.period_ns),
      core::format_whole(cell.fit_1pct_p50), core::format_ns(*p50));
  if (p99 && std::isfinite(cell.fit_1pct_p99)) {
    in.values.emplace_back("fit_1pct_p99", cell.fit_1pct_p99);
    in.text += fmt::format(", {} at a single call's p99 cost ({})",
                           core::format_whole(cell.fit_1pct_p99), core::format_ns(*p99));
  }
  in.text += ".";
  return in;
}

}  // namespace rules

}  // namespace illusion::report
