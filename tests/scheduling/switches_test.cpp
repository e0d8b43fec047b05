// The context-switch rows: every row runs (or says why not), the ping-pongs really switch
// (counted, two per round trip), pinned tasks do not migrate, and nothing is left behind (the
// fixture checks children, affinity, policy and nice after each test).
#include <linux/perf_event.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include <gtest/gtest.h>

#include "core/affinity.h"
#include "fixture.h"
#include "scheduling/switch_measure.h"
#include "scheduling/switch_pingpong.h"

namespace illusion::labs::scheduling {
namespace {

// What can count migrations in this process, found without the code under test: perf's
// cpu-migrations event with inherit, kernel included, as the rows open it (refused for
// paranoid >= 2 without CAP_PERFMON, under seccomp profiles that deny perf_event_open, on
// kernels without perf events); else the raw getcpu(2) the fallback asks; else nothing.
enum class MigrationCounter { perf, getcpu, none };

MigrationCounter migration_counter_here() {
  perf_event_attr attr{};
  attr.size = sizeof attr;
  attr.type = PERF_TYPE_SOFTWARE;
  attr.config = PERF_COUNT_SW_CPU_MIGRATIONS;
  attr.disabled = 1;
  attr.inherit = 1;
  attr.exclude_hv = 1;
  attr.read_format = PERF_FORMAT_TOTAL_TIME_ENABLED | PERF_FORMAT_TOTAL_TIME_RUNNING;
  const long fd = syscall(SYS_perf_event_open, &attr, 0, -1, -1, PERF_FLAG_FD_CLOEXEC);
  if (fd >= 0) {
    close(static_cast<int>(fd));
    return MigrationCounter::perf;
  }
  unsigned cpu = 0;
  return syscall(SYS_getcpu, &cpu, nullptr, nullptr) == 0 ? MigrationCounter::getcpu
                                                          : MigrationCounter::none;
}

bool has_warning_starting(const core::Result& r, const std::string& prefix) {
  return std::any_of(r.warnings.begin(), r.warnings.end(),
                     [&](const std::string& w) { return w.rfind(prefix, 0) == 0; });
}

// A ping-pong row's pinned tasks never moved, as counted by the source this host predicts; when
// nothing can count here, the row says so instead of carrying a figure.
void expect_no_migrations(const core::Result& r) {
  const std::string source = param_text(r, "migrations_source");
  const core::Metric* m = r.metric("migrations_per_round_trip");
  switch (migration_counter_here()) {
    case MigrationCounter::perf:
      EXPECT_EQ(source.rfind("perf cpu_migrations", 0), 0u) << r.id << ": " << source;
      break;
    case MigrationCounter::getcpu:
      EXPECT_EQ(source.rfind("getcpu", 0), 0u) << r.id << ": " << source;
      EXPECT_TRUE(has_warning_starting(r, "cpu_migrations: perf unavailable")) << r.id;
      break;
    case MigrationCounter::none:
      EXPECT_EQ(m, nullptr) << r.id << ": " << source;
      EXPECT_TRUE(has_warning_starting(r, "cpu_migrations: not counted")) << r.id;
      return;
  }
  ASSERT_NE(m, nullptr) << r.id << ": " << r.meaning;
  EXPECT_EQ(m->value, 0.0) << r.id << " (" << source << "): " << r.meaning;
}

class SwitchRows : public SchedLabTest {
 protected:
  static std::string param(const core::Result& r, const std::string& name) {
    for (const core::Param& p : r.params)
      if (p.name == name) {
        if (const auto* s = std::get_if<std::string>(&p.value)) return *s;
        return std::to_string(std::get<double>(p.value));
      }
    return "";
  }

