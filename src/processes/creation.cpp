// Create and reap one unit: a thread (pthread, std::thread), a process (fork, vfork, a
// CLONE_VM "thread-like process") and a process running a program (posix_spawn, fork+exec).
// Each op creates AND reaps, so back-to-back ops measure the full round trip and leave
// nothing behind; the sampler times them and counts events in the parent around the samples,
// and an untimed pass counts the parent's syscalls per op. The creator is pinned to its CPU
// meanwhile, so every new unit starts there (creator_pin.h says why).
#include <algorithm>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "core/format.h"
#include "core/counters.h"
#include "core/measure.h"
#include "core/syscall_count.h"
#include "processes/creation_ops.h"
#include "processes/creator_pin.h"
#include "processes/parent_shape.h"
#include "processes/rows.h"

namespace illusion::labs::processes {
namespace {

// A fraction of the profile's sampling budget: seven rows at ~0.33 s each keep the group near
// 2.3 s by default. An op here lasts 10 us .. 1 ms, so even quick (0.03 s) gets 30+ samples.
constexpr double kBudgetScale = 0.6;
// Rough wall time per profile: warm-up 0.02 s + scaled budget + the syscall-count pass.
constexpr core::DurationHint kCreate{0.1, 0.33, 1.0};

// Rows whose child is made from the parent (fork, vfork, posix_spawn) record what the parent
// was when it forked: its size, mappings and page tables (parent_shape.h).
constexpr bool kRecordShape = true;

// Times `op` with the creator pinned to its CPU (creator_pin.h), then counts the parent's
// syscalls per op in an untimed pass of ~20 ms (at least 20 ops), since the tracepoint slows
// every syscall while it is registered (syscall_count.h).
template <class Op>
core::Result measure_unit(const core::RunContext& ctx, core::Result r, Op op,
                          const std::string& what_one_op_is, bool record_shape = false) {
  const CreatorPin pin(ctx);
  // Read here, pinned and right before the first fork: the sampler adds only its sample
  // buffer to the parent after this.
  if (record_shape) record_parent_shape(r, read_parent_shape());
  core::MeasureOptions opt;
  opt.budget_scale = kBudgetScale;
  r = core::measure(ctx, std::move(r), op, opt);
  const double p50 = std::max(r.stats->p50, 1.0);
  const auto repeats = static_cast<std::uint64_t>(std::clamp(20e6 / p50, 20.0, 2000.0));
  core::count_syscalls(r, repeats, op);
  r.add_param("op", what_one_op_is);
  pin.record(r);
  note_disturbed(r, *r.stats);
  return r;
}

// Records where the new units started; "; 48% started on another CPU than their creator".
// The metric is always recorded (0 confirms the pin held); the sentence only when some did.
std::string record_placement(core::Result& r, const CpuTally& tally, const char* units) {
  const auto f = tally.fraction_elsewhere();
  if (!f) return "";
  r.add_metric("started_elsewhere_fraction", *f, "fraction");
  r.add_param("placement_samples", static_cast<double>(tally.units));
  if (*f == 0) return "";
  return fmt::format("; {:.0f}% of the {} started on another CPU than their creator", 100 * *f,
                     units);
}

// "; per op in the parent: 2.0 syscalls, 3.0 minor faults" from whatever was counted.
std::string parent_counts(const core::Result& r) {
  std::string out;
  if (const auto s = counter_per_op(r, "syscalls")) out += fmt::format("{:.1f} syscalls", *s);
  if (const auto faults = core::faults_per_op(r, core::FaultKind::minor))
    out += fmt::format("{}{:.1f} minor faults", out.empty() ? "" : ", ", faults->value);
  return out.empty() ? "" : "; per op in the parent: " + out;
}

// " (3.2x a thread's 24 us)" when pthread_create ran earlier in this run.
std::string vs_thread(const core::RunContext& ctx, double p50) {
  const auto t = earlier_p50(ctx, "processes.pthread_create");
  if (!t || *t <= 0) return "";
  return fmt::format(" ({:.1f}x a thread's {})", p50 / *t, core::format_ns(*t));
}

core::Result run_pthread_create(core::RunContext& ctx, core::Result r) {
  CpuTally tally;
  r = measure_unit(
      ctx, std::move(r), [&tally] { pthread_create_join(&tally); },
      "pthread_create + pthread_join of a thread that stores sched_getcpu() and returns");
  const std::string where = record_placement(r, tally, "threads");
  r.meaning = fmt::format("{} to create and join a thread that only notes its CPU{}{}",
                          core::format_ns(r.stats->p50), where, parent_counts(r));
  return r;
}

core::Result run_std_thread(core::RunContext& ctx, core::Result r) {
  CpuTally tally;
  r = measure_unit(
      ctx, std::move(r), [&tally] { std_thread_join(&tally); },
      "std::thread of a lambda that stores sched_getcpu() + join()");
  const std::string where = record_placement(r, tally, "threads");
  const double p50 = r.stats->p50;
  std::string vs;
  if (const auto t = earlier_p50(ctx, "processes.pthread_create"); t && *t > 0)
    vs = fmt::format(", {:.2f}x pthread_create's {}", p50 / *t, core::format_ns(*t));
  r.meaning =
      fmt::format("{} per std::thread + join{}{}{}", core::format_ns(p50), vs, where, parent_counts(r));
  return r;
}

core::Result run_fork_exit(core::RunContext& ctx, core::Result r) {
  r = measure_unit(ctx, std::move(r), fork_exit,
                   "fork + waitpid; the child calls _exit(0) at once (includes the child's exit "
                   "and reaping)",
                   kRecordShape);
  const double p50 = r.stats->p50;
  if (const auto t = earlier_p50(ctx, "processes.pthread_create"); t && *t > 0)
    r.add_metric("ratio_vs_pthread", p50 / *t, "x");
  r.meaning = fmt::format("{} to fork a child that exits at once and reap it{}{}", core::format_ns(p50),
                          vs_thread(ctx, p50), parent_counts(r));
  return r;
}

core::Result run_vfork_exit(core::RunContext& ctx, core::Result r) {
  r = measure_unit(ctx, std::move(r), vfork_exit,
                   "vfork + waitpid; the child calls _exit(0) at once while the parent is "
                   "suspended",
                   kRecordShape);
  const double p50 = r.stats->p50;
  std::string vs;
  if (const auto f = earlier_p50(ctx, "processes.fork_exit"); f && p50 > 0)
    vs = fmt::format(", {:.1f}x faster than fork's {}", *f / p50, core::format_ns(*f));
  r.meaning = fmt::format(
      "{} per vfork + _exit + reap{}: the child borrows the parent's memory, so no page "
      "tables are copied{}",
      core::format_ns(p50), vs, parent_counts(r));
  return r;
}

core::Result run_clone_vm(core::RunContext& ctx, core::Result r) {
  const CloneStack stack;
  CpuTally tally;
  r = measure_unit(
      ctx, std::move(r), [&] { clone_vm_exit(stack, &tally); },
      "clone(CLONE_VM|SIGCHLD) on a 64 KiB stack, the child stores getcpu() and "
      "returns 0, + waitpid");
  r.add_param("stack_bytes", static_cast<double>(CloneStack::kBytes));
  const std::string where = record_placement(r, tally, "children");
  const double p50 = r.stats->p50;
  std::string vs;
  if (const auto f = earlier_p50(ctx, "processes.fork_exit"); f && *f > 0)
    vs = fmt::format("; {:.0f}% of fork's {}", 100.0 * p50 / *f, core::format_ns(*f));
  r.meaning = fmt::format(
      "{} for a process that shares its parent's memory (own pid, no page-table copy){}{}{}{}",
      core::format_ns(p50), vs_thread(ctx, p50), vs, where, parent_counts(r));
  return r;
}

core::Result skipped_without(core::Result r, const Program& prog) {
  r.status = core::Status::skipped;
  r.reason = prog.missing_reason;
  return r;
}

core::Result run_posix_spawn_true(core::RunContext& ctx, core::Result r) {
  const Program prog = resolve_program();
  if (prog.path.empty()) return skipped_without(std::move(r), prog);
  const std::vector<char*> argv = prog.argv();
  r = measure_unit(
      ctx, std::move(r), [&] { posix_spawn_wait(prog.path, argv.data()); },
      "posix_spawn of the program with no arguments + waitpid (its whole run)", kRecordShape);
  r.add_param("program", prog.path);
  const double p50 = r.stats->p50;
  std::string beyond;
  if (const auto v = earlier_p50(ctx, "processes.vfork_exit"); v && p50 > *v)
    beyond = fmt::format(", {} more than a bare vfork+_exit: the exec and the program's own run",
                         core::format_ns(p50 - *v));
  r.meaning = fmt::format(
      "{} to posix_spawn {} and reap it{}; glibc spawns with clone(CLONE_VM|CLONE_VFORK), so "
      "the parent's page tables are not copied{}",
      core::format_ns(p50), prog.path, beyond, parent_counts(r));
  return r;
}

core::Result run_fork_exec_true(core::RunContext& ctx, core::Result r) {
  const Program prog = resolve_program();
  if (prog.path.empty()) return skipped_without(std::move(r), prog);
  const std::vector<char*> argv = prog.argv();
  r = measure_unit(
      ctx, std::move(r), [&] { fork_exec_wait(prog.path, argv.data()); },
      "fork + execv of the program with no arguments + waitpid (its whole run)", kRecordShape);
  r.add_param("program", prog.path);
  const double p50 = r.stats->p50;
  std::string vs;
  if (const auto s = earlier_p50(ctx, "processes.posix_spawn_true"); s && *s > 0)
    vs = fmt::format(", {:.2f}x posix_spawn's {}", p50 / *s, core::format_ns(*s));
  r.meaning = fmt::format("{} to fork, execv {} and reap it{}{}", core::format_ns(p50), prog.path, vs,
                          parent_counts(r));
  return r;
}

}  // namespace

std::vector<core::Experiment> creation_rows() {
  return {
      make_row("pthread_create", "pthread_create + join",
               "Creating and joining a thread that returns at once: the floor for a new unit "
               "of execution.",
               kCreate, run_pthread_create),
      make_row("std_thread", "std::thread + join",
               "The same through std::thread: what the C++ wrapper adds, if anything.", kCreate,
               run_std_thread),
      make_row("fork_exit", "fork + exit + wait",
               "Forking a child that exits at once and reaping it: a new address space made "
               "and torn down.",
               kCreate, run_fork_exit),
      make_row("vfork_exit", "vfork + exit + wait",
               "vfork: the child borrows the parent's memory and the parent sleeps until it "
               "exits; nothing is copied.",
               kCreate, run_vfork_exit),
      make_row("clone_vm", "clone(CLONE_VM) + wait",
               "A thread-like process: clone with CLONE_VM shares memory but has its own pid; "
               "compare with fork and a thread.",
               kCreate, run_clone_vm),
      make_row("posix_spawn_true", "posix_spawn /bin/true",
               "Starting a program with posix_spawn and waiting for it: exec and the program's "
               "run, with no page-table copy.",
               kCreate, run_posix_spawn_true),
      make_row("fork_exec_true", "fork + exec /bin/true",
               "Starting the same program with fork + execv: the page-table copy that exec "
               "throws away at once.",
               kCreate, run_fork_exec_true),
  };
}

}  // namespace illusion::labs::processes
