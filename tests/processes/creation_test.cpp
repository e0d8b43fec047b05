// Runs the creation experiments for real, in the quick profile. Asserts status, structure,
// counts the kernel keeps (faults, syscalls) and orderings of 2x or more, never a tight time;
// and that no child of this process is left behind, running or zombie.
#include <sched.h>
#include <unistd.h>

#include <climits>
#include <cstdlib>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "support/lab_fixture.h"
#include "support/sanitizer.h"
#include "support/steal.h"

#include "core/experiment.h"
#include "processes/creation_ops.h"
#include "processes/lab.h"

using namespace illusion;
using core::Result;
using core::Status;

namespace {

// AddressSanitizer (the ILLUSION_SANITIZE build) wraps thread creation and _exit with its own
// bookkeeping: threads fault in their shadow and fake stacks, and a vfork child's _exit runs
// the sanitizer's exit hooks. Orderings that hold for the real calls do not hold there, so
// those checks are skipped in that build; status, structure and reaping are still tested.
using illusion::testing::kSanitized;

const core::Param* find_param(const Result& r, const std::string& name) {
  for (const core::Param& p : r.params)
    if (p.name == name) return &p;
  return nullptr;
}

std::string text_param(const Result& r, const std::string& name) {
  const core::Param* p = find_param(r, name);
  const auto* s = p ? std::get_if<std::string>(&p->value) : nullptr;
  return s ? *s : "";
}

std::optional<double> per_op(const Result& r, const std::string& counter) {
  const core::CounterValue* c = r.counter(counter);
  return c ? c->per_op : std::nullopt;
}

class CreationRun : public illusion::testing::LabTest {
 protected:
  // No child before the test, and none left by the experiments.
  CreationRun() : LabTest(labs::processes::lab(), {.children = ChildCheck::before_and_after}) {}

  void expect_more(const Result& r) const override {
    EXPECT_EQ(r.unit, "ns/op") << r.id;
    EXPECT_FALSE(text_param(r, "op").empty()) << r.id << " does not say what one op is";
  }
};

const std::vector<std::string> kCreationIds = {
    "processes.pthread_create", "processes.std_thread", "processes.fork_exit",
    "processes.vfork_exit",     "processes.clone_vm",   "processes.posix_spawn_true",
    "processes.fork_exec_true"};

}  // namespace

TEST(ProcessesTable, IdsAreUniqueAndPrefixed) {
  const core::Lab lab = labs::processes::lab();
  EXPECT_EQ(lab.id, "processes");
  std::set<std::string> ids;
  for (const core::Experiment& e : lab.experiments) {
    EXPECT_EQ(e.id.rfind("processes.", 0), 0u) << e.id;
    EXPECT_TRUE(ids.insert(e.id).second) << "duplicate id " << e.id;
    EXPECT_FALSE(e.title.empty()) << e.id;
    EXPECT_FALSE(e.shows.empty()) << e.id;
    EXPECT_TRUE(static_cast<bool>(e.run)) << e.id;
  }
  std::vector<std::string> ours = kCreationIds;
  for (const char* id : {"processes.fork_vs_size", "processes.vfork_vs_size",
                         "processes.spawn_vs_size", "processes.fork_thp_1g"})
    ours.push_back(id);
  for (const std::string& id : ours) EXPECT_EQ(ids.count(id), 1u) << id;
  for (const core::Experiment& e : lab.experiments) {
    bool mine = false;
    for (const std::string& id : ours) mine = mine || id == e.id;
    if (!mine) continue;
    EXPECT_EQ(e.unit, "ns/op") << e.id;
    // Every one of these runs in every profile, so each needs an ETA in each.
    for (core::Profile p : {core::Profile::quick, core::Profile::standard, core::Profile::thorough})
      EXPECT_GT(e.duration.for_profile(p), 0) << e.id;
    if (e.id == "processes.pthread_create" || e.id == "processes.fork_exit") {
      EXPECT_TRUE(e.headline) << e.id;  // rungs of the cost ladder
    }
  }
}

