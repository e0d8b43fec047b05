// N threads / N processes alive at once, checked by what the kernel shows rather than by time:
// every unit announced itself while all were alive, every pid was distinct, nothing is left
// afterwards; and a low RLIMIT_NPROC is reported as a limit, never as a crash or a throw.
#include <dirent.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <set>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "support/lab_fixture.h"

#include "core/experiment.h"
#include "processes/child.h"
#include "processes/lab.h"
#include "processes/spawn_many.h"
#include "processes/spawn_many_support.h"

using namespace illusion;
using core::Result;
using core::Status;
namespace lp = labs::processes;

namespace {

bool proc_entry_exists(pid_t pid) {
  return access(("/proc/" + std::to_string(pid)).c_str(), F_OK) == 0;
}

double metric_value(const Result& r, const std::string& name) {
  const core::Metric* m = r.metric(name);
  if (!m) throw std::logic_error(r.id + " has no metric " + name);
  return m->value;
}

bool any_warning_has(const Result& r, const std::string& text) {
  for (const std::string& w : r.warnings)
    if (w.find(text) != std::string::npos) return true;
  return false;
}

std::string all_warnings(const Result& r) {
  std::string s;
  for (const std::string& w : r.warnings) s += w + "\n";
  return s;
}

std::uint64_t threads_of_this_process() {
  std::ifstream in("/proc/self/status");
  std::string key;
  std::uint64_t n = 0;
  while (in >> key)
    if (key == "Threads:" && in >> n) return n;
  return 0;
}

// Tasks (threads included) whose real uid is `uid`: what RLIMIT_NPROC counts (setrlimit(2)).
std::uint64_t tasks_of_user(uid_t uid) {
  std::uint64_t total = 0;
  DIR* d = opendir("/proc");
  if (!d) return 0;
  while (dirent* e = readdir(d)) {
    if (e->d_name[0] < '0' || e->d_name[0] > '9') continue;
    std::ifstream in(std::string("/proc/") + e->d_name + "/status");
    std::string line;
    long ruid = -1;
    std::uint64_t threads = 0;
    while (std::getline(in, line)) {
      std::istringstream f(line);
      std::string key;
      f >> key;
      if (key == "Uid:") f >> ruid;
      if (key == "Threads:") f >> threads;
    }
    if (ruid == static_cast<long>(uid)) total += threads;
  }
  closedir(d);
  return total;
}

// All tasks on the machine: the fourth field of /proc/loadavg is "running/total".
std::uint64_t tasks_alive() {
  std::ifstream in("/proc/loadavg");
  std::string a, b, c, rt;
  in >> a >> b >> c >> rt;
  return std::stoull(rt.substr(rt.find('/') + 1));
}

Result blank(const std::string& id, const std::string& unit) {
  Result r;
  r.id = id;
  r.lab = "processes";
  r.title = id;
  r.unit = unit;
  return r;
}

class SpawnMany : public illusion::testing::LabTest {
 protected:
  SpawnMany() : LabTest(lp::lab(), {.children = ChildCheck::before_and_after}) {}
};

// What the limited child reports back to the test.
struct LimitReport {
  double spawned = -1, planned = -1;
  int status = -1;
  int warned_nproc = 0, warned_eagain = 0;
  int no_children = 0, pids_gone = 0, threads_back = 0;
  int dropped_root = 0;
  char first_warning[400] = {};
};

// Runs in a forked child, as an unprivileged user when started as root (root is exempt from
// RLIMIT_NPROC): lowers RLIMIT_NPROC, runs the experiment and reports what it said.
int limited_child(lp::ValuePipe& pipe, const core::Clock* clock, bool threads, bool capped) {
  pipe.close_read();
  LimitReport rep;
  if (geteuid() == 0) {
    if (setresgid(65534, 65534, 65534) != 0 || setresuid(65534, 65534, 65534) != 0) return 10;
    rep.dropped_root = 1;
  }
  // Changing uid made this process non-dumpable (prctl(2)); children would inherit that, and
  // their /proc/<pid>/smaps_rollup would then need CAP_SYS_PTRACE.
  prctl(PR_SET_DUMPABLE, 1, 0, 0, 0);
  rlimit rl{};
  if (getrlimit(RLIMIT_NPROC, &rl) != 0) return 11;
  // Capped: the headroom (limit minus every task alive) is 40, so the plan shrinks below 100.
  // Uncapped: only 20 more tasks of this user fit, so creation runs into EAGAIN.
  const rlim_t want = capped ? tasks_alive() + 40 : tasks_of_user(getuid()) + 20;
  rl.rlim_cur = rl.rlim_max == RLIM_INFINITY ? want : std::min<rlim_t>(want, rl.rlim_max);
  if (setrlimit(RLIMIT_NPROC, &rl) != 0) return 12;

  core::RunContext ctx;
  ctx.profile = core::Profile::quick;
  ctx.clock = clock;
  std::vector<pid_t> pids;
  lp::SpawnOptions opt;
  opt.n = 100;
  opt.cap_to_headroom = capped;
  opt.pids_out = &pids;
  const std::uint64_t threads_before = threads_of_this_process();
  const Result r =
      threads
          ? lp::run_spawn_threads(ctx, blank("processes.spawn_threads_100", "ns/thread"), opt)
          : lp::run_spawn_processes(ctx, blank("processes.spawn_processes_100", "ns/process"), opt);
  rep.status = static_cast<int>(r.status);
  if (const core::Metric* m = r.metric("spawned")) rep.spawned = m->value;
  for (const core::Param& p : r.params)
    if (p.name == "planned") rep.planned = std::get<double>(p.value);
  rep.warned_nproc = any_warning_has(r, "RLIMIT_NPROC");
  rep.warned_eagain = any_warning_has(r, "EAGAIN");
  if (!r.warnings.empty())
    std::snprintf(rep.first_warning, sizeof rep.first_warning, "%s", r.warnings.back().c_str());
  rep.no_children = illusion::testing::no_children_left();
  rep.pids_gone = 1;
  for (pid_t p : pids) rep.pids_gone &= !proc_entry_exists(p);
  rep.threads_back = threads_of_this_process() == threads_before;
  return pipe.send(&rep, sizeof rep) ? 0 : 13;
}

LimitReport run_limited(const core::Clock* clock, bool threads, bool capped) {
  lp::ValuePipe pipe;
  lp::Child child = lp::Child::fork([&] { return limited_child(pipe, clock, threads, capped); });
  LimitReport rep;
  const bool got = pipe.receive(&rep, sizeof rep);
  const lp::ExitStatus st = child.wait();
  EXPECT_TRUE(got) << "the limited child ended with " << st.describe() << " before reporting";
  EXPECT_TRUE(st.exited && st.code == 0) << st.describe();
  return rep;
}

}  // namespace

