// The fork-versus-parent-size sweep in the quick profile (0, 64 and 256 MiB): its shape (one
// series point per size, the stats taken at the largest), fork growing while vfork stays flat,
// the parent taking no fault per page, and no child left behind. Plus the pure helpers.
#include <cmath>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "support/lab_fixture.h"
#include "support/sanitizer.h"
#include "support/steal.h"

#include "core/experiment.h"
#include "core/resources.h"
#include "processes/fork_size_sweep.h"
#include "processes/lab.h"

using namespace illusion;
using core::Result;
using core::Status;
using labs::processes::least_squares;
using labs::processes::sweep_sizes;

namespace {

// Under AddressSanitizer a vfork child's _exit runs the sanitizer's exit hooks, so vfork is
// no longer the cheap call it is: the vfork-versus-fork orderings are skipped in that build.
using illusion::testing::kSanitized;

constexpr std::uint64_t kMiB = 1ull << 20;

std::string param_text(const Result& r, const std::string& name) {
  for (const core::Param& p : r.params)
    if (p.name == name) {
      if (const auto* s = std::get_if<std::string>(&p.value)) return *s;
    }
  return "";
}

double param_number(const Result& r, const std::string& name) {
  for (const core::Param& p : r.params)
    if (p.name == name) {
      if (const auto* d = std::get_if<double>(&p.value)) return *d;
    }
  return -1;
}

double metric_value(const Result& r, const std::string& name) {
  const core::Metric* m = r.metric(name);
  if (!m) throw std::logic_error(r.id + " has no metric " + name);
  return m->value;
}

class ForkSizeRun : public illusion::testing::LabTest {
 protected:
  // The sweep must leave no child behind (running or zombie).
  ForkSizeRun() : LabTest(labs::processes::lab(), {.children = ChildCheck::after}) {}

  void SetUp() override {
    // The quick sweep holds at most 256 MiB at a time (plus the 256 MiB margin it keeps).
    const std::uint64_t avail = core::available_memory_bytes();
    if (avail != 0 && avail < 768 * kMiB) GTEST_SKIP() << "less than 768 MiB available";
    LabTest::SetUp();
    ctx_.progress = [this](double f) { progress_.push_back(f); };
  }

  // One point per quick size, in order, with the p50 metrics beside them.
  static void expect_sweep_shape(const Result& r) {
    ASSERT_EQ(r.status, Status::ok) << r.id << ": " << r.reason;
    ASSERT_TRUE(r.stats.has_value());
    EXPECT_GE(r.stats->n, 5u) << r.id;
    EXPECT_GT(r.stats->p50, 0) << r.id;
    EXPECT_EQ(r.unit, "ns/op");
    EXPECT_FALSE(r.meaning.empty());
    EXPECT_EQ(param_text(r, "sizes_mib"), "0, 64, 256") << r.id;
    EXPECT_EQ(param_text(r, "stats_at").rfind("256 MiB", 0), 0u) << param_text(r, "stats_at");
    ASSERT_EQ(r.series.size(), 1u) << r.id;
    const core::Series& s = r.series.front();
    EXPECT_EQ(s.name, "latency_vs_size");
    EXPECT_EQ(s.x_unit, "MiB");
    EXPECT_EQ(s.y_unit, "us");
    ASSERT_EQ(s.points.size(), 3u) << r.id;
    const double sizes[] = {0, 64, 256};
    for (std::size_t i = 0; i < 3; ++i) {
      EXPECT_EQ(s.points[i].first, sizes[i]) << r.id;
      EXPECT_GT(s.points[i].second, 0) << r.id;
    }
    // The stats are the largest size's: its p50 (ns) is the last point (us).
    EXPECT_NEAR(r.stats->p50 / 1e3, s.points[2].second, 1e-9);
    EXPECT_NEAR(metric_value(r, "p50_us_at_64MiB"), s.points[1].second, 1e-9);
    EXPECT_NE(r.metric("slope_us_per_gib"), nullptr) << r.id;
    EXPECT_EQ(r.metric("p50_us_at_1024MiB"), nullptr) << "quick must stop at 256 MiB";
    expect_counted_apart(r);
  }