  // A ping-pong row: ran, quotes its figures, switched per round trip, never moved.
  // On one CPU the two tasks must alternate, so a round trip is at least two switches by
  // construction. Across CPUs nothing forces a side to block: it skips its block when the token
  // is back before it reaches its read. For that the partner must be woken on its CPU, read and
  // write (a wake-up and two syscalls) while this side only returns from one syscall and enters
  // the next, which happens only when this side's CPU stalls in that window (a vCPU the host
  // preempted: 6% of hand-offs on a PVM guest, 1.877 switches per round trip). The floor of one
  // switch per round trip allows half the hand-offs to stall so; a row that never blocked (a
  // broken ping-pong) would count none.
  void expect_pingpong(const core::Result& r, const std::string& baseline_metric,
                       double min_switches = 2.0) {
    expect_ok(r);
    EXPECT_FALSE(param(r, "stats_per").empty()) << r.id;
    EXPECT_GT(metric(r, "round_trip_ns"), 0) << r.id;
    EXPECT_GT(metric(r, "round_trip_mean_ns"), 0) << r.id;
    EXPECT_GT(metric(r, baseline_metric), 0) << r.id;
    EXPECT_GE(metric(r, "switches_per_round_trip"), min_switches) << r.id << ": " << r.meaning;
    // Fewer than two is allowed across CPUs, never silently: the row must say a side did not
    // block, so a reader does not take the figure for pure switches.
    if (metric(r, "switches_per_round_trip") < 1.9) {
      bool said = false;
      for (const std::string& w : r.warnings)
        said = said || w.find("did not block") != std::string::npos;
      EXPECT_TRUE(said) << r.id << ": fewer than 2 switches per round trip, and no warning";
    }
    expect_no_migrations(r);
    EXPECT_GE(counter(r, "context_switches"), min_switches / 2) << r.id;  // per hand-off
    EXPECT_NE(r.meaning.find("switches"), std::string::npos) << r.meaning;
    // Round trips are batched when short: the tail is then from single round trips where the
    // clock resolves one, and the row says why not where it does not (a slow clock).
    if (core::per_op_stats(r))
      EXPECT_FALSE(param(r, "op_tail_from").empty()) << r.id;
    else
      EXPECT_FALSE(r.op_tail_note.empty()) << r.id;
  }

