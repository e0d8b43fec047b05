// The lab's table: its groups of rows (rows.h) in the order they run, and the rows the default
// run takes.
#include "syscalls/lab.h"

#include "syscalls/rows.h"

namespace illusion::labs::syscalls {

core::Lab lab() {
  core::Lab l;
  l.id = kLabId;
  l.title = "Syscall Cost Microscope";
  l.question = "Why are syscalls orders of magnitude slower than function calls?";
  core::add_groups(
      l, {call_rows, simple_io_rows, sched_call_rows, loop_rows, amortise_rows, uring_rows});
  // The default run: the ladder's first rungs (call, vDSO, syscall), the fast and slow paths,
  // a syscall inside a loop, and amortisation by buffer size and by io_uring batching.
  core::mark_headline(
      l, {"function_call", "vdso_clock_gettime", "getppid_glibc", "getppid_raw", "close_ebadf",
          "open_close", "loop_pure", "loop_every_1", "loop_every_1000", "read_4k", "read_1m",
          "uring_batch_1", "uring_batch_64"});
  return l;
}

}  // namespace illusion::labs::syscalls
