// A GoogleTest fixture shared by the tests that run a lab's experiments for real: one clock and
// one EnvInfo per test suite, a quick-profile RunContext whose `earlier` holds the results run
// so far in the test, optionally a private temp directory that must be left empty, and helpers
// to check that no child process was left behind.
#pragma once

#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <fstream>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "support/sanitizer.h"

#include "core/clock.h"
#include "core/env.h"
#include "core/experiment.h"
#include "support/files.h"

namespace illusion::testing {

// Pids listed in /proc/self/task/<pid>/children (CONFIG_PROC_CHILDREN), for failure messages.
inline std::string children_listing() {
  std::string out;
  std::ifstream in("/proc/self/task/" + std::to_string(getpid()) + "/children");
  std::getline(in, out);
  return out;
}

// True when no child of this process exists: waitpid(2) with WNOHANG fails with ECHILD only
// when there is no child at all; 0 means one still runs, a pid means a zombie was left (and
// has just been reaped by this check).
inline bool no_children_left() {
  errno = 0;
  const pid_t r = waitpid(-1, nullptr, WNOHANG);
  return r == -1 && errno == ECHILD;
}

// Derive one fixture per lab test file, passing the lab (and options) to the constructor:
//   class CowRows : public illusion::testing::LabTest {
//    protected:
//     CowRows() : LabTest(labs::processes::lab()) {}
//   };
// Fixtures that override SetUp or TearDown call LabTest's.
class LabTest : public ::testing::Test {
 public:
  // When the fixture checks that this process has no child (running or zombie).
  enum class ChildCheck { never, after, before_and_after };

  struct Options {
    // A fresh directory under $TMPDIR (else /tmp) in dir_ and ctx_.temp_dir for each test,
    // expected to be empty again when the test ends, then removed.
    bool temp_dir = false;
    // after: EXPECT no child once the test ends; before_and_after: also ASSERT none in SetUp.
    ChildCheck children = ChildCheck::never;
    // Whether expect_ok checks that the result names this lab.
    bool expect_lab_id = true;
  };

 protected:
  explicit LabTest(core::Lab lab) : LabTest(std::move(lab), Options{}) {}
  LabTest(core::Lab lab, Options options) : lab_(std::move(lab)), options_(options) {
    ctx_.profile = core::Profile::quick;
    ctx_.clock = clock_;
    ctx_.env = env_;
    // References returned by run() must stay valid while later experiments are added.
    earlier_.reserve(kReserve);
    ctx_.earlier = &earlier_;
  }

  static void SetUpTestSuite() {
    clock_ = core::make_clock().release();
    env_ = new core::EnvInfo(core::probe_env());
  }
  static void TearDownTestSuite() {
    delete env_;
    delete clock_;
    env_ = nullptr;
    clock_ = nullptr;
  }

  void SetUp() override {
    if (options_.children == ChildCheck::before_and_after) {
      ASSERT_TRUE(no_children_left()) << "children before the test: " << children_listing();
    }
    if (!options_.temp_dir) return;
    const char* tmp = std::getenv("TMPDIR");
    std::string templ =
        std::string(tmp && *tmp ? tmp : "/tmp") + "/illusion-" + lab_.id + "-test-XXXXXX";
    ASSERT_NE(mkdtemp(templ.data()), nullptr);
    dir_ = templ;
    ctx_.temp_dir = dir_;
  }

  void TearDown() override {
    if (options_.children != ChildCheck::never) {
      const std::string listing = children_listing();
      EXPECT_TRUE(no_children_left()) << "children were left behind: " << listing;
    }
    if (!options_.temp_dir) return;
    const std::vector<std::string> left = dir_entries(dir_);
    EXPECT_TRUE(left.empty()) << "the lab left " << left.size() << " files, e.g. "
                              << (left.empty() ? "" : left.front());
    for (const std::string& n : left) unlink((dir_ + "/" + n).c_str());
    rmdir(dir_.c_str());
  }

  // Runs one experiment of the lab's table and keeps its result for the ones after it.
  const core::Result& run(const std::string& id) {
    for (const core::Experiment& e : lab_.experiments) {
      if (e.id != id) continue;
      if (earlier_.size() == earlier_.capacity()) throw std::logic_error("raise the reserve");
      earlier_.push_back(e.run(ctx_));
      return earlier_.back();
    }
    throw std::logic_error("no experiment " + id);
  }

  // Status ok, stats with n > 0 and p50 > 0, a meaning line and this lab's id; then the
  // fixture's own checks (expect_more), unless a fatal failure ended the common ones.
  void expect_ok(const core::Result& r) const {
    ASSERT_EQ(r.status, core::Status::ok) << r.id << ": " << r.reason;
    ASSERT_TRUE(r.stats.has_value()) << r.id;
    EXPECT_GT(r.stats->n, 0u) << r.id;
    EXPECT_GT(r.stats->p50, 0) << r.id;
    EXPECT_FALSE(r.meaning.empty()) << r.id;
    if (options_.expect_lab_id) {
      EXPECT_EQ(r.lab, lab_.id) << r.id;
    }
    expect_more(r);
  }

  // What a fixture's expect_ok checks beyond the common part.
  virtual void expect_more(const core::Result& /*r*/) const {}

  // The free functions above, for use in fixtures and tests without qualification.
  static bool no_children_left() { return illusion::testing::no_children_left(); }
  static std::string children_listing() { return illusion::testing::children_listing(); }

  static constexpr std::size_t kReserve = 64;  // results one test may run; see run()

  static inline core::Clock* clock_ = nullptr;
  static inline core::EnvInfo* env_ = nullptr;
  core::Lab lab_;
  Options options_;
  std::string dir_;  // the private temp directory, when options_.temp_dir
  std::vector<core::Result> earlier_;
  core::RunContext ctx_;
};

}  // namespace illusion::testing