TEST(SpawnPlan, UncappedPlansEverythingAndTheMarginGrowsWithTheHeadroom) {
  const lp::SpawnPlan p = lp::plan_spawn(100, false);
  EXPECT_EQ(p.planned, 100u);
  EXPECT_TRUE(p.limited_by.empty());
  EXPECT_LT(lp::spawn_safety_margin(20), 20u + 16u);
  EXPECT_GT(lp::spawn_safety_margin(100000), lp::spawn_safety_margin(100));
}

TEST_F(SpawnMany, ProcessesAreAllAliveTogetherDistinctAndAllReaped) {
  std::vector<pid_t> pids;
  lp::SpawnOptions opt;
  opt.n = 50;
  opt.pids_out = &pids;
  const Result r =
      lp::run_spawn_processes(ctx_, blank("processes.spawn_processes_50", "ns/process"), opt);
  ASSERT_EQ(r.status, Status::ok) << r.reason;
  ASSERT_TRUE(r.stats.has_value());
  EXPECT_EQ(r.stats->n, 50u);
  EXPECT_EQ(metric_value(r, "spawned"), 50);
  EXPECT_EQ(metric_value(r, "alive_at_once"), 50);
  EXPECT_EQ(metric_value(r, "distinct_pids"), 50);
  ASSERT_EQ(pids.size(), 50u);
  EXPECT_EQ(std::set<pid_t>(pids.begin(), pids.end()).size(), 50u);
  for (pid_t p : pids) EXPECT_FALSE(proc_entry_exists(p)) << "pid " << p << " is still there";
  EXPECT_TRUE(no_children_left());
  // A forked child shares the parent's pages: its proportional share is below its RSS.
  EXPECT_GT(metric_value(r, "pss_per_process_kib"), 0);
  EXPECT_LT(metric_value(r, "pss_per_process_kib"), metric_value(r, "rss_per_process_kib"));
  EXPECT_GT(metric_value(r, "page_tables_per_process_kib"), 0);
  const core::CounterValue* sw = r.counter("rusage_voluntary_switches");
  ASSERT_TRUE(sw && sw->per_op);
  EXPECT_GE(*sw->per_op, 1.0) << "each child blocks in read(2) at least once";
  EXPECT_TRUE(r.warnings.empty()) << all_warnings(r);
}

