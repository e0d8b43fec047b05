// The perf-free migration check: getcpu agrees with the pin, and the tally counts a round trip
// with a move once, whichever side moved, and withholds its count once a check went unanswered.
#include <cerrno>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "core/affinity.h"
#include "scheduling/pinned_cpu_check.h"

namespace illusion::labs::scheduling {
namespace {

TEST(MoveTally, CountsRoundTripsWithAMoveOnEitherSide) {
  MoveTally t;
  t.add(1, 1, CpuCheck::stayed);
  t.add(1, 0, CpuCheck::stayed);  // the caller ran elsewhere
  t.add(1, 1, CpuCheck::moved);   // the partner did
  t.add(1, 0, CpuCheck::moved);   // both: still one round trip
  EXPECT_EQ(t.round_trips(), 4u);
  ASSERT_TRUE(t.moved().has_value()) << t.failure();
  EXPECT_EQ(*t.moved(), 3.0);
  EXPECT_EQ(t.failure(), "");
}

TEST(MoveTally, NoRoundTripIsNoCount) {
  MoveTally t;
  EXPECT_FALSE(t.moved().has_value());
  EXPECT_NE(t.failure(), "");
}

TEST(MoveTally, AFailedCheckWithholdsTheCountAndSaysWhichSide) {
  MoveTally caller;
  caller.add(0, 0, CpuCheck::stayed);
  caller.add(0, -ENOSYS, CpuCheck::stayed);
  EXPECT_FALSE(caller.moved().has_value());
  EXPECT_NE(caller.failure().find("calling thread"), std::string::npos) << caller.failure();

  MoveTally partner;
  partner.add(0, 0, CpuCheck::failed);
  partner.add(0, 0, CpuCheck::stayed);
  EXPECT_FALSE(partner.moved().has_value());
  EXPECT_NE(partner.failure().find("partner"), std::string::npos) << partner.failure();

  MoveTally refused;
  refused.fail("the calling thread is not pinned to one CPU");
  refused.add(0, 0, CpuCheck::stayed);
  EXPECT_FALSE(refused.moved().has_value());
  EXPECT_EQ(refused.failure(), "the calling thread is not pinned to one CPU");
}

// In a thread of its own, so the test process's mask is never touched.
TEST(CheckCpu, AgreesWithThePin) {
  const std::vector<int> cpus = core::allowed_cpus();
  ASSERT_FALSE(cpus.empty());
  std::string pin;
  int now = -1;
  std::optional<int> pinned;
  CpuCheck here = CpuCheck::failed, elsewhere = CpuCheck::failed;
  std::thread t([&] {
    pin = core::pin_this_thread(cpus.back());
    now = cpu_now_raw();
    pinned = pinned_cpu_of_this_thread();
    here = check_cpu(cpus.back());
    elsewhere = check_cpu(cpus.back() + 1);  // a CPU this thread may not run on
  });
  t.join();
  ASSERT_EQ(pin, "");
  EXPECT_EQ(now, cpus.back());
  EXPECT_EQ(pinned, cpus.back());
  EXPECT_EQ(here, CpuCheck::stayed);
  EXPECT_EQ(elsewhere, CpuCheck::moved);
}

TEST(CheckCpu, AThreadWithManyCpusIsNotPinned) {
  const std::vector<int> cpus = core::allowed_cpus();
  if (cpus.size() < 2) GTEST_SKIP() << "one allowed CPU: every thread is pinned by its mask";
  std::optional<int> pinned = 0;
  std::thread t([&] { pinned = pinned_cpu_of_this_thread(); });
  t.join();
  EXPECT_FALSE(pinned.has_value());
}

}  // namespace
}  // namespace illusion::labs::scheduling
