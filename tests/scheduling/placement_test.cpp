#include "scheduling/placement.h"

#include <sched.h>
#include <sys/resource.h>

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

TEST(Guards, PolicyAndNiceAreRestored) {
  std::thread t([] {
    const int policy = sched_getscheduler(0);
    errno = 0;
    const int nice = getpriority(PRIO_PROCESS, static_cast<id_t>(thread_id()));
    {
      PolicyGuard guard;
      EXPECT_EQ(guard.set_nice(nice + 5 > 19 ? 19 : nice + 5), "");
      const std::string idle = guard.set_idle();
      if (idle.empty()) {
        EXPECT_EQ(sched_getscheduler(0), SCHED_IDLE);
      }
    }
    EXPECT_EQ(sched_getscheduler(0), policy);
    errno = 0;
    EXPECT_EQ(getpriority(PRIO_PROCESS, static_cast<id_t>(thread_id())), nice);
  });
  t.join();
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
