// Two syscalls that enter the scheduler's territory but, in the state we leave them in, find
// nothing to do: the cost of asking, not of waiting.
#include <linux/futex.h>
#include <sched.h>
#include <sys/syscall.h>
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

core::Result run_sched_yield(core::RunContext& ctx, core::Result r) {
  // sched_yield(2): the caller goes to the end of its run queue; when nothing else is runnable
  // on this CPU it is picked again at once, so the figure is a trip through schedule() with no
  // switch. If other tasks were runnable, some yields became real switches: we count them.
  r = measure_and_count(ctx, std::move(r), [] {
    int rc = sched_yield();
    core::do_not_optimize(rc);
  });
  r.add_param("category", kCategorySyscall);
  r.add_param("op", "sched_yield() with nothing else runnable");
  const auto switches = counter_per_op(r, "context_switches");
  if (switches && *switches > 0.01)
    r.warnings.push_back(fmt::format(
        "{:.3f} context switches per yield: other tasks were runnable on this CPU, so some "
        "yields handed it over and the figure includes their run time",
        *switches));
  const double p50 = r.stats->p50;
  r.meaning =
      fmt::format("{} per sched_yield() that found nothing else to run{}{}", core::format_ns(p50),
                  vs_function_call(ctx, p50), counted_syscalls_note(r));
  return r;
}

core::Result run_futex_wake(core::RunContext& ctx, core::Result r) {
  // futex(2) FUTEX_WAKE hashes the word's address to a bucket and finds no waiter: the cost a
  // mutex unlock pays when it enters the kernel needlessly. FUTEX_PRIVATE_FLAG skips the
  // shared-mapping lookup (the word is only ever seen by this process).
  alignas(64) static std::uint32_t word = 0;
  std::uint64_t woken = 0;
  r = measure_and_count(ctx, std::move(r), [&] {
    long n = syscall(SYS_futex, &word, FUTEX_WAKE_PRIVATE, 1, nullptr, nullptr, 0);
    woken += static_cast<std::uint64_t>(n > 0 ? n : 0);
    core::do_not_optimize(n);
  });
  r.add_param("category", kCategorySyscall);
  r.add_param("op", "futex(FUTEX_WAKE_PRIVATE, 1) with no waiters");
  if (woken > 0)
    r.warnings.push_back(
        fmt::format("FUTEX_WAKE woke {} waiters on a private word nobody waits "
                    "on: the figure is not the no-waiter path",
                    woken));
  const double p50 = r.stats->p50;
  r.meaning = fmt::format("{} per FUTEX_WAKE that found no waiter{}{}", core::format_ns(p50),
                          vs_function_call(ctx, p50), counted_syscalls_note(r));
  return r;
}

}  // namespace

std::vector<core::Experiment> sched_call_rows() {
  return {
      experiment(
          "sched_yield", "sched_yield()",
          "A yield with nothing else runnable: a trip through the scheduler that switches to no "
          "one.",
          "ns/op", kOp, run_sched_yield),
      experiment("futex_wake", "FUTEX_WAKE, no waiters",
                 "Waking a private futex nobody waits on: what an unlock costs when it enters the "
                 "kernel for nothing.",
                 "ns/op", kOp, run_futex_wake),
  };
}

}  // namespace illusion::labs::syscalls
