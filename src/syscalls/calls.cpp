// The bottom of the cost ladder: a function call, a vDSO call (no mode switch), and the
// cheapest real syscall, getppid(2), through glibc and through syscall(2).
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <cstdint>

#include <fmt/format.h>

#include "core/barrier.h"
#include "core/format.h"
#include "core/measure.h"
#include "syscalls/common.h"
#include "syscalls/rows.h"

namespace illusion::labs::syscalls {
namespace {

// noinline keeps a real call/ret pair; the empty asm makes the body opaque so the compiler
// cannot prove the call useless and drop it (or fold it into the caller's loop).
__attribute__((noinline)) std::uint64_t opaque_function(std::uint64_t x) {
  asm volatile("" : "+r"(x));
  return x;
}

core::Result run_function_call(core::RunContext& ctx, core::Result r) {
  std::uint64_t v = 1;
  r = measure_and_count(ctx, std::move(r), [&] {
    v = opaque_function(v);
    core::do_not_optimize(v);
  });
  r.add_param("category", kCategoryCall);
  r.add_param("op", "call+return of a non-inlined function");
  const double p50 = r.stats->p50;
  if (const auto cycles = counter_per_op(r, "cycles"))
    r.meaning = fmt::format(
        "a call and return costs {} ({:.1f} cycles): the yardstick for "
        "every other figure",
        core::format_ns(p50), *cycles);
  else
    r.meaning = fmt::format("a call and return costs {}: the yardstick for every other figure",
                            core::format_ns(p50));
  return r;
}

core::Result run_vdso_clock_gettime(core::RunContext& ctx, core::Result r) {
  // clock_gettime(2), NOTES / vdso(7): glibc resolves the call to the vDSO, which reads the
  // clocksource in user mode from a page the kernel keeps up to date. Only clocksources the
  // vDSO can read (tsc, not e.g. xen or hpet) avoid the syscall fallback.
  r = measure_and_count(ctx, std::move(r), [] {
    timespec ts{};
    clock_gettime(CLOCK_MONOTONIC, &ts);
    core::do_not_optimize(ts);
  });
  r.add_param("category", kCategoryCall);
  r.add_param("op", "clock_gettime(CLOCK_MONOTONIC) via glibc");
  const auto sys = counter_per_op(r, "syscalls");
  const bool entered_kernel = sys && *sys > 0.5;
  if (entered_kernel)
    r.warnings.push_back(fmt::format(
        "clock_gettime entered the kernel ({:.2f} syscalls/op): the vDSO fast path is off "
        "(clocksource?)",
        *sys));
  const double p50 = r.stats->p50;
  r.meaning = fmt::format(
      "{} per clock read{}{}{}", core::format_ns(p50), vs_function_call(ctx, p50),
      entered_kernel ? ": this clock_gettime is a real syscall" : " without leaving user mode",
      counted_syscalls_note(r));
  return r;
}

core::Result run_getppid_glibc(core::RunContext& ctx, core::Result r) {
  // getppid(2) does no work beyond reading a field of the parent task: nearly all of its cost
  // is the entry/exit path (and the mitigations on it). glibc has never cached getppid (it
  // did cache getpid until 2.25), but the counter checks rather than trusts that.
  r = measure_and_count(ctx, std::move(r), [] {
    pid_t p = getppid();
    core::do_not_optimize(p);
  });
  r.add_param("category", kCategorySyscall);
  r.add_param("op", "getppid() via glibc");
  const auto sys = counter_per_op(r, "syscalls");
  if (sys && *sys < 0.5)
    r.warnings.push_back(fmt::format(
        "glibc's getppid() entered the kernel only {:.2f} times per call: it answered from a "
        "cache, so this is not a syscall figure",
        *sys));
  const double p50 = r.stats->p50;
  r.meaning = fmt::format("{} per getppid() round trip into the kernel{}{}", core::format_ns(p50),
                          vs_function_call(ctx, p50), counted_syscalls_note(r));
  return r;
}

core::Result run_getppid_raw(core::RunContext& ctx, core::Result r) {
  // syscall(2) issues the instruction directly: no wrapper logic that could cache anything.
  r = measure_and_count(ctx, std::move(r), [] {
    long p = syscall(SYS_getppid);
    core::do_not_optimize(p);
  });
  r.add_param("category", kCategorySyscall);
  r.add_param("op", "syscall(SYS_getppid)");
  const double p50 = r.stats->p50;
  const auto sys = counter_per_op(r, "syscalls");
  if (sys && (*sys < 0.9 || *sys > 1.5))
    r.warnings.push_back(fmt::format(
        "counted {:.2f} syscalls per syscall(SYS_getppid), expected 1: something else entered "
        "the kernel during the samples",
        *sys));
  if (const auto glibc = earlier_p50(ctx, "syscalls.getppid_glibc")) {
    const double ratio = *glibc / p50;
    if (ratio < 0.5 || ratio > 2.0)
      r.warnings.push_back(
          fmt::format("getppid() via glibc took {} against {} for syscall(SYS_getppid): the "
                      "wrapper is not a plain syscall here (or one of them was disturbed)",
                      core::format_ns(*glibc), core::format_ns(p50)));
  }
  r.meaning =
      fmt::format("one syscall round trip through the kernel costs {}{}{}", core::format_ns(p50),
                  vs_function_call(ctx, p50), counted_syscalls_note(r));
  return r;
}

}  // namespace

std::vector<core::Experiment> call_rows() {
  return {
      experiment("function_call", "function call",
                 "A call and return to a non-inlined function: the baseline every other cost is "
                 "divided by.",
                 "ns/op", kOp, run_function_call),
      experiment("vdso_clock_gettime", "clock_gettime (vDSO)",
                 "clock_gettime(CLOCK_MONOTONIC) answered in user mode by the vDSO, with no switch "
                 "into the kernel.",
                 "ns/op", kOp, run_vdso_clock_gettime),
      experiment(
          "getppid_glibc", "getppid() via glibc",
          "The cheapest real syscall through its glibc wrapper: almost all entry and exit cost.",
          "ns/op", kOp, run_getppid_glibc),
      experiment(
          "getppid_raw", "syscall(SYS_getppid)",
          "One round trip into the kernel and back with no wrapper logic: the price of the mode "
          "switch.",
          "ns/op", kOp, run_getppid_raw),
  };
}

}  // namespace illusion::labs::syscalls