  void expect_cross_cpu(const std::string& id, const std::string& baseline_metric) {
    const core::Result& r = run(id);
    const std::string why = cross_cpu_reason();
    if (!why.empty()) {
      EXPECT_EQ(r.status, core::Status::skipped) << id;
      EXPECT_EQ(r.reason, why) << id;
      return;
    }
    expect_pingpong(r, baseline_metric, 1.0);
  }
};

TEST(PerSwitch, SubtractsTwoBaselinesAndHalves) {
  EXPECT_DOUBLE_EQ(per_switch_ns(3000, 500), 1000);
  EXPECT_DOUBLE_EQ(per_switch_ns(1000, 500), 0);
  EXPECT_DOUBLE_EQ(per_switch_ns(800, 500), -100);  // kept negative, never clamped
  const std::vector<double> s = per_switch_samples({3000, 5000}, 250);
  ASSERT_EQ(s.size(), 2u);
  EXPECT_DOUBLE_EQ(s[0], 1250);
  EXPECT_DOUBLE_EQ(s[1], 2250);
}

TEST_F(SwitchRows, TableOrderAndHeadline) {
  const std::vector<std::string> want = {
      "scheduling.pipe_baseline",          "scheduling.pipe_threads_same_cpu",
      "scheduling.pipe_threads_cross_cpu", "scheduling.pipe_procs_same_cpu",
      "scheduling.pipe_procs_cross_cpu",   "scheduling.futex_same_cpu",
      "scheduling.futex_cross_cpu",        "scheduling.switch_indirect_cost"};
  std::vector<std::string> got;
  for (const core::Experiment& e : lab_.experiments) {
    for (const std::string& id : want)
      if (e.id == id) got.push_back(e.id);
    if (e.id == "scheduling.pipe_threads_same_cpu") {
      EXPECT_TRUE(e.headline);
    }
  }
  EXPECT_EQ(got, want);
}

TEST_F(SwitchRows, PipeBaselineHasNoSwitch) {
  const core::Result& r = run("scheduling.pipe_baseline");
  expect_ok(r);
  EXPECT_FALSE(param(r, "stats_per").empty());
}

TEST_F(SwitchRows, PipeThreadsSameCpuUsesTheBaselineRow) {
  const core::Result& base = run("scheduling.pipe_baseline");
  expect_ok(base);
  const core::Result& r = run("scheduling.pipe_threads_same_cpu");
  expect_pingpong(r, "pipe_baseline_ns");
  EXPECT_EQ(metric(r, "pipe_baseline_ns"), base.stats->p50);
  EXPECT_NE(param(r, "baseline_source").find("scheduling.pipe_baseline"), std::string::npos);
  // The thread rows also measure the pipe's cost with the partner thread alive.
  EXPECT_GT(metric(r, "pipe_baseline_two_threads_ns"), 0);
  EXPECT_TRUE(std::isfinite(metric(r, "per_switch_two_threads_baseline_ns")));
}

TEST_F(SwitchRows, PipeProcsSameCpuMeasuresItsBaselineInline) {
  const core::Result& r = run("scheduling.pipe_procs_same_cpu");
  expect_pingpong(r, "pipe_baseline_ns");
  EXPECT_NE(param(r, "baseline_source").find("inline"), std::string::npos);
  EXPECT_EQ(r.metric("pipe_baseline_two_threads_ns"), nullptr);  // processes share no fd table
}

TEST_F(SwitchRows, FutexSameCpu) {
  expect_pingpong(run("scheduling.futex_same_cpu"), "futex_baseline_ns");
}

TEST_F(SwitchRows, CrossCpuRowsRunOrSayWhy) {
  expect_cross_cpu("scheduling.pipe_threads_cross_cpu", "pipe_baseline_ns");
  expect_cross_cpu("scheduling.pipe_procs_cross_cpu", "pipe_baseline_ns");
  expect_cross_cpu("scheduling.futex_cross_cpu", "futex_baseline_ns");
}

TEST_F(SwitchRows, IndirectCostReportsBothRereads) {
  const core::Result& r = run("scheduling.switch_indirect_cost");
  ASSERT_EQ(r.status, core::Status::ok) << r.reason;
  ASSERT_TRUE(r.stats.has_value());
  EXPECT_GT(r.stats->n, 0u);
  EXPECT_FALSE(r.meaning.empty());
  EXPECT_GT(metric(r, "reread_no_switch_p50_ns"), 0);
  EXPECT_GT(metric(r, "reread_after_switch_p50_ns"), 0);
  EXPECT_GT(metric(r, "reread_after_idle_switch_p50_ns"), 0);
  EXPECT_TRUE(std::isfinite(metric(r, "extra_ns_per_switch")));
  EXPECT_GE(metric(r, "noise_ns"), 0);
}

// Counting on its own: N round trips are at least 2N switches for every kind of link.
TEST_F(SwitchRows, EveryRoundTripIsTwoSwitches) {
  const int cpu = core::allowed_cpus().back();
  AffinityGuard caller;
  ASSERT_EQ(caller.pin(cpu), "");
  constexpr std::size_t kTrips = 200;
  const std::vector<std::pair<const char*, StartedPingPong (*)(int)>> kinds = {
      {"pipe thread", start_pipe_thread},
      {"pipe process", start_pipe_process},
      {"futex thread", [](int c) { return start_futex_thread(c); }}};
  for (const auto& [name, start] : kinds) {
    const SwitchCount count = count_switches([&] { return start(cpu); }, kTrips);
    ASSERT_TRUE(count.refusal.empty()) << name << ": " << count.refusal;
    ASSERT_TRUE(count.switches.has_value()) << name;
    EXPECT_GE(*count.switches, 2.0 * kTrips) << name << " (" << count.source << ")";
    if (migration_counter_here() == MigrationCounter::none) {
      EXPECT_FALSE(count.migrations.has_value()) << name;
      continue;
    }
    ASSERT_TRUE(count.migrations.has_value()) << name;
    EXPECT_EQ(*count.migrations, 0.0) << name << " (" << count.migrations_source << ")";
  }
}

// The same counts on a host that refuses perf (the seam: no perf event opened): switches from
// getrusage, moves from getcpu on both sides, each fallback named in a warning.
TEST_F(SwitchRows, CountsWithoutPerf) {
  const int cpu = core::allowed_cpus().back();
  AffinityGuard caller;
  ASSERT_EQ(caller.pin(cpu), "");
  constexpr std::size_t kTrips = 200;
  const bool getcpu_works = migration_counter_here() != MigrationCounter::none;
  const std::vector<std::pair<const char*, StartedPingPong (*)(int)>> kinds = {
      {"pipe thread", start_pipe_thread},
      {"pipe process", start_pipe_process},
      {"futex thread", [](int c) { return start_futex_thread(c); }}};
  for (const auto& [name, start] : kinds) {
    const SwitchCount count = count_switches([&] { return start(cpu); }, kTrips, false);
    ASSERT_TRUE(count.refusal.empty()) << name << ": " << count.refusal;
    ASSERT_TRUE(count.switches.has_value()) << name;
    EXPECT_GE(*count.switches, 2.0 * kTrips) << name << " (" << count.source << ")";
    EXPECT_NE(count.source.find("getrusage"), std::string::npos) << count.source;
    EXPECT_FALSE(count.migrations_from_perf) << name;
    if (!getcpu_works) {
      EXPECT_FALSE(count.migrations.has_value()) << name;
      EXPECT_TRUE(std::any_of(
          count.warnings.begin(), count.warnings.end(),
          [](const std::string& w) { return w.rfind("cpu_migrations: not counted", 0) == 0; }))
          << name;
      continue;
    }
    ASSERT_TRUE(count.migrations.has_value()) << name;
    EXPECT_EQ(*count.migrations, 0.0) << name;
    EXPECT_EQ(count.migrations_source.rfind("getcpu", 0), 0u) << count.migrations_source;
  }
}

// A caller that is not pinned to one CPU cannot be checked with getcpu: with perf refused the
// count is withheld, and the warning says why, rather than reporting zero moves.
TEST_F(SwitchRows, UnpinnedCallerGetsNoGetcpuCount) {
  const std::vector<int> cpus = core::allowed_cpus();
  if (cpus.size() < 2)
    GTEST_SKIP() << "needs two allowed CPUs to leave the caller unpinned; allowed: " << cpus.size();
  const SwitchCount count =
      count_switches([&] { return start_futex_thread(cpus.back()); }, 50, false);
  ASSERT_TRUE(count.refusal.empty()) << count.refusal;
  EXPECT_FALSE(count.migrations.has_value());
  EXPECT_TRUE(count.migrations_source.empty()) << count.migrations_source;
  EXPECT_TRUE(std::any_of(count.warnings.begin(), count.warnings.end(), [](const std::string& w) {
    return w.find("not pinned to one CPU") != std::string::npos;
  }));
}

// A partner that cannot pin itself is refused, and torn down: the thread joined, the child
// reaped (the fixture checks no child is left).
TEST_F(SwitchRows, RefusedPartnersAreCleanedUp) {
  constexpr int kNoSuchCpu = 1000;  // below CPU_SETSIZE, not allowed on any test machine
  for (StartedPingPong (*start)(int) : {start_pipe_thread, start_pipe_process}) {
    StartedPingPong s = start(kNoSuchCpu);
    EXPECT_EQ(s.link, nullptr);
    EXPECT_NE(s.refusal.find("CPU 1000"), std::string::npos) << s.refusal;
  }
  StartedPingPong f = start_futex_thread(kNoSuchCpu);
  EXPECT_EQ(f.link, nullptr);
  EXPECT_FALSE(f.refusal.empty());
}

}  // namespace
}  // namespace illusion::labs::scheduling
