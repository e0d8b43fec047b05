#include "processes/creation_ops.h"

#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <spawn.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstdlib>
#include <cstring>
#include <stdexcept>
#include <system_error>
#include <thread>
#include <utility>

#include <fmt/format.h>

#include "core/format.h"
#include "core/errors.h"
#include "core/resources.h"
#include "processes/child.h"
#include "processes/rows.h"

extern char** environ;

namespace illusion::labs::processes {
namespace {

// A new thread has its own rseq area (glibc registers one in start_thread), so sched_getcpu
// reads the CPU from it without a syscall.
void* store_cpu_and_return(void* out) {
  *static_cast<int*>(out) = sched_getcpu();
  return nullptr;
}

// A CLONE_VM child without CLONE_SETTLS runs on its parent's thread pointer, so glibc's
// sched_getcpu would read the parent's rseq area (the kernel does not register rseq for the
// child: rseq_fork clears it under CLONE_VM) and report the parent's CPU. The raw getcpu(2)
// asks the kernel about the caller itself.
int clone_child_stores_cpu(void* out) {
  unsigned cpu = 0;
  if (syscall(SYS_getcpu, &cpu, nullptr, nullptr) == 0)
    *static_cast<int*>(out) = static_cast<int>(cpu);
  return 0;
}

// Reaps `pid` (it was registered) and insists on a clean exit.
void reap_ok(pid_t pid, const char* what) {
  const ExitStatus s = wait_for(pid);
  if (!s.exited || s.code != 0)
    throw std::runtime_error(fmt::format("{}: the child ended with {}{}", what, s.describe(),
                                         s.exited && s.code == 127 ? " (exec failed?)" : ""));
}

// vfork(2): the child borrows the parent's memory and stack until it calls _exit(2) or
// execve(2), and "may not return from the function that called vfork() ... nor call any other
// function". So the call sits alone in a function the compiler may not inline, and the child
// touches nothing: no local of this frame outlives the child, nothing can be clobbered.
__attribute__((noinline)) pid_t vfork_then_exit() {
  const pid_t pid = vfork();
  if (pid == 0) _exit(0);
  return pid;
}

}  // namespace

void CpuTally::note(int creator_cpu, int unit_cpu) {
  if (creator_cpu < 0 || unit_cpu < 0) return;  // not known: counted neither way
  ++units;
  if (creator_cpu != unit_cpu) ++elsewhere;
}

std::optional<double> CpuTally::fraction_elsewhere() const {
  if (units == 0) return std::nullopt;
  return static_cast<double>(elsewhere) / static_cast<double>(units);
}

void pthread_create_join(CpuTally* tally) {
  pthread_t t{};
  int unit_cpu = -1;
  const int creator_cpu = sched_getcpu();
  // pthread_create(3) returns the error number instead of setting errno.
  if (const int rc = pthread_create(&t, nullptr, store_cpu_and_return, &unit_cpu); rc != 0)
    throw std::system_error(rc, std::generic_category(), "pthread_create");
  // pthread_join orders the thread's store before this read.
  if (const int rc = pthread_join(t, nullptr); rc != 0)
    throw std::system_error(rc, std::generic_category(), "pthread_join");
  if (tally) tally->note(creator_cpu, unit_cpu);
}

void std_thread_join(CpuTally* tally) {
  int unit_cpu = -1;
  const int creator_cpu = sched_getcpu();
  std::thread t([&unit_cpu] { unit_cpu = sched_getcpu(); });
  t.join();
  if (tally) tally->note(creator_cpu, unit_cpu);
}

void fork_exit() {
  const pid_t pid = ::fork();
  // After fork(2) in a process that may hold locks, only async-signal-safe calls are allowed
  // in the child (fork(2), signal-safety(7)); _exit is one and runs no atexit handlers.
  if (pid == 0) _exit(0);
  if (pid < 0) core::throw_errno("fork");
  core::register_child(pid);
  reap_ok(pid, "fork");
}

void vfork_exit() {
  const pid_t pid = vfork_then_exit();
  if (pid < 0) core::throw_errno("vfork");
  // The child has already exited (vfork suspends the parent until then), but it is a zombie
  // until reaped: registered, so an interruption before waitpid still reaps it.
  core::register_child(pid);
  reap_ok(pid, "vfork");
}

CloneStack::CloneStack() {
  // MAP_STACK documents the intent (mmap(2)); MAP_NORESERVE is unnecessary at 64 KiB.
  void* p =
      mmap(nullptr, kBytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
  if (p == MAP_FAILED) core::throw_errno("mmap of a 64 KiB clone stack");
  base_ = static_cast<char*>(p);
}

CloneStack::~CloneStack() {
  if (base_) munmap(base_, kBytes);
}

void* CloneStack::top() const {
  return base_ + kBytes;
}

void clone_vm_exit(const CloneStack& stack, CpuTally* tally) {
  int unit_cpu = -1;
  const int creator_cpu = sched_getcpu();
  // clone(2): with CLONE_VM the child runs in the parent's address space (no page tables are
  // copied) but without CLONE_THREAD it is a process of its own, with its own pid, reaped with
  // waitpid because SIGCHLD is its exit signal. The glibc wrapper calls the function on the
  // given stack and exits with its return value.
  const pid_t pid = clone(clone_child_stores_cpu, stack.top(), CLONE_VM | SIGCHLD, &unit_cpu);
  if (pid < 0) core::throw_errno("clone(CLONE_VM)");
  core::register_child(pid);
  // The child's store to unit_cpu (shared memory) happened before its exit, which waitpid
  // observed.
  reap_ok(pid, "clone(CLONE_VM)");
  if (tally) tally->note(creator_cpu, unit_cpu);
}

std::vector<char*> Program::argv() const {
  std::vector<char*> out;
  for (const std::string& a : args) out.push_back(const_cast<char*>(a.c_str()));
  out.push_back(nullptr);
  return out;
}

Program resolve_program(const std::string& path) {
  Program p;
  char buf[PATH_MAX];
  if (realpath(path.c_str(), buf) == nullptr) {
    p.missing_reason = fmt::format("{} is missing ({})", path, std::strerror(errno));
    return p;
  }
  if (access(buf, X_OK) != 0) {
    p.missing_reason =
        fmt::format("{} ({}) is not executable ({})", path, buf, std::strerror(errno));
    return p;
  }
  p.path = buf;
  const auto slash = p.path.rfind('/');
  p.args = {slash == std::string::npos ? p.path : p.path.substr(slash + 1)};
  return p;
}

void posix_spawn_wait(const std::string& path, char* const argv[]) {
  pid_t pid = -1;
  // posix_spawn(3) returns the error number; glibc >= 2.24 also reports a failed exec here,
  // because its child (clone with CLONE_VM|CLONE_VFORK) writes the error where the parent,
  // suspended until the exec, reads it.
  if (const int rc = posix_spawn(&pid, path.c_str(), nullptr, nullptr, argv, environ); rc != 0)
    throw std::system_error(rc, std::generic_category(), "posix_spawn " + path);
  core::register_child(pid);
  reap_ok(pid, "posix_spawn");
}

void fork_exec_wait(const std::string& path, char* const argv[]) {
  const char* file = path.c_str();
  const pid_t pid = ::fork();
  if (pid == 0) {
    // execv(3) and _exit(2) are both async-signal-safe: nothing else runs in the child.
    execv(file, argv);
    _exit(127);
  }
  if (pid < 0) core::throw_errno("fork");
  core::register_child(pid);
  reap_ok(pid, "fork+execv");
}

core::Experiment make_row(std::string id, std::string title, std::string shows,
                          core::DurationHint hint, BodyFn body) {
  return experiment(std::move(id), std::move(title), std::move(shows), "ns/op", hint,
                    std::move(body));
}

std::optional<double> earlier_p50(const core::RunContext& ctx, const std::string& id) {
  if (!ctx.earlier) return std::nullopt;
  const core::Result* r = core::find_result(*ctx.earlier, id);
  if (!r || !r->stats || r->stats->n == 0) return std::nullopt;
  return r->stats->p50;
}

std::optional<double> counter_per_op(const core::Result& r, const std::string& name) {
  const core::CounterValue* c = r.counter(name);
  if (!c) return std::nullopt;
  return c->per_op;
}

void note_disturbed(core::Result& r, const core::Stats& s, const std::string& what) {
  if (s.n == 0 || s.min <= 0 || s.p50 <= 5 * s.min) return;
  r.warnings.push_back(fmt::format(
      "{}the median sample ({}) is {:.0f}x the fastest ({}): something else was competing for "
      "the CPUs, and the median measures that wait, not the op",
      what.empty() ? "" : "at " + what + ": ", core::format_ns(s.p50), s.p50 / s.min, core::format_ns(s.min)));
}

}  // namespace illusion::labs::processes
