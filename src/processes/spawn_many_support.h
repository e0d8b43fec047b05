// Pieces the spawn-many experiments share: the gate every unit waits at, the plan that keeps
// creation inside the machine's limits, and the system-wide memory the kernel spends per unit.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>

#include "core/fd.h"
#include "core/result.h"

namespace illusion::labs::processes {

// Two pipes. Each unit writes one byte to `ready` once it runs, then blocks in read(2) on
// `release` until the parent closes the write end: read then returns 0 (end of file) in every
// unit at once (pipe(7)). The parent counts ready bytes, so it knows all N were alive together.
class Gate {
 public:
  Gate();  // throws std::system_error

  int ready_write() const { return ready_.write.get(); }
  int release_read() const { return release_.read.get(); }
  int release_write() const { return release_.write.get(); }

  // Parent: waits until `n` ready bytes have arrived in all, or `timeout_ms` passes without
  // progress. Returns how many units announced themselves.
  std::size_t wait_ready(std::size_t n, int timeout_ms);
  // Parent: closes the release write end; every waiting unit wakes with end of file.
  void release() { release_.write.reset(); }

 private:
  core::Pipe ready_, release_;
  std::size_t ready_seen_ = 0;
};

// What a unit runs: announce, then wait for the release. Only write(2) and read(2), so it is
// safe in a child forked from a multithreaded process (signal-safety(7)).
void unit_announce_and_wait(int ready_write_fd, int release_read_fd);

// How many units to create, and why fewer than asked.
struct SpawnPlan {
  unsigned requested = 0;
  unsigned planned = 0;
  std::uint64_t headroom = 0;  // spawn_headroom().units (0 when not consulted)
  std::string limited_by;      // the tightest limit, when it cut the plan
  // Set when a limit other than a task count cut the plan (RLIMIT_AS for thread stacks): the
  // whole explanation, which the task-count wording would get wrong.
  std::string why_fewer;
};
SpawnPlan plan_spawn(unsigned n, bool cap_to_headroom);
// The margin kept below the headroom for everything else on the machine.
std::uint64_t spawn_safety_margin(std::uint64_t headroom);

// Address space one more thread takes: its stack (RLIMIT_STACK, 8 MiB by default) and guard.
std::uint64_t thread_reserve_bytes();
// Under RLIMIT_AS (`ulimit -v`) caps `plan` to the thread stacks that fit, with the reason, so
// that creation stops at the limit by plan instead of by pthread_create failing with EAGAIN.
void cap_to_address_space(SpawnPlan& plan);

// "Resource temporarily unavailable (EAGAIN)" plus, for EAGAIN/ENOMEM, the limits that could
// have refused the unit (RLIMIT_NPROC for this user, pids.max, threads-max, pid_max), and for a
// `thread` RLIMIT_AS, which refuses its stack.
std::string spawn_failure_text(int err, bool thread = false);

// System-wide kernel memory from /proc/meminfo (proc(5)), in bytes: every task has a kernel
// stack; every process has page tables. System-wide, so other activity adds noise.
struct KernelMemory {
  std::optional<std::uint64_t> kernel_stack, page_tables;
  static KernelMemory now();
};

// Every "Key:   N kB" line of a /proc file (smaps_rollup, status), in bytes, read in one pass.
// Empty when the file cannot be read (the task is gone, or ptrace access is refused).
std::map<std::string, std::uint64_t> proc_kb_fields(const std::string& path);

// KiB per unit of a byte difference measured before and after (nullopt if either is missing).
std::optional<double> kib_per_unit(std::optional<std::uint64_t> before,
                                   std::optional<std::uint64_t> after, std::size_t units);

// Params, warnings and metrics every spawn row reports about its plan and how far it got.
void record_plan(core::Result& r, const SpawnPlan& plan, std::size_t spawned,
                 const std::string& failure);
// When the plan leaves no room at all: records the plan and marks `r` skipped with the limit
// that left none, naming the `units` ("threads", "processes"). Returns true when it did.
bool skip_if_no_room(core::Result& r, const SpawnPlan& plan, const char* units);
// "" when every requested unit was created, else " (only 22 of 100 asked for: see warnings)".
std::string shortfall_note(const SpawnPlan& plan, std::size_t spawned);

}  // namespace illusion::labs::processes