TEST_F(SpawnMany, ThreadsAreAllAliveTogetherAndAllJoined) {
  const std::uint64_t before = threads_of_this_process();
  lp::SpawnOptions opt;
  opt.n = 50;
  const Result r =
      lp::run_spawn_threads(ctx_, blank("processes.spawn_threads_50", "ns/thread"), opt);
  ASSERT_EQ(r.status, Status::ok) << r.reason;
  EXPECT_EQ(metric_value(r, "spawned"), 50);
  EXPECT_EQ(metric_value(r, "alive_at_once"), 50);
  EXPECT_EQ(threads_of_this_process(), before);
  // The stack reserves megabytes of address space; the thread touches a few pages of it.
  const double virt = metric_value(r, "stack_virtual_kib"),
               res = metric_value(r, "stack_resident_kib");
  EXPECT_GE(virt, 64);
  EXPECT_GT(res, 0);
  EXPECT_LT(res * 10, virt);
  EXPECT_GT(metric_value(r, "rss_per_thread_kib"), 0);
}

TEST_F(SpawnMany, QuickProfileSkipsTheThousandUnitRows) {
  const core::Lab lab = lp::lab();
  for (const core::Experiment& e : lab.experiments) {
    if (e.id != "processes.spawn_processes_1000" && e.id != "processes.spawn_threads_1000")
      continue;
    const Result r = e.run(ctx_);
    EXPECT_EQ(r.status, Status::skipped) << e.id;
    EXPECT_NE(r.reason.find("--quick"), std::string::npos) << r.reason;
  }
}

TEST_F(SpawnMany, LowProcessLimitIsReportedAsALimit) {
  const LimitReport rep = run_limited(clock_, /*threads=*/false, /*capped=*/true);
  EXPECT_LT(rep.planned, 100) << rep.first_warning;
  EXPECT_LT(rep.spawned, 100);
  EXPECT_EQ(rep.spawned, rep.planned) << rep.first_warning;
  EXPECT_TRUE(rep.warned_nproc) << rep.first_warning;
  EXPECT_TRUE(rep.no_children);
  EXPECT_TRUE(rep.pids_gone);
}

TEST_F(SpawnMany, ForkHittingTheProcessLimitStopsReapsAndSaysWhy) {
  const LimitReport rep = run_limited(clock_, /*threads=*/false, /*capped=*/false);
  EXPECT_EQ(rep.status, static_cast<int>(Status::ok)) << rep.first_warning;
  EXPECT_GT(rep.spawned, 0);
  EXPECT_LT(rep.spawned, 100);
  EXPECT_TRUE(rep.warned_eagain) << rep.first_warning;
  EXPECT_TRUE(rep.warned_nproc) << rep.first_warning;
  EXPECT_TRUE(rep.no_children) << "children were left after EAGAIN";
  EXPECT_TRUE(rep.pids_gone);
}

TEST_F(SpawnMany, ThreadCreationHittingTheProcessLimitStopsJoinsAndSaysWhy) {
  const LimitReport rep = run_limited(clock_, /*threads=*/true, /*capped=*/false);
  EXPECT_EQ(rep.status, static_cast<int>(Status::ok)) << rep.first_warning;
  EXPECT_GT(rep.spawned, 0);
  EXPECT_LT(rep.spawned, 100);
  EXPECT_TRUE(rep.warned_eagain) << rep.first_warning;
  EXPECT_TRUE(rep.threads_back) << "threads were left after EAGAIN";
}
