// Isolation outcomes, checked as outcomes: the crashing child is reported killed by SIGSEGV
// (and this test process is still here to check it), no core file appears, the stray write
// reaches the other thread but not the parent process, and no child is left behind.
#include <dirent.h>
#include <unistd.h>

#include <stdexcept>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "support/lab_fixture.h"

#include "core/experiment.h"
#include "processes/lab.h"

using namespace illusion;
using core::Result;
using core::Status;

namespace {

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

class Isolation : public illusion::testing::LabTest {
 protected:
  Isolation()
      : LabTest(labs::processes::lab(),
                {.children = ChildCheck::before_and_after, .expect_lab_id = false}) {}

  void expect_more(const Result& r) const override {
    EXPECT_FALSE(text_param(r, "outcome").empty()) << r.id;
    EXPECT_TRUE(r.warnings.empty()) << r.id << ": " << r.warnings.front();
  }
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
