// The fixture every test of this lab derives from: the lab's table, the quick profile, no child
// left behind, and the promise the lab makes about the process: the calling thread's affinity
// mask, scheduling policy and nice value are the same after a row as before it.
#pragma once

#include <sched.h>
#include <sys/resource.h>

#include <cerrno>
#include <cmath>
#include <string>
#include <variant>

#include "scheduling/lab.h"
#include "scheduling/placement.h"
#include "support/files.h"
#include "support/lab_fixture.h"
#include "support/threads.h"

namespace illusion::labs::scheduling {

// Threads of this process (/proc/self/task), to check that a row joined every thread it made.
using illusion::testing::thread_count;
using illusion::testing::thread_count_settled;

// A numeric or text param of a result; NaN or "" when absent.
inline double param_number(const core::Result& r, const std::string& name) {
  for (const core::Param& p : r.params)
    if (p.name == name && std::holds_alternative<double>(p.value)) return std::get<double>(p.value);
  return std::nan("");
}
inline std::string param_text(const core::Result& r, const std::string& name) {
  for (const core::Param& p : r.params)
    if (p.name == name && std::holds_alternative<std::string>(p.value))
      return std::get<std::string>(p.value);
  return "";
}

class SchedLabTest : public illusion::testing::LabTest {
 protected:
  SchedLabTest()
      : LabTest(lab(), {.temp_dir = false,
                        .children = illusion::testing::LabTest::ChildCheck::after,
                        .expect_lab_id = true}) {}

  void SetUp() override {
    LabTest::SetUp();
    CPU_ZERO(&mask_before_);
    ASSERT_EQ(sched_getaffinity(0, sizeof mask_before_, &mask_before_), 0);
    policy_before_ = sched_getscheduler(0);
    errno = 0;
    nice_before_ = getpriority(PRIO_PROCESS, 0);
  }

  void TearDown() override {
    cpu_set_t now;
    CPU_ZERO(&now);
    ASSERT_EQ(sched_getaffinity(0, sizeof now, &now), 0);
    EXPECT_TRUE(CPU_EQUAL(&now, &mask_before_)) << "the affinity mask was changed";
    EXPECT_EQ(sched_getscheduler(0), policy_before_) << "the scheduling policy was changed";
    errno = 0;
    EXPECT_EQ(getpriority(PRIO_PROCESS, 0), nice_before_) << "the nice value was changed";
    LabTest::TearDown();
  }

  // The result's metric, or NaN when absent (so comparisons fail loudly).
  static double metric(const core::Result& r, const std::string& name) {
    const core::Metric* m = r.metric(name);
    return m ? m->value : std::nan("");
  }
  // A per-op counter, or NaN when unavailable.
  static double counter(const core::Result& r, const std::string& name) {
    const core::CounterValue* c = r.counter(name);
    return c && c->per_op ? *c->per_op : std::nan("");
  }
  // "" when this machine can run cross-CPU rows (the rows' own test).
  std::string cross_cpu_reason() const { return cross_cpu_unavailable(cpu_budget(ctx_)); }

 private:
  cpu_set_t mask_before_{};
  int policy_before_ = SCHED_OTHER;
  int nice_before_ = 0;
};

}  // namespace illusion::labs::scheduling
