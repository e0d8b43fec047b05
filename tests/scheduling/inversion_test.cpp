// The priority-inversion rows: skipped with SCHED_FIFO named when real-time priorities are
// refused (simulated by dropping CAP_SYS_NICE from one thread), and when they are allowed, the
// plain mutex's wait an order of magnitude above the PI mutex's, with the preemption counts
// that explain it, and no thread left behind.
#include <dirent.h>
#include <linux/capability.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cmath>
#include <string>
#include <thread>

#include <gtest/gtest.h>

#include "core/affinity.h"
#include "scheduling/fixture.h"

namespace illusion::labs::scheduling {
namespace {

// Removes CAP_SYS_NICE from the calling thread's effective set. Capabilities belong to each
// thread (capset(2) with pid 0 changes only the caller), and threads it creates inherit them,
// so the rows' own probe thread sees the refusal too. False when capget/capset failed.
bool drop_sys_nice_on_this_thread() {
  __user_cap_header_struct header{_LINUX_CAPABILITY_VERSION_3, 0};
  __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3]{};
  if (syscall(SYS_capget, &header, data) != 0) return false;
  data[CAP_TO_INDEX(CAP_SYS_NICE)].effective &= ~CAP_TO_MASK(CAP_SYS_NICE);
  return syscall(SYS_capset, &header, data) == 0;
}

// A number param of `r`; NaN when absent or text.
double number_param(const core::Result& r, const std::string& name) {
  for (const core::Param& p : r.params)
    if (p.name == name)
      if (const double* v = std::get_if<double>(&p.value)) return *v;
  return NAN;
}

class InversionRows : public SchedLabTest {
 protected:
  void expect_skipped_naming_fifo(const core::Result& r) {
    EXPECT_EQ(r.status, core::Status::skipped) << r.id;
    EXPECT_NE(r.reason.find("SCHED_FIFO"), std::string::npos) << r.reason;
    EXPECT_NE(r.reason.find("cannot be staged"), std::string::npos) << r.reason;
  }
  void expect_figures(const core::Result& r) {
    expect_ok(r);
    for (const char* name :
         {"h_wait_p50_ns", "h_wait_max_ns", "critical_section_held_p50_ns",
          "critical_section_held_max_ns", "medium_burst_ran_p50_ns", "rounds_valid",
          "rounds_excluded", "l_preemptions_while_holding", "h_blocking_switches"}) {
      EXPECT_NE(r.metric(name), nullptr) << r.id << " lacks " << name;
    }
    // The staged durations are configuration: params, never metrics (which are measured).
    for (const char* name : {"critical_section_ns", "medium_work_ns", "critical_section_staged_ns",
                             "medium_burst_staged_ns"}) {
      EXPECT_EQ(r.metric(name), nullptr) << r.id << " reports the staging as a metric: " << name;
    }
    EXPECT_EQ(number_param(r, "critical_section_staged_ns"), 2e6) << r.id;
    EXPECT_EQ(number_param(r, "medium_burst_staged_ns"), 20e6) << r.id;
    // What was measured is what ran: M's burst is wall-clock bounded, so it ran at least as
    // long as staged; L held the mutex at least its staged section.
    EXPECT_GE(metric(r, "medium_burst_ran_p50_ns"), 20e6) << r.id;
    EXPECT_GE(metric(r, "critical_section_held_p50_ns"), 2e6) << r.id;
    EXPECT_EQ(metric(r, "rounds_valid") + metric(r, "rounds_excluded"), 3) << r.id;  // quick
    EXPECT_EQ(static_cast<double>(r.stats->n), metric(r, "rounds_valid")) << r.id;
    // A valid round is one where H really blocked: at least one voluntary switch per wait.
    EXPECT_GE(metric(r, "h_blocking_switches"), 1) << r.id;
    if (metric(r, "rounds_excluded") > 0) {
      EXPECT_FALSE(r.warnings.empty()) << "excluded rounds must be reported: " << r.id;
    }
  }
};

TEST_F(InversionRows, RefusedFifoSkipsBothRowsNamingIt) {
  rlimit rtprio{};
  ASSERT_EQ(getrlimit(RLIMIT_RTPRIO, &rtprio), 0);
  if (!fifo_unavailable().empty()) {
    // Already refused here: the rows must say so themselves.
    expect_skipped_naming_fifo(run("scheduling.inversion_pi"));
    expect_skipped_naming_fifo(run("scheduling.inversion_plain"));
    return;
  }
  if (rtprio.rlim_cur > 0) GTEST_SKIP() << "RLIMIT_RTPRIO allows SCHED_FIFO without privilege";
  bool dropped = false;
  std::string probe;
  core::Result pi, plain;
  std::thread unprivileged([&] {
    dropped = drop_sys_nice_on_this_thread();
    if (!dropped) return;
    probe = fifo_unavailable();
    pi = run("scheduling.inversion_pi");
    plain = run("scheduling.inversion_plain");
  });
  unprivileged.join();
  if (!dropped) GTEST_SKIP() << "capset could not drop CAP_SYS_NICE on one thread";
  ASSERT_FALSE(probe.empty()) << "SCHED_FIFO still allowed without CAP_SYS_NICE";
  expect_skipped_naming_fifo(pi);
  expect_skipped_naming_fifo(plain);
  EXPECT_TRUE(fifo_unavailable().empty()) << "the drop leaked out of its thread";
}

TEST_F(InversionRows, PlainMutexWaitsForMediumBurstPiForCriticalSection) {
  const int threads_before = thread_count();
  const core::Result& pi = run("scheduling.inversion_pi");
  const core::Result& plain = run("scheduling.inversion_plain");
  if (const std::string why = fifo_unavailable(); !why.empty()) {
    expect_skipped_naming_fifo(pi);
    expect_skipped_naming_fifo(plain);
    GTEST_SKIP() << why;
  }
  expect_figures(pi);
  expect_figures(plain);
  // Designed 10:1 (M's 20 ms burst against L's 2 ms critical section); 5x leaves room.
  EXPECT_GE(plain.stats->p50, 5 * pi.stats->p50)
      << "plain " << plain.stats->p50 << " ns, PI " << pi.stats->p50 << " ns";
  EXPECT_GE(metric(plain, "h_wait_ratio_to_pi"), 5);
  EXPECT_EQ(pi.metric("h_wait_ratio_to_pi"), nullptr);
  // Counts: with a plain mutex both H and M preempt L while it holds the mutex; with
  // inheritance only H does (M cannot preempt a holder running at H's priority).
  EXPECT_GE(metric(pi, "l_preemptions_while_holding"), 1);
  EXPECT_GE(metric(plain, "l_preemptions_while_holding"), 2);
  // The holder's measured hold: stretched over M's burst without inheritance, not with it.
  EXPECT_GE(metric(plain, "critical_section_held_p50_ns"),
            0.8 * metric(plain, "medium_burst_ran_p50_ns"));
  EXPECT_LT(metric(pi, "critical_section_held_p50_ns"),
            0.5 * metric(pi, "medium_burst_ran_p50_ns"));
  // The meaning lines label the configuration as staged.
  EXPECT_NE(plain.meaning.find("staged: L holds the mutex for 2.00 ms"), std::string::npos)
      << plain.meaning;
  EXPECT_EQ(thread_count_settled(threads_before), threads_before) << "the rows left threads behind";
}

TEST_F(InversionRows, OneAllowedCpuStillRunsAndSaysWhere) {
  if (!fifo_unavailable().empty()) GTEST_SKIP() << "SCHED_FIFO refused";
  core::Result plain;
  std::string pinned;
  std::thread one_cpu([&] {
    AffinityGuard guard;
    pinned = guard.pin(core::allowed_cpus().front());
    if (pinned.empty()) plain = run("scheduling.inversion_plain");
  });
  one_cpu.join();
  ASSERT_EQ(pinned, "");
  expect_figures(plain);
  bool said_where = false;
  for (const core::Param& p : plain.params) {
    if (p.name != "placement") continue;
    const std::string* where = std::get_if<std::string>(&p.value);
    said_where = where && where->find("only CPU allowed") != std::string::npos;
  }
  EXPECT_TRUE(said_where) << "the placement param must say the caller shared the CPU";
  EXPECT_GE(plain.stats->p50, 0.8 * metric(plain, "medium_burst_ran_p50_ns"));
}

}  // namespace
}  // namespace illusion::labs::scheduling
