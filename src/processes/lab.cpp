#include "processes/lab.h"

#include "processes/rows.h"

namespace illusion::labs::processes {

core::Lab lab() {
  core::Lab l;
  l.id = kLabId;
  l.title = "Process vs Thread Reality Lab";
  l.question = "Why does spawning a process feel heavy compared to a thread?";
  core::add_groups(l, {creation_rows, fork_size_rows, cow_rows, spawn_many_rows, isolation_rows});
  // The default run: creation costs, fork's growth with the parent, copy-on-write, memory per
  // unit, isolation. The spawn and THP size sweeps and the 1000-unit rows only refine these.
  core::mark_headline(
      l, {"pthread_create", "fork_exit", "posix_spawn_true", "fork_vs_size", "vfork_vs_size",
          "first_touch_fault", "cow_write_fault", "cow_read_no_fault", "spawn_threads_100",
          "spawn_processes_100", "crash_in_child", "stray_write_thread", "stray_write_process"});
  return l;
}

}  // namespace illusion::labs::processes
