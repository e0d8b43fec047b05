// The lab's table. Order matters: later rows read earlier results (ratios to function_call,
// the loop's direct cost from getppid_raw, slowdowns from loop_pure, speed-ups from read_4k),
// and each rule stays silent when the row it needs did not run.
#include "syscalls/lab.h"

#include <functional>
#include <utility>

#include "syscalls/common.h"
#include "syscalls/experiments.h"

namespace illusion::labs::syscalls {
namespace {

using core::DurationHint;

// Rough wall times per profile (quick, default, thorough): the sampling budget (0.05/0.35/1.5 s)
// plus warm-up and set-up.
constexpr DurationHint kOp{0.1, 0.42, 1.6};
constexpr DurationHint kLoop{0.09, 0.4, 1.55};
constexpr DurationHint kFile{0.12, 0.5, 1.75};

using BodyFn = core::ExperimentBody;

BodyFn loop(std::uint64_t k) {
  return
      [k](core::RunContext& ctx, core::Result r) { return run_tight_loop(ctx, std::move(r), k); };
}

BodyFn uring(unsigned n) {
  return
      [n](core::RunContext& ctx, core::Result r) { return run_uring_batch(ctx, std::move(r), n); };
}

core::Experiment row(std::string id, std::string title, std::string shows, std::string unit,
                     DurationHint hint, BodyFn body) {
  return core::make_experiment(kLabId, std::move(id), std::move(title), std::move(shows),
                               std::move(unit), hint, std::move(body));
}

}  // namespace

core::Lab lab() {
  core::Lab l;
  l.id = kLabId;
  l.title = "Syscall Cost Microscope";
  l.question = "Why are syscalls orders of magnitude slower than function calls?";
  l.experiments = {
      row("function_call", "function call",
          "A call and return to a non-inlined function: the baseline every other cost is "
          "divided by.",
          "ns/op", kOp, run_function_call),
      row("vdso_clock_gettime", "clock_gettime (vDSO)",
          "clock_gettime(CLOCK_MONOTONIC) answered in user mode by the vDSO, with no switch "
          "into the kernel.",
          "ns/op", kOp, run_vdso_clock_gettime),
      row("getppid_glibc", "getppid() via glibc",
          "The cheapest real syscall through its glibc wrapper: almost all entry and exit cost.",
          "ns/op", kOp, run_getppid_glibc),
      row("getppid_raw", "syscall(SYS_getppid)",
          "One round trip into the kernel and back with no wrapper logic: the price of the mode "
          "switch.",
          "ns/op", kOp, run_getppid_raw),
      row("read_dev_zero", "read 1 B /dev/zero",
          "A 1-byte read(): the VFS dispatch and a copy to user space on top of the mode switch.",
          "ns/op", kOp, run_read_dev_zero),
      row("write_dev_null", "write 1 B /dev/null",
          "A 1-byte write() the device discards: the VFS write path with no work behind it.",
          "ns/op", kOp, run_write_dev_null),
      row("close_ebadf", "close(-1) EBADF",
          "A syscall that fails at its first check: the floor of any syscall's cost.", "ns/op", kOp,
          run_close_ebadf),
      row("stat", "stat()",
          "stat() of a cached file: a path walk through the dentry cache per call.", "ns/op", kOp,
          run_stat),
      row("open_close", "open+close",
          "Opening and closing a cached file (one op is the pair): path lookup plus file and fd "
          "allocation.",
          "ns/op", kOp, run_open_close),
      row("sched_yield", "sched_yield()",
          "A yield with nothing else runnable: a trip through the scheduler that switches to no "
          "one.",
          "ns/op", kOp, run_sched_yield),
      row("futex_wake", "FUTEX_WAKE, no waiters",
          "Waking a private futex nobody waits on: what an unlock costs when it enters the "
          "kernel for nothing.",
          "ns/op", kOp, run_futex_wake),
      row("loop_pure", "loop, no syscalls",
          "A compute loop over a 16 KiB table with no syscall: the baseline for the loops below.",
          "ns/iter", kLoop, loop(0)),
      row("loop_every_1", "loop, syscall every iteration",
          "The same loop with a getppid every iteration: direct cost plus cache and TLB "
          "pollution.",
          "ns/iter", kLoop, loop(1)),
      row("loop_every_10", "loop, syscall every 10",
          "The loop with a getppid every 10 iterations.", "ns/iter", kLoop, loop(10)),
      row("loop_every_100", "loop, syscall every 100",
          "The loop with a getppid every 100 iterations.", "ns/iter", kLoop, loop(100)),
      row("loop_every_1000", "loop, syscall every 1000",
          "The loop with a getppid every 1000 iterations: the syscall's share nearly vanishes.",
          "ns/iter", kLoop, loop(1000)),
      row("read_4k", "read() 4 KiB",
          "A warm file read with 4 KiB read() calls: one syscall per page.", "ns/KiB", kFile,
          run_read_4k),
      row("read_1m", "read() 1 MiB",
          "The same file read with 1 MiB read() calls: the syscall cost amortised over 256 "
          "pages.",
          "ns/KiB", kFile, run_read_1m),
      row("preadv", "preadv 16 x 64 KiB",
          "The same file read with preadv() of 16 buffers per call: vectored I/O, one syscall "
          "per MiB.",
          "ns/KiB", kFile, run_preadv),
      row("uring_batch_1", "io_uring, 1 per enter",
          "4 KiB reads through io_uring, one per io_uring_enter: the ring's overhead with no "
          "batching.",
          "ns/KiB", kFile, uring(1)),
      row("uring_batch_8", "io_uring, 8 per enter",
          "4 KiB reads through io_uring, 8 per io_uring_enter.", "ns/KiB", kFile, uring(8)),
      row("uring_batch_64", "io_uring, 64 per enter",
          "4 KiB reads through io_uring, 64 per io_uring_enter: many requests per mode switch.",
          "ns/KiB", kFile, uring(64)),
  };
  // The default run: the ladder's first rungs (call, vDSO, syscall), the fast and slow paths,
  // a syscall inside a loop, and amortisation by buffer size and by io_uring batching.
  core::mark_headline(
      l, {"function_call", "vdso_clock_gettime", "getppid_glibc", "getppid_raw", "close_ebadf",
          "open_close", "loop_pure", "loop_every_1", "loop_every_1000", "read_4k", "read_1m",
          "uring_batch_1", "uring_batch_64"});
  return l;
}

}  // namespace illusion::labs::syscalls
