#include "report/commentary.h"

#include <fmt/format.h>

#include <cmath>

#include "report/budget.h"
#include "report/commentary_lookup.h"
#include "report/format.h"

namespace illusion::report {
using Results = std::vector<core::Result>;
using namespace lookup;

namespace rules {

std::optional<Insight> syscall_vs_call(const Results& results) {
  const auto call = p50_of(results, "syscalls.function_call");
  const auto sys = p50_of(results, "syscalls.getppid_raw");
  if (!call || !sys) return std::nullopt;
  const double ratio = *sys / *call;
  Insight in{
      "syscall_vs_call", "", {{"syscall_p50_ns", *sys}, {"call_p50_ns", *call}, {"ratio", ratio}}};
  std::string times = format_ratio(ratio);
  times.pop_back();  // "95x" -> "95": the sentence says "function calls"
  in.text = fmt::format(
      "A system call costs about {} function calls: getppid through syscall(2) takes {} at the "
      "median, a plain function call {}. The difference is the round trip into the kernel: the "
      "mode switch, the entry code that saves and restores registers, and the speculation "
      "mitigations applied on the way.",
      times, format_ns(*sys), format_ns(*call));
  if (const auto glibc = p50_of(results, "syscalls.getppid_glibc")) {
    in.text += fmt::format(" Through glibc's getppid() wrapper it takes {}.", format_ns(*glibc));
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
  // Half a syscall per call or more means the vDSO fell back to the real system call (a
  // clocksource user space cannot read, e.g. Xen's), which its name would never tell.
  if (entered && *entered >= 0.5) {
    in.values.emplace_back("syscalls_per_call", *entered);
    in.text = fmt::format(
        "clock_gettime entered the kernel here: perf counted {} syscalls per call, so the vDSO "
        "fell back to a real system call (the clocksource cannot be read from user space). It "
        "costs {}, against {} for getppid.",
        format_count(*entered), format_ns(*vdso), format_ns(*sys));
    return in;
  }
  const double ratio = *sys / *vdso;
  in.values.emplace_back("ratio", ratio);
  in.text = fmt::format(
      "clock_gettime takes {}, {} cheaper than a getppid syscall ({}), because it stays in user "
      "space: the kernel maps its clock data into every process (the vDSO) and the time is "
      "computed there.",
      format_ns(*vdso), format_ratio(ratio), format_ns(*sys));
  if (entered) {
    in.values.emplace_back("syscalls_per_call", *entered);
    in.text += fmt::format(" perf confirms it: {} syscalls per call.", format_count(*entered));
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
  Insight in{"fast_vs_slow_path",
             "",
             {{"ebadf_p50_ns", *ebadf},
              {"open_close_p50_ns", *open_close},
              {"ratio", ratio},
              {"extra_ns", extra}}};
  in.text = fmt::format(
      "close(-1), rejected with EBADF right after entry, costs {}: the bare price of entering "
      "and leaving the kernel. open+close of a file costs {} ({} as much); the other {} is the "
      "work behind the call: path lookup, permission checks, allocating a file descriptor.",
      format_ns(*ebadf), format_ns(*open_close), format_ratio(ratio), format_ns(extra));
  if (const auto stat = p50_of(results, "syscalls.stat")) {
    in.values.emplace_back("stat_p50_ns", *stat);
    in.text +=
        fmt::format(" stat(), a path lookup without a descriptor, costs {}.", format_ns(*stat));
  }
  return in;
}

std::optional<Insight> syscall_in_loop(const Results& results) {
  const auto every1 = metric_of(results, "syscalls.loop_every_1", "slowdown_vs_pure");
  const auto every1000 = metric_of(results, "syscalls.loop_every_1000", "slowdown_vs_pure");
  if (!every1 || !every1000) return std::nullopt;
  Insight in{
      "syscall_in_loop", "", {{"slowdown_every_1", *every1}, {"slowdown_every_1000", *every1000}}};
  in.text = fmt::format(
      "A loop that makes a syscall on every iteration runs {} slower than the same loop without "
      "one; with a syscall every 1000 iterations the slowdown is {}.",
      format_ratio(*every1), format_ratio(*every1000));
  const auto direct = metric_of(results, "syscalls.loop_every_1", "direct_cost_ns_per_iter");
  const auto indirect = metric_of(results, "syscalls.loop_every_1", "indirect_cost_ns_per_iter");
  if (direct && indirect) {
    in.values.emplace_back("direct_ns_per_iter", *direct);
    in.values.emplace_back("indirect_ns_per_iter", *indirect);
    if (*indirect >= 0 && *direct + *indirect > 0) {
      const double share = *indirect / (*direct + *indirect);
      in.values.emplace_back("indirect_share", share);
      in.text += fmt::format(
          " Per iteration, {} is the syscall itself and {} ({} of the extra) is indirect: "
          "cache lines, TLB entries and branch history the kernel displaced, paid for by the "
          "user code that runs next.",
          format_ns(*direct), format_ns(*indirect), format_percent(share));
    } else {
      // A subtraction below zero is not a gain: say what it means instead of clamping it away.
      in.text += fmt::format(
          " Subtracting the pure loop and the syscall's own cost ({}) leaves {} per "
          "iteration: below zero, so on this machine the cache and TLB pollution a syscall "
          "leaves behind is smaller than the overlap the CPU finds between the loop's work "
          "and the syscall (or than the noise), and no indirect share can be given.",
          format_ns(*direct), format_ns(*indirect));
    }
  }
  return in;
}

std::optional<Insight> amortisation(const Results& results) {
  const auto small = p50_of(results, "syscalls.read_4k");
  const auto large = p50_of(results, "syscalls.read_1m");
  const std::string unit = unit_of(results, "syscalls.read_4k");
  if (!small || !large || unit != unit_of(results, "syscalls.read_1m")) return std::nullopt;
  const double ratio = *small / *large;
  Insight in{
      "amortisation", "", {{"read_4k_p50", *small}, {"read_1m_p50", *large}, {"ratio", ratio}}};
  const auto calls_small = metric_of(results, "syscalls.read_4k", "syscalls_per_mib");
  const auto calls_large = metric_of(results, "syscalls.read_1m", "syscalls_per_mib");
  std::string small_calls, large_calls;
  if (calls_small && calls_large) {
    in.values.emplace_back("read_4k_syscalls_per_mib", *calls_small);
    in.values.emplace_back("read_1m_syscalls_per_mib", *calls_large);
    small_calls = fmt::format(" ({} syscalls per MiB)", format_count(*calls_small));
    large_calls = fmt::format(" ({} per MiB)", format_count(*calls_large));
  }
  in.text = fmt::format(
      "Reading in 4 KiB calls costs {}{}; in 1 MiB calls it costs {}{}: {} cheaper per byte, "
      "because the fixed cost of each call is spread over more data.",
      format_value(*small, unit), small_calls, format_value(*large, unit), large_calls,
      format_ratio(ratio));
  return in;
}

std::optional<Insight> uring_batching(const Results& results) {
  const auto one = p50_of(results, "syscalls.uring_batch_1");
  const auto many = p50_of(results, "syscalls.uring_batch_64");
  const std::string unit = unit_of(results, "syscalls.uring_batch_1");
  if (!one || !many || unit != unit_of(results, "syscalls.uring_batch_64")) return std::nullopt;
  const double ratio = *one / *many;
  Insight in{
      "uring_batching", "", {{"batch_1_p50", *one}, {"batch_64_p50", *many}, {"ratio", ratio}}};
  in.text = fmt::format(
      "io_uring with 64 reads per submission costs {}, against {} with one per submission: {} "
      "cheaper, because one io_uring_enter(2) carries 64 requests into the kernel.",
      format_value(*many, unit), format_value(*one, unit), format_ratio(ratio));
  const auto calls_one = metric_of(results, "syscalls.uring_batch_1", "syscalls_per_mib");
  const auto calls_many = metric_of(results, "syscalls.uring_batch_64", "syscalls_per_mib");
  if (calls_one && calls_many) {
    in.values.emplace_back("batch_1_syscalls_per_mib", *calls_one);
    in.values.emplace_back("batch_64_syscalls_per_mib", *calls_many);
    in.text += fmt::format(" Syscalls per MiB: {} against {}.", format_count(*calls_many),
                           format_count(*calls_one));
  }
  return in;
}

std::optional<Insight> frame_budget(const Results& results) {
  const core::Result* r = core::find_result(results, "syscalls.getppid_raw");
  if (!r || !p50_of(results, "syscalls.getppid_raw")) return std::nullopt;
  constexpr double kHz = 90;  // a VR headset's frame rate: the tightest common display loop
  const BudgetCell cell = budget_cell(kHz, r->stats->p50, r->stats->p99);
  const double budget_ns = cell.period_ns * kBudgetShare;
  Insight in{"frame_budget",
             "",
             {{"hz", kHz}, {"budget_ns", budget_ns}, {"fit_1pct_p50", cell.fit_1pct_p50}}};
  in.text = fmt::format(
      "In 1% of a {} frame ({} of {}) a real-time loop can afford {} getppid syscalls at the "
      "median cost ({})",
      format_hz(kHz), format_ns(budget_ns), format_ns(cell.period_ns),
      format_whole(cell.fit_1pct_p50), format_ns(r->stats->p50));
  if (std::isfinite(cell.fit_1pct_p99)) {
    in.values.emplace_back("fit_1pct_p99", cell.fit_1pct_p99);
    in.text += fmt::format(", {} at the p99 cost ({})", format_whole(cell.fit_1pct_p99),
                           format_ns(r->stats->p99));
  }
  in.text += ".";
  return in;
}

}  // namespace rules

const std::vector<Rule>& all_rules() {
  static const std::vector<Rule> kRules = {
      // Lab 3.1, in the order the lab runs.
      rules::process_vs_thread,
      rules::fork_grows_with_memory,
      rules::copy_on_write,
      rules::memory_per_unit,
      rules::isolation_outcomes,
      // Lab 3.2.
      rules::syscall_vs_call,
      rules::vdso_vs_syscall,
      rules::fast_vs_slow_path,
      rules::syscall_in_loop,
      rules::amortisation,
      rules::uring_batching,
      rules::frame_budget,
      // Lab 3.3.
      rules::first_touch,
      rules::prefault,
      rules::zero_page,
      rules::huge_pages,
      rules::malloc_and_free,
      rules::major_vs_minor,
      rules::cache_and_tlb_reach,
      rules::fault_in_frame,
      rules::munmap_stalls_others,
      // Lab 3.4.
      rules::page_cache_illusion,
      rules::read_buffer_size,
      rules::mmap_streaming,
      rules::mmap_random_access,
      rules::async_io_depth,
      rules::read_around,
      rules::direct_io,
      rules::tlb_shootdown,
      rules::write_durability,
      // Lab 3.5.
      rules::context_switch_cost,
      rules::cross_cpu_wakeup,
      rules::switch_indirect_cost,
      rules::oversubscription,
      rules::pinning_tradeoffs,
      rules::wakeup_latency,
      rules::frame_loop_policies,
      rules::priority_inversion,
      // Across the labs: the conclusions the figures above add up to.
      rules::amortised_costs,
      rules::kernel_bypass,
      rules::hot_path,
  };
  return kRules;
}

std::vector<Insight> commentary(const std::vector<core::Result>& results) {
  std::vector<Insight> out;
  for (Rule rule : all_rules())
    if (auto insight = rule(results)) out.push_back(std::move(*insight));
  return out;
}

}  // namespace illusion::report
