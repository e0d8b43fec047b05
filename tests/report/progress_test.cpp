// Progress: one plain line per experiment off a terminal, a redrawn bar on one, an ETA that
// follows the hints and then the observed pace.
#include "report/progress.h"

#include <gtest/gtest.h>

#include <sstream>

#include "core/experiment.h"

using namespace illusion;
using namespace illusion::report;

namespace {

core::Experiment experiment(const std::string& id, double standard_s) {
  core::Experiment e;
  e.id = id;
  e.duration.standard_s = standard_s;
  return e;
}

struct FakeTime {
  double now = 100;
  ConsoleProgress::Clock clock() {
    return [this] { return now; };
  }
};

// Drives the observer the way core::run_experiments does.
void run(ConsoleProgress& p, const std::vector<core::Experiment>& table, FakeTime& t, double pace) {
  double remaining = 0;
  for (const auto& e : table) remaining += e.duration.standard_s;
  p.on_run_start(table.size(), remaining);
  for (std::size_t i = 0; i < table.size(); ++i) {
    const core::Selected s{&table[i], "syscalls"};
    p.on_experiment_start(s, i, table.size(), remaining);
    p.on_experiment_progress(0.5);
    t.now += table[i].duration.standard_s * pace;  // pace 1: exactly as hinted
    p.on_experiment_end(s, core::Result{});
    remaining -= table[i].duration.standard_s;
  }
  p.on_run_end();
}

}  // namespace

TEST(Progress, PlainModePrintsOneLinePerExperiment) {
  const std::vector<core::Experiment> table = {experiment("syscalls.a", 1),
                                               experiment("syscalls.getppid_raw", 2),
                                               experiment("syscalls.c", 3)};
  FakeTime t;
  std::ostringstream out;
  ConsoleProgress p(out, false, core::Profile::standard, t.clock());
  run(p, table, t, 1.0);
  EXPECT_EQ(out.str(),
            "[1/3] syscalls.a (ETA 6s)\n"
            "[2/3] syscalls.getppid_raw (ETA 5s)\n"
            "[3/3] syscalls.c (ETA 3s)\n");
}

TEST(Progress, EtaLearnsThePace) {
  const std::vector<core::Experiment> table = {experiment("syscalls.a", 10),
                                               experiment("syscalls.b", 10)};
  FakeTime t;
  std::ostringstream out;
  ConsoleProgress p(out, false, core::Profile::standard, t.clock());
  p.on_run_start(2, 20);
  const core::Selected a{&table[0], "syscalls"};
  p.on_experiment_start(a, 0, 2, 20);
  EXPECT_DOUBLE_EQ(p.eta_s(), 20);  // nothing done yet: the hints alone
  t.now += 20;                      // the first experiment took twice its hint
  p.on_experiment_end(a, core::Result{});
  const core::Selected b{&table[1], "syscalls"};
  p.on_experiment_start(b, 1, 2, 10);
  EXPECT_DOUBLE_EQ(p.fraction_done(), 0.5);
  // 10 s of hints left, the pace so far 2x, trusted 10/(10+2): 10 * (1/6 + 5/6 * 2).
  EXPECT_NEAR(p.eta_s(), 10 * (1.0 / 6 + 5.0 / 6 * 2), 1e-9);
  p.on_experiment_progress(0.5);
  EXPECT_DOUBLE_EQ(p.fraction_done(), 0.75);
}

TEST(Progress, LiveModeRedrawsOneLineAndClearsIt) {
  const std::vector<core::Experiment> table = {experiment("syscalls.a", 1),
                                               experiment("syscalls.getppid_raw", 1)};
  FakeTime t;
  std::ostringstream out;
  ConsoleProgress p(out, true, core::Profile::standard, t.clock());
  run(p, table, t, 1.0);
  const std::string s = out.str();
  EXPECT_EQ(s.find('\n'), std::string::npos) << "a live bar never scrolls";
  EXPECT_NE(s.find("\r[2/2] syscalls.getppid_raw"), std::string::npos) << s;
  EXPECT_NE(s.find("█"), std::string::npos);
  EXPECT_NE(s.find("░"), std::string::npos);
  EXPECT_NE(s.find("%  ETA "), std::string::npos);
  // Ends with the line blanked and the cursor back at column 0.
  ASSERT_GE(s.size(), 2u);
  EXPECT_EQ(s.back(), '\r');
  EXPECT_EQ(s[s.size() - 2], ' ');
}

TEST(Progress, ProgressRedrawsAreThrottled) {
  const std::vector<core::Experiment> table = {experiment("syscalls.a", 1)};
  FakeTime t;
  std::ostringstream out;
  ConsoleProgress p(out, true, core::Profile::standard, t.clock());
  p.on_run_start(1, 1);
  p.on_experiment_start({&table[0], "syscalls"}, 0, 1, 1);
  const std::size_t after_start = out.str().size();
  for (int i = 0; i < 1000; ++i) p.on_experiment_progress(i / 1000.0);  // no time passes
  EXPECT_EQ(out.str().size(), after_start);
  t.now += 1;
  p.on_experiment_progress(0.9);
  EXPECT_GT(out.str().size(), after_start);
}

TEST(Progress, LiveOnlyOnARealTerminalOutsideCi) {
  EXPECT_TRUE(progress_is_live(true, "xterm-256color", nullptr));
  EXPECT_FALSE(progress_is_live(false, "xterm-256color", nullptr));
  EXPECT_FALSE(progress_is_live(true, "dumb", nullptr));
  EXPECT_FALSE(progress_is_live(true, nullptr, nullptr));
  EXPECT_FALSE(progress_is_live(true, "xterm", "true"));
  EXPECT_FALSE(progress_is_live(true, "xterm", "1"));
  EXPECT_TRUE(progress_is_live(true, "xterm", "false"));
  EXPECT_TRUE(progress_is_live(true, "xterm", ""));
}