  // Timed with no counter open; the counts come from a separate untimed pass of a few ops,
  // said in the params, and are still reported per op.
  static void expect_counted_apart(const Result& r) {
    const double counted = param_number(r, "counted_ops");
    EXPECT_GE(counted, 2) << r.id;
    EXPECT_LT(counted, static_cast<double>(r.stats->n)) << r.id << ": a short pass, not a repeat";
    EXPECT_NE(param_text(r, "counters").find("separate untimed pass"), std::string::npos) << r.id;
    const core::CounterValue* minor = r.counter("rusage_minor_faults");
    ASSERT_NE(minor, nullptr) << r.id;
    EXPECT_TRUE(minor->per_op.has_value()) << r.id;
    EXPECT_NE(r.counter("task_clock"), nullptr) << r.id;
  }

  std::vector<double> progress_;
};

}  // namespace

TEST(ForkSizeHelpers, SweepSizesPerProfile) {
  EXPECT_EQ(sweep_sizes(core::Profile::quick),
            (std::vector<std::uint64_t>{0, 64 * kMiB, 256 * kMiB}));
  const auto def = sweep_sizes(core::Profile::standard);
  ASSERT_EQ(def.size(), 4u);
  EXPECT_EQ(def.back(), 1024 * kMiB);
  EXPECT_EQ(labs::processes::mib_label(256 * kMiB), "256MiB");
}

TEST(ForkSizeHelpers, CountingPassIsAShareOfTheTimedOps) {
  const labs::processes::SizeOptions opt;  // 10%, at least 2
  EXPECT_EQ(labs::processes::counted_ops_for(5, opt), 2u);
  EXPECT_EQ(labs::processes::counted_ops_for(300, opt), 30u);
  labs::processes::SizeOptions more;
  more.min_counted_ops = 4;
  EXPECT_EQ(labs::processes::counted_ops_for(10, more), 4u);
}

TEST(ForkSizeHelpers, LeastSquaresFitsKnownLines) {
  const auto exact = least_squares({{0, 1}, {1, 3}, {2, 5}, {4, 9}});
  ASSERT_TRUE(exact.has_value());
  EXPECT_NEAR(exact->slope, 2.0, 1e-12);
  EXPECT_NEAR(exact->intercept, 1.0, 1e-12);
  // y = {0, 2, 1}: mean x 1, mean y 1, sxy = (-1)(-1) + 0 + (1)(0) = 1, sxx = 2.
  const auto noisy = least_squares({{0, 0}, {1, 2}, {2, 1}});
  ASSERT_TRUE(noisy.has_value());
  EXPECT_NEAR(noisy->slope, 0.5, 1e-12);
  EXPECT_NEAR(noisy->intercept, 0.5, 1e-12);
  EXPECT_FALSE(least_squares({{1, 2}}).has_value());
  EXPECT_FALSE(least_squares({{1, 2}, {1, 5}}).has_value());
}

