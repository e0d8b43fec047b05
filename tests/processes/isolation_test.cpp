// Isolation outcomes, checked as outcomes: the crashing child is reported killed by SIGSEGV
// (and this test process is still here to check it), no core file appears, the stray write
// reaches the other thread but not the parent process, and no child is left behind.
#include <dirent.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <stdexcept>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "core/clock.h"
#include "core/experiment.h"
#include "processes/lab.h"

using namespace illusion;
using core::Result;
using core::Status;

namespace {

bool no_children_left() {
  errno = 0;
  return waitpid(-1, nullptr, WNOHANG) == -1 && errno == ECHILD;
}

// Names in the current directory that a core dump could have been written as ("core",
// "core.<pid>", ...), per the default core_pattern (core(5)).
std::vector<std::string> core_files_here() {
  std::vector<std::string> out;
  if (DIR* d = opendir(".")) {
    while (dirent* e = readdir(d)) {
      const std::string n = e->d_name;
      if (n == "core" || n.rfind("core.", 0) == 0) out.push_back(n);
    }
    closedir(d);
  }
  return out;
}

std::string text_param(const Result& r, const std::string& name) {
  for (const core::Param& p : r.params)
    if (p.name == name)
      if (const auto* s = std::get_if<std::string>(&p.value)) return *s;
  return "";
}

double metric_value(const Result& r, const std::string& name) {
  const core::Metric* m = r.metric(name);
  if (!m) throw std::logic_error(r.id + " has no metric " + name);
  return m->value;
}

class Isolation : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { clock_ = core::make_clock().release(); }
  static void TearDownTestSuite() { delete clock_; }
  void SetUp() override {
    ctx_.profile = core::Profile::quick;
    ctx_.clock = clock_;
    ASSERT_TRUE(no_children_left());
  }
  void TearDown() override { EXPECT_TRUE(no_children_left()) << "children were left behind"; }

  Result run(const std::string& id) {
    for (const core::Experiment& e : lab_.experiments)
      if (e.id == id) return e.run(ctx_);
    throw std::logic_error("no experiment " + id);
  }
  static void expect_ok(const Result& r) {
    ASSERT_EQ(r.status, Status::ok) << r.id << ": " << r.reason;
    ASSERT_TRUE(r.stats.has_value());
    EXPECT_GT(r.stats->n, 0u);
    EXPECT_GT(r.stats->p50, 0);
    EXPECT_FALSE(r.meaning.empty());
    EXPECT_FALSE(text_param(r, "outcome").empty()) << r.id;
    EXPECT_TRUE(r.warnings.empty()) << r.id << ": " << r.warnings.front();
  }

  static inline core::Clock* clock_ = nullptr;
  core::Lab lab_ = labs::processes::lab();
  core::RunContext ctx_;
};

}  // namespace

TEST_F(Isolation, CrashInChildIsReportedAsSigsegvAndLeavesNoCore) {
  const std::vector<std::string> cores_before = core_files_here();
  const pid_t me = getpid();
  const Result r = run("processes.crash_in_child");
  expect_ok(r);
  EXPECT_EQ(getpid(), me);  // still the same process, still running
  EXPECT_EQ(text_param(r, "outcome"), "killed by SIGSEGV");
  EXPECT_GT(metric_value(r, "runs"), 0);
  EXPECT_EQ(metric_value(r, "sigsegv_seen"), metric_value(r, "runs"));
  EXPECT_EQ(metric_value(r, "core_dumped"), 0);
  EXPECT_EQ(core_files_here(), cores_before) << "a core file appeared";
  EXPECT_NE(r.meaning.find("SIGSEGV"), std::string::npos) << r.meaning;
}

TEST_F(Isolation, StrayWriteReachesTheOtherThread) {
  const Result r = run("processes.stray_write_thread");
  expect_ok(r);
  EXPECT_EQ(metric_value(r, "corrupted_runs"), metric_value(r, "runs"));
  EXPECT_EQ(text_param(r, "expected"), "0x5eed");
  EXPECT_EQ(text_param(r, "seen_by_a"), "0xbad");
  EXPECT_EQ(text_param(r, "outcome").rfind("corrupted", 0), 0u) << text_param(r, "outcome");
}

TEST_F(Isolation, StrayWriteInAChildLeavesTheParentIntact) {
  const Result r = run("processes.stray_write_process");
  expect_ok(r);
  EXPECT_EQ(metric_value(r, "parent_corrupted_runs"), 0);
  EXPECT_EQ(metric_value(r, "child_copy_corrupted_runs"), metric_value(r, "runs"));
  EXPECT_EQ(text_param(r, "seen_by_child"), "0xbad");
  EXPECT_EQ(text_param(r, "seen_by_parent"), "0x5eed");
  EXPECT_EQ(text_param(r, "outcome").rfind("isolated", 0), 0u) << text_param(r, "outcome");
}
