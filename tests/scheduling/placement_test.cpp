#include "scheduling/placement.h"

#include <linux/capability.h>
#include <sched.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <string>
#include <thread>

#include <gtest/gtest.h>

#include "core/affinity.h"
#include "core/clock.h"

namespace illusion::labs::scheduling {
namespace {

TEST(CpuBudget, UsableIsTheSmallerOfCpusAndQuota) {
  CpuBudget b{{0, 1, 2, 3}, std::nullopt};
  EXPECT_EQ(b.usable(), 4.0);
  b.quota_cpus = 1.5;
  EXPECT_EQ(b.usable(), 1.5);
  b.quota_cpus = 0.2;
  EXPECT_EQ(b.usable(), 1.0);  // at least one CPU's worth
  EXPECT_FALSE(cross_cpu_unavailable(b).empty());
  EXPECT_FALSE(cross_cpu_unavailable({{0}, std::nullopt}).empty());
  EXPECT_TRUE(cross_cpu_unavailable({{0, 1}, std::nullopt}).empty());
}

TEST(Guards, AffinityIsRestoredAfterPinning) {
  cpu_set_t before;
  CPU_ZERO(&before);
  ASSERT_EQ(sched_getaffinity(0, sizeof before, &before), 0);
  {
    AffinityGuard guard;
    EXPECT_EQ(guard.pin(core::allowed_cpus().back()), "");
  }
  cpu_set_t after;
  CPU_ZERO(&after);
  ASSERT_EQ(sched_getaffinity(0, sizeof after, &after), 0);
  EXPECT_TRUE(CPU_EQUAL(&before, &after));
}

// Whether the calling thread may lower its nice value back to `nice`, as the kernel decides it
// (can_nice() in kernel/sched/core.c): CAP_SYS_NICE in the thread's effective set, or a soft
// RLIMIT_NICE of at least 20 - nice (setrlimit(2)). Leaving SCHED_IDLE asks the same of the
// nice value it is left at (sched(7)), and that is never below `nice` here. "" when it may,
// else the missing privilege in words.
std::string missing_privilege_to_renice(int nice) {
  __user_cap_header_struct header{_LINUX_CAPABILITY_VERSION_3, 0};
  __user_cap_data_struct caps[_LINUX_CAPABILITY_U32S_3]{};
  if (syscall(SYS_capget, &header, caps) == 0 &&
      (caps[CAP_TO_INDEX(CAP_SYS_NICE)].effective & CAP_TO_MASK(CAP_SYS_NICE)) != 0)
    return "";
  rlimit limit{};
  if (getrlimit(RLIMIT_NICE, &limit) != 0) return "RLIMIT_NICE unreadable and no CAP_SYS_NICE";
  const rlim_t needed = static_cast<rlim_t>(20 - nice);
  if (limit.rlim_cur == RLIM_INFINITY || limit.rlim_cur >= needed) return "";
  return "no CAP_SYS_NICE and RLIMIT_NICE " + std::to_string(limit.rlim_cur) + " < " +
         std::to_string(needed) + " (20 - nice " + std::to_string(nice) + ")";
}

int thread_nice() {
  errno = 0;
  return getpriority(PRIO_PROCESS, static_cast<id_t>(thread_id()));
}

// Raises nice by 5 and enters SCHED_IDLE through `guard`, the change every caller may make.
void lower_the_thread(PolicyGuard& guard, int nice) {
  EXPECT_EQ(guard.set_nice(std::min(nice + 5, 19)), "");
  EXPECT_EQ(guard.set_idle(), "");  // entering SCHED_IDLE needs no privilege (sched(7))
  EXPECT_EQ(sched_getscheduler(0), SCHED_IDLE);
}

// restore() puts the thread back when the kernel allows it, and says what was refused when
// it does not: predicted from this thread's privileges, so both outcomes are asserted.
TEST(Guards, RestoreRestoresOrSaysWhatWasRefused) {
  std::thread t([] {
    const int policy = sched_getscheduler(0);
    const int nice = thread_nice();
    const std::string missing = missing_privilege_to_renice(nice);
    PolicyGuard guard;
    EXPECT_EQ(guard.restore(), "");  // nothing changed yet
    lower_the_thread(guard, nice);
    const std::string problem = guard.restore();
    EXPECT_EQ(guard.restore_problem(), problem);
    if (missing.empty()) {
      EXPECT_EQ(problem, "");
      EXPECT_EQ(sched_getscheduler(0), policy);
      EXPECT_EQ(thread_nice(), nice);
    } else {
      // The default for a user: the thread stays lowered and the guard says so, naming the
      // privilege the caller lacks.
      EXPECT_NE(problem.find("restoring the"), std::string::npos) << missing << ": " << problem;
      EXPECT_NE(problem.find("CAP_SYS_NICE"), std::string::npos) << problem;
      EXPECT_EQ(thread_nice(), std::min(nice + 5, 19)) << problem;
    }
  });
  t.join();
}

// The destructor restores on its own, where the kernel allows it.
TEST(Guards, PolicyAndNiceAreRestoredOnDestruction) {
  std::string missing;
  std::thread t([&missing] {
    const int policy = sched_getscheduler(0);
    const int nice = thread_nice();
    missing = missing_privilege_to_renice(nice);
    if (!missing.empty()) return;
    {
      PolicyGuard guard;
      lower_the_thread(guard, nice);
    }
    EXPECT_EQ(sched_getscheduler(0), policy);
    EXPECT_EQ(thread_nice(), nice);
  });
  t.join();
  if (!missing.empty())
    GTEST_SKIP() << "lowering nice and leaving SCHED_IDLE are refused here: " << missing;
}

TEST(Guards, FifoEitherWorksOrSaysWhy) {
  const std::string why = fifo_unavailable();
  if (!why.empty()) {
    EXPECT_NE(why.find("SCHED_FIFO"), std::string::npos) << why;
  }
  EXPECT_EQ(sched_getscheduler(0), SCHED_OTHER);  // probed on another thread
}

TEST(SpinFor, SpinsAtLeastTheTimeAsked) {
  const auto clock = core::make_clock();
  const double t0 = clock->now_ns();
  EXPECT_GT(spin_for(*clock, 200'000), 0u);
  EXPECT_GE(clock->now_ns() - t0, 200'000);
}

}  // namespace
}  // namespace illusion::labs::scheduling