TEST_F(ForkSizeRun, ForkGrowsWithTheParentAndVforkDoesNot) {
  const illusion::testing::StealWatch steal;
  const Result& fork = run("processes.fork_vs_size");
  expect_sweep_shape(fork);
  ASSERT_FALSE(progress_.empty());
  EXPECT_DOUBLE_EQ(progress_.back(), 1.0);
  // 65536 resident pages at 256 MiB: fork copies their entries without touching the pages,
  // so the parent's faults per fork stay a handful (its own stack and buffers), nowhere near
  // one per page.
  EXPECT_LT(metric_value(fork, "parent_minor_faults_per_op_at_256MiB"), 64);
  // Page tables grow with the touched memory: one 4 KiB PTE page maps 2 MiB, so 256 MiB
  // needs 128 of them (512 KiB); require at least half of that over the empty parent.
  if (fork.metric("page_tables_kib_at_256MiB") && fork.metric("page_tables_kib_at_0MiB")) {
    EXPECT_GT(metric_value(fork, "page_tables_kib_at_256MiB") -
                  metric_value(fork, "page_tables_kib_at_0MiB"),
              256);
  }
  // Copying 65536 entries costs the parent far more CPU than an empty fork. CPU time
  // (task_clock), not wall time: a busy machine delays wake-ups by whole CFS slices, not work.
  // A busy host is another matter: what it steals from the vCPU counts as task_clock too, so
  // the CPU-time orderings hold only where nothing was stolen while the rows ran.
  const bool cpu_counted = fork.metric("parent_cpu_us_at_0MiB") != nullptr;
  const auto stolen_in_fork = steal.stolen_ms();
  if (cpu_counted && (!stolen_in_fork || *stolen_in_fork == 0)) {
    EXPECT_GT(metric_value(fork, "parent_cpu_us_at_256MiB"),
              3 * metric_value(fork, "parent_cpu_us_at_0MiB"));
  }
  EXPECT_GT(metric_value(fork, "slope_us_per_gib"), 0);

  const Result& vfork = run("processes.vfork_vs_size");
  expect_sweep_shape(vfork);
  EXPECT_NE(vfork.meaning.find("against fork's"), std::string::npos) << vfork.meaning;
  if (kSanitized) GTEST_SKIP() << "vfork orderings are not checked under AddressSanitizer";
  EXPECT_LT(metric_value(vfork, "parent_minor_faults_per_op_at_256MiB"), 0.5);
  if (const auto stolen = steal.stolen_ms(); cpu_counted && stolen && *stolen > 0)
    GTEST_SKIP() << "the host stole " << *stolen << " ms of CPU while the sweeps ran (steal in "
                 << "/proc/stat): their task_clock figures include it, so no CPU-time ordering";
  // Flat: at 256 MiB the vfork parent spends a fraction of the fork parent's CPU, and no more
  // than it did at 0 MiB (with room for noise).
  if (cpu_counted) {
    EXPECT_LT(5 * metric_value(vfork, "parent_cpu_us_at_256MiB"),
              metric_value(fork, "parent_cpu_us_at_256MiB"));
    EXPECT_LT(metric_value(vfork, "parent_cpu_us_at_256MiB"),
              3 * metric_value(vfork, "parent_cpu_us_at_0MiB"));
  }
}

TEST_F(ForkSizeRun, SpawnSweepRunsOrSaysWhyNot) {
  const Result& spawn = run("processes.spawn_vs_size");
  if (spawn.status == Status::skipped) {
    EXPECT_NE(spawn.reason.find("/bin/true"), std::string::npos) << spawn.reason;
    return;
  }
  expect_sweep_shape(spawn);
  EXPECT_FALSE(param_text(spawn, "program").empty());
}

TEST_F(ForkSizeRun, ThpForkReportsWhatBecameHuge) {
  const illusion::testing::StealWatch steal;
  const Result& r = run("processes.fork_thp_1g");
  ASSERT_EQ(r.status, Status::ok) << r.reason;
  ASSERT_TRUE(r.stats.has_value());
  EXPECT_GE(r.stats->n, 5u);
  EXPECT_FALSE(r.meaning.empty());
  expect_counted_apart(r);
  const double fraction = metric_value(r, "huge_fraction");
  EXPECT_GE(fraction, 0.0);
  EXPECT_LE(fraction, 1.0);
  EXPECT_GT(metric_value(r, "p50_us_4k"), 0);
  if (fraction >= 0.9) {
    // 512x fewer entries to copy: the huge-page parent spends far less CPU in fork (CPU time,
    // which a busy machine does not inflate the way it does wall time).
    const auto stolen = steal.stolen_ms();  // the host's steal counts as task_clock too
    if (r.metric("parent_cpu_us_thp") && r.metric("parent_cpu_us_4k") && stolen &&
        *stolen == 0) {
      EXPECT_LT(2 * metric_value(r, "parent_cpu_us_thp"), metric_value(r, "parent_cpu_us_4k"));
    }
  } else {
    EXPECT_FALSE(r.warnings.empty()) << "THP fell short without a warning";
  }
}