TEST(ProcessesTable, MissingProgramIsReportedNotThrown) {
  const labs::processes::Program missing =
      labs::processes::resolve_program("/nonexistent-illusion-dir/true");
  EXPECT_TRUE(missing.path.empty());
  EXPECT_NE(missing.missing_reason.find("/nonexistent-illusion-dir/true"), std::string::npos)
      << missing.missing_reason;
  if (access("/bin/true", X_OK) != 0) GTEST_SKIP() << "no /bin/true here";
  const labs::processes::Program t = labs::processes::resolve_program("/bin/true");
  ASSERT_FALSE(t.path.empty()) << t.missing_reason;
  EXPECT_EQ(t.path.front(), '/');
  ASSERT_EQ(t.argv().size(), 2u);
  EXPECT_EQ(t.argv().back(), nullptr);
}

TEST_F(CreationRun, EveryCreationExperimentRunsInQuick) {
  for (const std::string& id : kCreationIds) {
    const Result& r = run(id);
    if (r.status == Status::skipped &&
        (id == "processes.posix_spawn_true" || id == "processes.fork_exec_true")) {
      EXPECT_NE(r.reason.find("/bin/true"), std::string::npos) << r.reason;
      continue;
    }
    expect_ok(r);
    EXPECT_EQ(r.id, id);
  }
  // The program that ran is named by its resolved path.
  for (const Result& r : earlier_) {
    if (r.status != Status::ok) continue;
    if (r.id == "processes.posix_spawn_true" || r.id == "processes.fork_exec_true") {
      char buf[PATH_MAX];
      ASSERT_NE(realpath("/bin/true", buf), nullptr);
      EXPECT_EQ(text_param(r, "program"), buf) << r.id;
    }
  }
}

TEST_F(CreationRun, ForkCostsMoreThanAThreadAndFaultsInTheParent) {
  const illusion::testing::StealWatch steal;
  const Result& thread = run("processes.pthread_create");
  const Result& fork = run("processes.fork_exit");
  expect_ok(thread);
  expect_ok(fork);
  ASSERT_NE(fork.metric("ratio_vs_pthread"), nullptr);
  EXPECT_NEAR(fork.metric("ratio_vs_pthread")->value, fork.stats->p50 / thread.stats->p50, 1e-9);
  if (kSanitized) GTEST_SKIP() << "orderings are not checked under AddressSanitizer";
  // The parent's own CPU time (task_clock), not wall time: another busy process on this
  // machine delays the wake-ups (a CFS slice is milliseconds) but not the work. fork copies
  // an address space in the parent; pthread_create only makes a task.
  // (What the host steals from the vCPU is counted as task_clock, so only where it stole none.)
  const auto fork_cpu = per_op(fork, "task_clock");
  const auto thread_cpu = per_op(thread, "task_clock");
  const auto stolen = steal.stolen_ms();
  if (fork_cpu && thread_cpu && stolen && *stolen == 0) {
    EXPECT_GT(*fork_cpu, 2 * *thread_cpu);
  }
  // fork write-protects the parent's private pages, so the parent's next writes (its stack,
  // the sample buffer) fault; a thread shares the address space and changes no protection.
  // getrusage(2) counts are always available.
  const auto fork_faults = per_op(fork, "rusage_minor_faults");
  const auto thread_faults = per_op(thread, "rusage_minor_faults");
  ASSERT_TRUE(fork_faults && thread_faults);
  EXPECT_GE(*fork_faults, 1.0);
  EXPECT_LT(*thread_faults, 0.5);
  // clone + wait4, counted by the kernel, where the tracepoint is available.
  if (const auto sys = per_op(fork, "syscalls")) {
    EXPECT_GE(*sys, 1.9);
    EXPECT_LT(*sys, 4.0);
  }
}

