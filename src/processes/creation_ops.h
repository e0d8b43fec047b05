// The unit operations of the creation experiments, shared with the fork-versus-size sweep: each
// creates one thread or process and reaps it, so back-to-back calls leave nothing behind.
//
// Every process op registers its pid with the run's signal cleanup (core::register_child) until
// waitpid has reaped it, so a Ctrl-C in the middle kills and reaps it. Each op checks how the
// child ended and throws when it did not exit 0: a figure for a child that crashed or could
// not exec would measure something else.
#pragma once

#include <sys/types.h>

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "core/experiment.h"
#include "core/result.h"
#include "core/stats.h"

namespace illusion::labs::processes {

// Where new tasks started: the creator notes its CPU (sched_getcpu(3)) right before creating,
// the new task writes its own into memory they share, and the tally counts how often the two
// differ. On a 2-vCPU VM a task woken on the other, idle, vCPU waits for an IPI that exits to
// the hypervisor, so this fraction explains much of a creation figure's spread.
struct CpuTally {
  std::uint64_t units = 0, elsewhere = 0;
  void note(int creator_cpu, int unit_cpu);
  std::optional<double> fraction_elsewhere() const;  // nullopt before any unit
};

// pthread_create(3) of a thread that stores its CPU and returns, then pthread_join(3).
void pthread_create_join(CpuTally* tally = nullptr);
// std::thread of a lambda that stores its CPU, then join().
void std_thread_join(CpuTally* tally = nullptr);
// fork(2); the child calls only _exit(0); waitpid(2) reaps it.
void fork_exit();
// vfork(2); the child calls only _exit(0); the parent resumes when it has, then reaps it.
void vfork_exit();

// A 64 KiB mmap'd stack for clone(2) children, reused child after child: each is reaped
// before the next starts, so two never run on it at once.
class CloneStack {
 public:
  CloneStack();
  CloneStack(const CloneStack&) = delete;
  CloneStack& operator=(const CloneStack&) = delete;
  ~CloneStack();
  void* top() const;  // the stack grows down on every architecture glibc's clone serves here
  static constexpr std::size_t kBytes = 64 * 1024;

 private:
  char* base_ = nullptr;
};

// clone(2) with CLONE_VM and SIGCHLD: a child that shares the parent's memory but has its own
// pid; its function stores its CPU and returns 0. Reaped with waitpid.
void clone_vm_exit(const CloneStack& stack, CpuTally* tally = nullptr);

// A program to run, resolved once so the figure names the file that really ran.
struct Program {
  std::string path;                 // realpath(3) of the requested path; empty when missing
  std::string missing_reason;       // why it cannot be used (empty when usable)
  std::vector<std::string> args;    // argv, args[0] first
  std::vector<char*> argv() const;  // pointers into args, null-terminated
};
// "/bin/true" resolved (on Debian 12 /bin is a symlink: "/usr/bin/true"), checked executable.
Program resolve_program(const std::string& path = "/bin/true");

// posix_spawn(3) of the program with the parent's environment, then waitpid.
void posix_spawn_wait(const std::string& path, char* const argv[]);
// fork(2) + execv(3) of the program (the child calls only execv, then _exit(127) if it
// failed), then waitpid.
void fork_exec_wait(const std::string& path, char* const argv[]);

// A table row whose blank result carries the row's identity.
using BodyFn = core::ExperimentBody;
core::Experiment make_row(std::string id, std::string title, std::string shows,
                          core::DurationHint hint, BodyFn body);

// p50 of an earlier ok result of this run, or nullopt.
std::optional<double> earlier_p50(const core::RunContext& ctx, const std::string& id);
// Per-op value of a counter, or nullopt when it was not counted.
std::optional<double> counter_per_op(const core::Result& r, const std::string& name);

// Adds a warning when the median sample is over 5x the fastest: an op that creates a task
// waits for it to be scheduled, and with another process keeping both CPUs busy that wait is
// a CFS slice (milliseconds), so the median then measures the competition, not the op.
// `what` names the sample set ("" for the whole result, "256MiB", ...).
void note_disturbed(core::Result& r, const core::Stats& s, const std::string& what = "");

}  // namespace illusion::labs::processes
