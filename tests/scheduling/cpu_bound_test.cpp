// The oversubscription rows: every row reports every thread's progress, fairness, throughput
// per CPU-second and the switches its threads took; threads outnumbering CPUs must wait; pinned
// busy threads are never migrated; and the RAPL reader reads (or explains) energy.
#include <sys/stat.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include <gtest/gtest.h>

#include "scheduling/busy_energy.h"
#include "scheduling/busy_summary.h"
#include "scheduling/busy_threads.h"
#include "scheduling/fixture.h"

namespace illusion::labs::scheduling {
namespace {

class CpuBoundRows : public SchedLabTest {
 protected:
  std::size_t cpus() const { return cpu_budget(ctx_).cpus.size(); }

  // What every cpu_bound row must carry, for a row of `threads` threads.
  void expect_figures(const core::Result& r, std::size_t threads) {
    expect_ok(r);
    EXPECT_EQ(metric(r, "threads"), static_cast<double>(threads)) << r.id;
    for (const char* name :
         {"units_per_s", "units_per_cpu_s", "cpu_share", "units_per_thread_min",
          "units_per_thread_max", "fairness_min_over_max", "fairness_cv", "waits_per_thread",
          "involuntary_switches_per_thread", "voluntary_switches_per_thread", "unit_ns"}) {
      EXPECT_NE(r.metric(name), nullptr) << r.id << " lacks " << name;
    }
    EXPECT_GT(metric(r, "units_per_s"), 0) << r.id;
    EXPECT_GT(metric(r, "units_per_cpu_s"), 0) << r.id;
    EXPECT_GE(metric(r, "fairness_cv"), 0) << r.id;
    // Every thread's progress, each thread having done some work.
    const core::Series* progress = nullptr;
    for (const core::Series& s : r.series)
      if (s.name == "units_per_thread") progress = &s;
    ASSERT_NE(progress, nullptr) << r.id;
    ASSERT_EQ(progress->points.size(), threads) << r.id;
    for (const auto& [thread, units] : progress->points) EXPECT_GT(units, 0) << r.id << thread;
    // At least one slice per thread (a thread never switched out still counts its window).
    EXPECT_GE(r.stats->n, threads) << r.id;
    bool has_stats_per = false, has_energy = r.metric("energy_j") != nullptr;
    for (const core::Param& p : r.params) {
      has_stats_per |= p.name == "stats_per";
      if (p.name == "energy") {
        const auto* text = std::get_if<std::string>(&p.value);
        ASSERT_NE(text, nullptr);
        EXPECT_EQ(text->rfind("not available: ", 0), 0u) << *text;
        has_energy = true;
      }
    }
    EXPECT_TRUE(has_stats_per) << r.id;
    EXPECT_TRUE(has_energy) << r.id << ": neither energy_j nor why it is missing";
  }
};

TEST_F(CpuBoundRows, OneThread) {
  expect_figures(run("scheduling.cpu_bound_1x1"), 1);
}

TEST_F(CpuBoundRows, OneThreadPerCpu) {
  expect_figures(run("scheduling.cpu_bound_cores"), cpus());
}

TEST_F(CpuBoundRows, TwiceAsManyThreadsAsCpus) {
  const core::Result& r = run("scheduling.cpu_bound_2x");
  expect_figures(r, 2 * cpus());
}

// More runnable threads than CPUs: each must have been switched out, and a busy thread never
// blocks, so the switches are involuntary. (A 10x margin over the one-thread row does not hold
// on a shared VM: other tenants preempt a lone thread as often, so it is not asserted.)
TEST_F(CpuBoundRows, OversubscribedThreadsWaitAndAreSwitchedOut) {
  const core::Result& r = run("scheduling.cpu_bound_4x");
  expect_figures(r, 4 * cpus());
  EXPECT_GE(metric(r, "involuntary_switches_per_thread"), 1);
  EXPECT_GE(metric(r, "waits_per_thread"), 1);
  EXPECT_NE(r.metric("wait_p99_ns"), nullptr);
  EXPECT_LT(metric(r, "cpu_share"), 1.0);
}

// Threads pinned to one CPU (the harness pins them, on themselves) are never migrated.
TEST_F(CpuBoundRows, PinnedBusyThreadsAreNotMigrated) {
  const int cpu = cpu_budget(ctx_).cpus.front();
  const BusyRun run = run_busy(
      *clock_,
      {.threads = 2, .cpus = {cpu}, .duration_ns = 100e6, .gap_threshold_ns = kGapThresholdNs});
  ASSERT_EQ(run.refusal(), "");
  const BusySummary s = summarize(run);
  if (!s.migrations_per_thread) GTEST_SKIP() << "/proc/thread-self/sched is absent";
  EXPECT_EQ(*s.migrations_per_thread, 0);
  for (const BusyThread& t : run.threads) {
    ASSERT_EQ(t.cpus_seen.size(), 1u);
    EXPECT_EQ(t.cpus_seen.front(), cpu);
  }
}

class EnergyMeterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string templ = std::filesystem::temp_directory_path().string() + "/powercap-XXXXXX";
    ASSERT_NE(mkdtemp(templ.data()), nullptr);
    dir_ = templ;
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  void write(const std::string& rel, const std::string& text) {
    std::filesystem::create_directories(std::filesystem::path(dir_ + "/" + rel).parent_path());
    std::ofstream(dir_ + "/" + rel) << text << "\n";
  }
  std::string dir_;
};

TEST_F(EnergyMeterTest, MissingDirectorySaysWhy) {
  EnergyMeter meter(dir_ + "/absent");
  EXPECT_NE(meter.unavailable().find("absent"), std::string::npos) << meter.unavailable();
  EXPECT_FALSE(meter.joules_since_start().has_value());
}

TEST_F(EnergyMeterTest, ReadsPackageZonesAndIgnoresSubzones) {
  write("intel-rapl:0/energy_uj", "1000000");
  write("intel-rapl:0/max_energy_range_uj", "10000000");
  write("intel-rapl:0/name", "package-0");
  write("intel-rapl:0:0/energy_uj", "5");  // a core inside the package: not added twice
  EnergyMeter meter(dir_);
  ASSERT_EQ(meter.unavailable(), "");
  EXPECT_EQ(meter.zones(), "intel-rapl:0 (package-0)");
  meter.start();
  write("intel-rapl:0/energy_uj", "3500000");
  write("intel-rapl:0:0/energy_uj", "900000000");
  ASSERT_TRUE(meter.joules_since_start().has_value());
  EXPECT_DOUBLE_EQ(*meter.joules_since_start(), 2.5);
}

TEST_F(EnergyMeterTest, CounterWrapIsAccountedFor) {
  write("intel-rapl:0/energy_uj", "9000000");
  write("intel-rapl:0/max_energy_range_uj", "10000000");
  EnergyMeter meter(dir_);
  meter.start();
  write("intel-rapl:0/energy_uj", "500000");
  ASSERT_TRUE(meter.joules_since_start().has_value());
  EXPECT_DOUBLE_EQ(*meter.joules_since_start(), 1.5);
}

TEST_F(EnergyMeterTest, NoPackageZoneSaysSo) {
  write("intel-rapl:0:0/energy_uj", "5");
  EnergyMeter meter(dir_);
  EXPECT_NE(meter.unavailable().find("no intel-rapl/amd-rapl package zone"), std::string::npos)
      << meter.unavailable();
}

}  // namespace
}  // namespace illusion::labs::scheduling