TEST_F(CreationRun, VforkAndCloneVmCopyNothing) {
  const illusion::testing::StealWatch steal;
  const Result& fork = run("processes.fork_exit");
  const Result& vfork = run("processes.vfork_exit");
  const Result& clone = run("processes.clone_vm");
  expect_ok(fork);
  expect_ok(vfork);
  expect_ok(clone);
  if (kSanitized) GTEST_SKIP() << "orderings are not checked under AddressSanitizer";
  // Sharing the parent's memory leaves its page protections alone: no faults follow.
  for (const Result* r : {&vfork, &clone}) {
    const auto faults = per_op(*r, "rusage_minor_faults");
    ASSERT_TRUE(faults.has_value()) << r->id;
    EXPECT_LT(*faults, 0.5) << r->id;
  }
  EXPECT_NE(vfork.meaning.find("faster than fork"), std::string::npos) << vfork.meaning;
  // Nothing to copy: the parent's CPU time per op (task_clock, immune to waiting for a busy
  // CPU) is well below fork's, unless the host stole vCPU time meanwhile, which task_clock
  // counts as the task's (a stolen millisecond is several forks' worth).
  if (const auto stolen = steal.stolen_ms(); stolen && *stolen > 0)
    GTEST_SKIP() << "the host stole " << *stolen << " ms of CPU while the rows ran (steal in "
                 << "/proc/stat): their task_clock figures include it, so no CPU-time ordering";
  const auto fork_cpu = per_op(fork, "task_clock");
  for (const Result* r : {&vfork, &clone}) {
    const auto cpu = per_op(*r, "task_clock");
    if (fork_cpu && cpu) {
      EXPECT_LT(2 * *cpu, *fork_cpu) << r->id;
    }
  }
}

TEST_F(CreationRun, PinnedCreatorsChildrenStartOnItsCpu) {
  // New tasks inherit the creator's CPU mask (sched_setaffinity(2)), so with one CPU allowed
  // every thread and CLONE_VM child must report starting on it: the tally sees no "elsewhere".
  cpu_set_t saved;
  ASSERT_EQ(sched_getaffinity(0, sizeof saved, &saved), 0);
  cpu_set_t one;
  CPU_ZERO(&one);
  const int cpu = sched_getcpu();
  ASSERT_GE(cpu, 0);
  CPU_SET(cpu, &one);
  ASSERT_EQ(sched_setaffinity(0, sizeof one, &one), 0);
  const Result& thread = run("processes.pthread_create");
  const Result& clone = run("processes.clone_vm");
  sched_setaffinity(0, sizeof saved, &saved);
  for (const Result* r : {&thread, &clone}) {
    expect_ok(*r);
    const core::Metric* m = r->metric("started_elsewhere_fraction");
    ASSERT_NE(m, nullptr) << r->id;
    EXPECT_EQ(m->value, 0.0) << r->id;
  }
}

TEST_F(CreationRun, OpsCalledDirectlyReapTheirChildren) {
  labs::processes::CpuTally tally;
  labs::processes::pthread_create_join(&tally);
  labs::processes::std_thread_join(&tally);
  labs::processes::fork_exit();
  labs::processes::vfork_exit();
  const labs::processes::CloneStack stack;
  labs::processes::clone_vm_exit(stack, &tally);
  // Every unit reported a CPU (sched_getcpu and getcpu(2) work here).
  EXPECT_EQ(tally.units, 3u);
  EXPECT_LE(tally.elsewhere, tally.units);
  const labs::processes::Program t = labs::processes::resolve_program();
  if (!t.path.empty()) {
    const std::vector<char*> argv = t.argv();
    labs::processes::posix_spawn_wait(t.path, argv.data());
    labs::processes::fork_exec_wait(t.path, argv.data());
  }
  // A program that fails is an error, not a figure.
  if (access("/bin/false", X_OK) == 0) {
    const labs::processes::Program f = labs::processes::resolve_program("/bin/false");
    ASSERT_FALSE(f.path.empty());
    const std::vector<char*> argv = f.argv();
    EXPECT_THROW(labs::processes::posix_spawn_wait(f.path, argv.data()), std::runtime_error);
    EXPECT_THROW(labs::processes::fork_exec_wait(f.path, argv.data()), std::runtime_error);
  }
}
