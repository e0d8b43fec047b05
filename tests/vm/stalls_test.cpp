// vm.frame_loop_faults and vm.mmap_churn_stall in the quick profile: the faulting frames count
// the injected first-touch faults (counter-based), the major-fault file leaves nothing in the
// temp dir, the timer slack is restored, and every thread started is gone again. Plus the
// frame loop and churn helpers on their own.
#include <sys/prctl.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <variant>

#include <gtest/gtest.h>

#include "support/sanitizer.h"

#include "support/lab_fixture.h"
#include "support/threads.h"

#include "core/affinity.h"
#include "core/host_behaviour.h"
#include "core/interrupts.h"
#include "core/mapping.h"
#include "core/resources.h"
#include "vm/lab.h"
#include "vm/stalls_churn_threads.h"
#include "vm/stalls_frames.h"

using namespace illusion;
using namespace illusion::labs::vm;

namespace {

constexpr std::uint64_t kMiB = 1ull << 20;

using illusion::testing::thread_count;
using illusion::testing::thread_count_settled;

double metric_value(const core::Result& r, const std::string& name) {
  const core::Metric* m = r.metric(name);
  if (!m) throw std::logic_error(r.id + " has no metric " + name);
  return m->value;
}

std::string param_text(const core::Result& r, const std::string& name) {
  for (const core::Param& p : r.params)
    if (p.name == name)
      if (const auto* s = std::get_if<std::string>(&p.value)) return *s;
  return "";
}

const core::Series* series(const core::Result& r, const std::string& name) {
  for (const core::Series& s : r.series)
    if (s.name == name) return &s;
  return nullptr;
}

class StallRun : public illusion::testing::LabTest {
 protected:
  StallRun() : LabTest(labs::vm::lab(), {.temp_dir = true}) {}
  void SetUp() override {
    // 30 frames x 8 MiB of fresh pages, plus the 256 MiB margin.
    const std::uint64_t avail = core::available_memory_bytes();
    if (avail != 0 && avail < 600 * kMiB) GTEST_SKIP() << "less than 600 MiB available";
    LabTest::SetUp();
  }
};

TEST_F(StallRun, FrameLoopCountsTheInjectedFaults) {
  const int threads = thread_count();
  const long slack = prctl(PR_GET_TIMERSLACK, 0, 0, 0, 0);
  const core::Result& r = run("vm.frame_loop_faults");
  expect_ok(r);
  EXPECT_EQ(r.unit, "ns/frame");
  EXPECT_EQ(r.stats->n, 20u);
  // 2000 fresh pages per frame, each a first-touch fault: counted, not assumed.
  const core::CounterValue* ru = r.counter("rusage_minor_faults");
  ASSERT_NE(ru, nullptr);
  ASSERT_TRUE(ru->per_op.has_value());
  if (!illusion::testing::kSanitized) {  // shadow-memory faults add to the count under ASan
    EXPECT_NEAR(metric_value(r, "faults_per_frame"), 2000, 100);
    EXPECT_NEAR(*ru->per_op, 2000, 100);
    if (const core::CounterValue* pf = r.counter("minor_faults"); pf && pf->per_op) {
      EXPECT_NEAR(*pf->per_op, 2000, 100);
    }
  }
  EXPECT_GT(metric_value(r, "mean_work_ms_faulting"), metric_value(r, "mean_work_ms_prefaulted"));
  EXPECT_GE(metric_value(r, "missed_deadlines_prefaulted"), 0);
  EXPECT_GE(metric_value(r, "missed_deadlines_faulting"), 0);
  EXPECT_GT(metric_value(r, "worst_frame_ms_faulting"), 0);
  EXPECT_GT(metric_value(r, "fault_us"), 0);
  for (const char* s : {"frame_ms_prefaulted", "frame_ms_faulting"}) {
    const core::Series* sr = series(r, s);
    ASSERT_NE(sr, nullptr) << s;
    EXPECT_EQ(sr->points.size(), 20u) << s;
  }
  // The major-fault scenario either ran and counted its fault, or says why it could not.
  const std::string major = param_text(r, "major_fault");
  ASSERT_FALSE(major.empty());
  if (major.rfind("skipped", 0) != 0) {
    EXPECT_GE(metric_value(r, "major_faults_in_frame"), 1);
  }
  EXPECT_EQ(prctl(PR_GET_TIMERSLACK, 0, 0, 0, 0), slack);
  EXPECT_EQ(thread_count_settled(threads), threads);
}

TEST_F(StallRun, ChurnRunsBaselineFirstAndLeavesNoThread) {
  const int threads = thread_count();
  const core::Result& r = run("vm.mmap_churn_stall");
  expect_ok(r);
  EXPECT_EQ(r.unit, "ns/batch");
  EXPECT_EQ(param_text(r, "kernel"), env_->kernel);
  EXPECT_GT(metric_value(r, "munmaps_per_s"), 0);
  EXPECT_GT(metric_value(r, "p99_ratio"), 0);
  EXPECT_GT(metric_value(r, "max_ratio"), 0);
  EXPECT_GT(metric_value(r, "baseline_p50_ns"), 0);
  // The touchers made their memory resident before the clock started (a sanitizer's shadow
  // memory faults on its own).
  if (!illusion::testing::kSanitized) {
    EXPECT_EQ(metric_value(r, "toucher_faults"), 0);
  }
  // How munmap reached the touchers' CPUs is counted, and follows the environment's fact. The
  // toucher runs beside the churn, not in step with it, so where IPIs exist a munmap skips one
  // whenever the host has the toucher's vCPU preempted (0.45 per munmap seen on a KVM guest):
  // some are counted, not one each. Where the host flushes without IPIs none are. The words
  // never claim an IPI to each CPU unless the count shows one per munmap.
  const core::BehaviourFact& ipis = env_->remote_tlb_flush_ipis;
  if (core::tlb_shootdowns_total() && core::allowed_cpus().size() >= 2) {
    ASSERT_TRUE(ipis.value.has_value()) << "TLB-flush detection failed: " << ipis.evidence;
    const double per = metric_value(r, "tlb_shootdowns_per_munmap");
    if (*ipis.value) {
      EXPECT_GT(per, 0.1) << ipis.evidence;
    } else {
      EXPECT_LT(per, 0.1) << ipis.evidence;
    }
    EXPECT_EQ(r.meaning.find("a TLB shootdown IPI to each") != std::string::npos, per >= 0.9)
        << r.meaning;
  }
  EXPECT_EQ(thread_count_settled(threads), threads);
}

TEST(FrameLoop, FreshPagesFaultOncePerPageInTheirFrame) {
  if (illusion::testing::kSanitized) GTEST_SKIP() << illusion::testing::kSanitizedSkip;
  const auto clock = core::make_clock();
  const TimerSlackGuard slack;
  FrameWork work(256 * 1024, 1);
  constexpr int kFrames = 5;
  constexpr std::size_t kPages = 100;
  core::Mapping fresh(kFrames * kPages * 4096);
  FrameLoopConfig cfg;
  cfg.period_ns = 2e6;
  cfg.frames = kFrames;
  cfg.fresh = fresh.data();
  cfg.fresh_pages_per_frame = kPages;
  const FrameLoopRun run = run_frame_loop(*clock, work, cfg);
  ASSERT_EQ(run.frames.size(), static_cast<std::size_t>(kFrames));
  for (const FrameRecord& f : run.frames) {
    // THP "always" could map a 2 MiB block in one fault; tolerate fewer, never fewer than 1.
    EXPECT_GE(f.minor_faults, 1u);
    EXPECT_LE(f.minor_faults, kPages + 5);
    EXPECT_GT(f.work_ns, 0);
    EXPECT_GE(f.span_ns, f.work_ns * 0.5);
  }
  EXPECT_NEAR(run.mean_minor_faults(), kPages, 5);
}

TEST(FrameLoop, TimerSlackIsRestored) {
  const long before = prctl(PR_GET_TIMERSLACK, 0, 0, 0, 0);
  {
    const TimerSlackGuard g;
    if (g.applied()) {
      EXPECT_EQ(prctl(PR_GET_TIMERSLACK, 0, 0, 0, 0), 1);
    }
    EXPECT_EQ(g.old_slack_ns(), before);
  }
  EXPECT_EQ(prctl(PR_GET_TIMERSLACK, 0, 0, 0, 0), before);
}

TEST(FrameLoop, EvictedFilePageIsAbsentThenReadByAMajorFault) {
  char templ[] = "/tmp/illusion-vm-evict-XXXXXX";
  ASSERT_NE(mkdtemp(templ), nullptr);
  const std::string dir = templ;
  {
    std::string why;
    auto page = EvictedFilePage::make(dir, why);
    if (!page) {
      EXPECT_FALSE(why.empty());
    } else {
      EXPECT_FALSE(page->resident());
      const core::RusageSnapshot a = core::RusageSnapshot::now();
      const char c = *page->page();
      const core::RusageSnapshot b = core::RusageSnapshot::now();
      EXPECT_EQ(c, 'x');
      EXPECT_GE(b.major_faults - a.major_faults, 1u);
      EXPECT_TRUE(page->resident());
    }
  }
  // O_TMPFILE (or an unlinked name): nothing was ever left in the directory.
  EXPECT_EQ(rmdir(dir.c_str()), 0) << "the directory was not empty";
}

TEST(Churn, ThreadsRunAndAreJoined) {
  const auto clock = core::make_clock();
  const int threads = thread_count();
  ChurnConfig cfg;
  cfg.touchers = 2;
  cfg.duration_s = 0.05;
  cfg.churn = true;
  cfg.max_samples_per_thread = 100000;
  const ChurnRun run = run_churn(*clock, cfg);
  EXPECT_GT(run.batch_ns.size(), 0u);
  EXPECT_GT(run.churn_rounds, 0u);
  EXPECT_GT(run.elapsed_s, 0.04);
  EXPECT_EQ(thread_count_settled(threads), threads);
}

}  // namespace
