// The munmap rows: they run, they count shootdowns where the kernel counts them, the shootdown
// row really makes other CPUs take IPIs, and they leave no thread behind and the process's CPU
// mask as it was.
#include <sched.h>

#include <string>

#include <gtest/gtest.h>

#include "core/host_behaviour.h"
#include "core/interrupts.h"
#include "core/spinners.h"
#include "fixture.h"
#include "support/files.h"
#include "support/threads.h"

namespace illusion::labs::mmap_vs_read {
namespace {

using core::allowed_cpus;
using core::tlb_shootdowns_total;

using illusion::testing::thread_count;
using illusion::testing::thread_count_settled;

cpu_set_t affinity() {
  cpu_set_t set;
  CPU_ZERO(&set);
  EXPECT_EQ(sched_getaffinity(0, sizeof set, &set), 0);
  return set;
}

// Restricts this test's thread to one CPU and restores the mask it had, on every exit.
class OneCpu {
 public:
  explicit OneCpu(int cpu) : saved_(affinity()) {
    cpu_set_t one;
    CPU_ZERO(&one);
    CPU_SET(cpu, &one);
    ok_ = sched_setaffinity(0, sizeof one, &one) == 0;
  }
  ~OneCpu() { sched_setaffinity(0, sizeof saved_, &saved_); }
  bool ok() const { return ok_; }

 private:
  cpu_set_t saved_;
  bool ok_ = false;
};

class MunmapCosts : public IoLabTest {
 protected:
  void expect_munmap_row(const core::Result& r) {
    expect_ok(r);
    EXPECT_GT(metric(r, "ns_per_page"), 0) << r.id;
    EXPECT_GT(metric(r, "munmap_2mib_p50_ns"), 0) << r.id;
    EXPECT_GT(metric(r, "touch_faults_per_sample"), 0) << r.id << ": the pages were not touched";
    if (tlb_shootdowns_total()) {
      EXPECT_NE(r.metric("tlb_shootdowns_per_op"), nullptr) << r.id;
    } else {
      bool warned = false;
      for (const std::string& w : r.warnings)
        warned = warned || w.find("TLB:") != std::string::npos;
      EXPECT_TRUE(warned) << r.id << ": the missing /proc/interrupts line is not reported";
    }
    // One op is one munmap: the untimed count says so where the tracepoint opens.
    // (Under a sanitizer its munmap interceptor makes syscalls of its own.)
    const double syscalls = counter(r, "syscalls");
    if (!std::isnan(syscalls) && !illusion::testing::kSanitized) {
      EXPECT_NEAR(syscalls, 1.0, 0.01) << r.id;
    }
    EXPECT_FALSE(r.meaning.empty());
  }
};

TEST(TlbShootdowns, CountIsMonotonicWhenPresent) {
  const auto a = tlb_shootdowns_total();
  const auto b = tlb_shootdowns_total();
  if (!a) GTEST_SKIP() << "/proc/interrupts has no TLB: line here";
  ASSERT_TRUE(b.has_value());
  EXPECT_GE(*b, *a);
}

TEST_F(MunmapCosts, RowsRunLeaveNoThreadAndKeepTheMask) {
  const int threads_before = thread_count();
  const cpu_set_t mask_before = affinity();
  const core::Result& alone = run("mmap_vs_read.munmap_1thread");
  expect_munmap_row(alone);
  const core::Result& shared = run("mmap_vs_read.munmap_shootdown");
  const cpu_set_t mask_after = affinity();
  EXPECT_TRUE(CPU_EQUAL(&mask_before, &mask_after)) << "the process's CPU mask changed";
  EXPECT_EQ(thread_count_settled(threads_before), threads_before)
      << "a spinner or the measuring thread was left";

  if (allowed_cpus().size() < 2) {
    EXPECT_EQ(shared.status, core::Status::skipped);
    EXPECT_NE(shared.reason.find("CPU"), std::string::npos) << shared.reason;
    return;
  }
  expect_munmap_row(shared);
  // The 1-thread row ran first in this test, so the comparison is there.
  EXPECT_NE(shared.metric("shootdown_extra_ns"), nullptr);
  EXPECT_GT(metric(shared, "ratio"), 0);
  if (!tlb_shootdowns_total()) return;  // expect_munmap_row checked the warning
  // The environment probe decided whether remote flushes are IPIs here; this row's own count
  // is the independent reading, and must agree.
  const core::BehaviourFact& ipis = env_->remote_tlb_flush_ipis;
  ASSERT_TRUE(ipis.value.has_value()) << "TLB-flush detection failed: " << ipis.evidence;
  if (*ipis.value) {
    // Every munmap must flush the spinner's CPU, which has just touched the range: an IPI
    // unless the host preempted that vCPU in the microseconds between (the probe's own bound,
    // a quarter); background IPIs only add to the count.
    const double per = metric(shared, "tlb_shootdowns_per_op");
    EXPECT_GT(per, 0.25) << ipis.evidence;
    EXPECT_GT(per, metric(alone, "tlb_shootdowns_per_op"));
    // The words quote the count: "an IPI to each" only where (almost) every munmap had one.
    EXPECT_EQ(shared.meaning.find("a TLB shootdown IPI to each") != std::string::npos, per >= 0.9)
        << shared.meaning;
  } else {
    // A paravirtual or broadcast flush: the count stays put, and the row claims no IPI.
    EXPECT_LT(metric(shared, "tlb_shootdowns_per_op"), 0.1) << ipis.evidence;
    EXPECT_EQ(shared.meaning.find("IPI to each"), std::string::npos) << shared.meaning;
    EXPECT_NE(shared.meaning.find("without IPIs"), std::string::npos) << shared.meaning;
  }
  for (const std::string& w : shared.warnings)
    EXPECT_EQ(w.find("environment probe"), std::string::npos) << "probe and row disagree: " << w;
}

// With one CPU allowed there is no other CPU to interrupt: the row says so instead of measuring.
TEST_F(MunmapCosts, ShootdownSkipsWithOneCpuAllowed) {
  const std::vector<int> cpus = allowed_cpus();
  ASSERT_FALSE(cpus.empty());
  const int threads_before = thread_count();
  {
    OneCpu pin(cpus.front());
    ASSERT_TRUE(pin.ok());
    const core::Result& r = run("mmap_vs_read.munmap_shootdown");
    EXPECT_EQ(r.status, core::Status::skipped);
    EXPECT_NE(r.reason.find("1 CPU"), std::string::npos) << r.reason;
    const core::Result& alone = run("mmap_vs_read.munmap_1thread");
    expect_munmap_row(alone);
  }
  EXPECT_EQ(thread_count_settled(threads_before), threads_before);
}

}  // namespace
}  // namespace illusion::labs::mmap_vs_read
