// Hostile or odd environments, end to end (issue 8): the real binary run as an unprivileged
// user, with perf_event_open(2) refused, under `ulimit -v`, with few processes allowed, on one
// CPU, with a nearly full --dir, without strace and perf, and with stdout a pipe nobody reads.
// Each must end with clear skips and messages: never a crash, a hang, or a number standing in
// for one that could not be measured. Small sets of rows keep each case to a few seconds; the
// confinement is applied in the child only (support/confine.h), so no system setting changes.
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <optional>
#include <regex>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "core/resources.h"
#include "support/children.h"
#include "support/confine.h"
#include "support/files.h"
#include "support/sanitizer.h"
#include "support/subprocess.h"
#include "vm/faults_probe.h"

using illusion::testing::ConfinedOutcome;
using illusion::testing::Confinement;
using illusion::testing::run_illusion_confined;
using illusion::testing::ScratchDir;
using illusion::testing::slurp;
using nlohmann::json;

namespace {

constexpr std::uint64_t kMiB = 1 << 20;

struct User {
  uid_t uid;
  gid_t gid;
};

// `nobody` (65534 where the account is missing): a user with no privileges and no files.
User nobody() {
  if (const passwd* pw = getpwnam("nobody")) return {pw->pw_uid, pw->pw_gid};
  return {65534, 65534};
}

std::string describe(const ConfinedOutcome& o) {
  return "exit " + std::to_string(o.exit_code) + ", signal " + std::to_string(o.signal) +
         (o.timed_out ? ", TIMED OUT" : "") + "\n--- stderr:\n" + o.err + "\n--- stdout:\n" + o.out;
}

const json* find(const json& doc, const std::string& id) {
  for (const json& e : doc.at("experiments"))
    if (e.at("id") == id) return &e;
  return nullptr;
}

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

bool any_warning_has(const json& e, const std::string& part) {
  for (const json& w : e.at("warnings"))
    if (contains(w.get<std::string>(), part)) return true;
  return false;
}

std::string text_of(const json& e, const char* field) {
  return e.contains(field) && e.at(field).is_string() ? e.at(field).get<std::string>() : "";
}

// Every counter that is null is explained by a warning that starts with its name: an
// unavailable figure shows as unavailable with its reason, never as 0.
void expect_null_counters_explained(const json& e) {
  for (const auto& [name, value] : e.at("counters").items()) {
    if (!value.is_null()) continue;
    bool explained = false;
    for (const json& w : e.at("warnings"))
      explained = explained || w.get<std::string>().rfind(name, 0) == 0;
    EXPECT_TRUE(explained) << e.at("id") << ": counter " << name << " is null without a reason";
  }
}

// Every row either ran, or was skipped/failed with a reason; and the run was complete.
void expect_every_row_accounted_for(const json& doc) {
  EXPECT_EQ(doc.at("complete"), true);
  for (const json& e : doc.at("experiments")) {
    if (e.at("status") == "ok") {
      expect_null_counters_explained(e);
      continue;
    }
    EXPECT_FALSE(text_of(e, "reason").empty()) << e.at("id") << " " << e.at("status");
  }
}

// A skipped row whose reason names `cause`.
void expect_skipped_for(const json& doc, const std::string& id, const std::string& cause) {
  const json* e = find(doc, id);
  ASSERT_NE(e, nullptr) << id << " missing";
  EXPECT_EQ(e->at("status"), "skipped") << id << ": " << e->dump();
  EXPECT_TRUE(contains(text_of(*e, "reason"), cause)) << id << ": " << text_of(*e, "reason");
}

// A skipped row whose reason names one of `causes`: the causes a test predicts from the facts
// it read, more than one where more than one limit applies.
void expect_skipped_for_one_of(const json& doc, const std::string& id,
                               const std::vector<std::string>& causes) {
  const json* e = find(doc, id);
  ASSERT_NE(e, nullptr) << id << " missing";
  EXPECT_EQ(e->at("status"), "skipped") << id << ": " << e->dump();
  const std::string reason = text_of(*e, "reason");
  bool named = false;
  for (const std::string& cause : causes) named = named || contains(reason, cause);
  std::string expected;
  for (const std::string& cause : causes) expected += " [" + cause + "]";
  EXPECT_TRUE(named) << id << ": " << reason << "\nexpected one of:" << expected;
}

json read_json(const std::string& path) {
  return json::parse(slurp(path), nullptr, false);
}

// Leaves no process behind: orphans of the run are re-parented to the test (a subreaper), so
// one illusion failed to reap is found and fails the test.
class HostileEnv : public ::testing::Test {
 protected:
  void TearDown() override {
    EXPECT_EQ(illusion::testing::reap_leftovers(), 0) << "processes were left behind";
  }
  illusion::testing::Subreaper reaper_;
};

// What another user needs to run illusion: a copy of the binary they can execute (the build
// tree may be closed to them), a TMPDIR and an output directory they own. Root's scratch
// directory holds them all and removes them with everything in them.
class UserSandbox {
 public:
  explicit UserSandbox(User u) {
    namespace fs = std::filesystem;
    fs::permissions(dir_.path(), fs::perms::owner_all | fs::perms::group_read |
                                     fs::perms::group_exec | fs::perms::others_read |
                                     fs::perms::others_exec);
    binary_ = dir_.file("illusion");
    fs::copy_file(ILLUSION_BINARY, binary_);
    fs::permissions(binary_, fs::perms::owner_all | fs::perms::group_read | fs::perms::group_exec |
                                 fs::perms::others_read | fs::perms::others_exec);
    for (const char* name : {"tmp", "out"}) {
      const std::string path = dir_.file(name);
      if (mkdir(path.c_str(), 0700) != 0 || chown(path.c_str(), u.uid, u.gid) != 0)
        throw std::runtime_error("cannot prepare " + path);
    }
  }
  const std::string& binary() const { return binary_; }
  std::string tmp() const { return dir_.file("tmp"); }
  std::string out(const std::string& name) const { return dir_.file("out") + "/" + name; }

 private:
  ScratchDir dir_;
  std::string binary_;
};

// The first CPU this process may use.
int first_allowed_cpu() {
  cpu_set_t set;
  CPU_ZERO(&set);
  if (sched_getaffinity(0, sizeof set, &set) == 0)
    for (int c = 0; c < CPU_SETSIZE; ++c)
      if (CPU_ISSET(c, &set)) return c;
  return 0;
}

}  // namespace

// 1. Not root: real-time and raised priorities are refused and those rows say so; perf may
//    count less, and what it cannot count is null with a reason.
TEST_F(HostileEnv, AnUnprivilegedUserGetsSkipsWithReasons) {
  if (geteuid() != 0) GTEST_SKIP() << "needs root to become another user (setuid)";
  const User user = nobody();
  const UserSandbox box(user);
  Confinement c;
  c.uid = user.uid;
  c.gid = user.gid;
  c.env = {"TMPDIR=" + box.tmp()};
  const std::string json_path = box.out("run.json");
  const auto o = run_illusion_confined(
      {"run", "scheduling.wakeup_nice", "scheduling.wakeup_fifo", "scheduling.frames_fifo",
       "scheduling.inversion_pi", "syscalls.getppid_raw", "--quick", "--json", json_path},
      c, box.binary());
  if (!o.setup_error.empty())
    GTEST_SKIP() << "could not become uid " << user.uid << ": " << o.setup_error;
  ASSERT_EQ(o.exit_code, 0) << describe(o);
  EXPECT_TRUE(contains(o.out, "skipped: SCHED_FIFO was refused")) << o.out;
  const json doc = read_json(json_path);
  ASSERT_FALSE(doc.is_discarded()) << describe(o);
  expect_every_row_accounted_for(doc);
  for (const char* id :
       {"scheduling.wakeup_fifo", "scheduling.frames_fifo", "scheduling.inversion_pi"})
    expect_skipped_for(doc, id, "CAP_SYS_NICE");
  // Raising the sleeper's priority (nice -10) is refused; the row falls back to lowering the
  // load's and records why.
  if (const json* nice = find(doc, "scheduling.wakeup_nice")) {
    ASSERT_EQ(nice->at("status"), "ok") << nice->dump();
    EXPECT_TRUE(contains(nice->at("params").value("priority_given", ""), "refused"))
        << nice->at("params").dump();
    EXPECT_TRUE(any_warning_has(*nice, "could not be raised")) << nice->dump();
  }
  const json* getppid = find(doc, "syscalls.getppid_raw");
  ASSERT_NE(getppid, nullptr);
  EXPECT_EQ(getppid->at("status"), "ok") << getppid->dump();
  EXPECT_TRUE(illusion::testing::dir_entries(box.tmp()).empty());
}

// 2. perf_event_paranoid=3 or a seccomp policy: no perf event opens at all. Every perf counter
//    is null with the reason, getrusage carries the counts, and the console shows "—".
TEST_F(HostileEnv, NoPerfEventsFallsBackToGetrusage) {
  if (illusion::testing::kAuditArch == 0) GTEST_SKIP() << "no seccomp filter for this CPU";
  const ScratchDir dir, out;
  Confinement c;
  c.deny_perf_events = true;
  c.env = {"TMPDIR=" + dir.path()};
  const auto o = run_illusion_confined({"run", "syscalls.getppid_raw", "processes.fork_exit",
                                        "--quick", "--json", out.file("run.json")},
                                       c);
  if (!o.setup_error.empty()) GTEST_SKIP() << "seccomp unavailable: " << o.setup_error;
  ASSERT_EQ(o.exit_code, 0) << describe(o);
  const json doc = read_json(out.file("run.json"));
  ASSERT_FALSE(doc.is_discarded()) << describe(o);
  expect_every_row_accounted_for(doc);
  for (const char* id : {"syscalls.getppid_raw", "processes.fork_exit"}) {
    const json* e = find(doc, id);
    ASSERT_NE(e, nullptr) << id;
    ASSERT_EQ(e->at("status"), "ok") << e->dump();
    const json& counters = e->at("counters");
    for (const char* perf : {"page_faults", "context_switches", "syscalls"})
      if (counters.contains(perf)) {
        EXPECT_TRUE(counters.at(perf).is_null()) << id << " " << perf << ": " << counters.dump();
      }
    for (const char* rusage : {"rusage_minor_faults", "rusage_voluntary_switches"}) {
      ASSERT_TRUE(counters.contains(rusage)) << id << ": " << counters.dump();
      EXPECT_TRUE(counters.at(rusage).is_number()) << id << " " << rusage;
    }
    EXPECT_TRUE(any_warning_has(*e, "syscalls: unavailable")) << e->at("warnings").dump();
  }
  EXPECT_TRUE(contains(o.out, "from getrusage(2)")) << o.out;
  EXPECT_TRUE(contains(o.out, "—")) << o.out;
  EXPECT_TRUE(illusion::testing::dir_entries(dir.path()).empty());
}

// 3. `ulimit -v 512M`: rows that map 1 GiB skip naming the limit, rows that can shrink do,
//    and thread stacks (8 MiB of address space each) are planned within it.
TEST_F(HostileEnv, AnAddressSpaceLimitSkipsOrScalesDownWithTheReason) {
  if (illusion::testing::kSanitized)
    GTEST_SKIP() << "a sanitizer reserves terabytes of address space for its shadow memory: "
                    "the binary cannot start under ulimit -v";
  // What each row checks first decides the reason it gives, so the prediction reads the same
  // facts. vm.thp_fault asks the THP mode before any size; every row then checks free memory
  // (core::require_free_memory, which keeps 256 MiB spare) before the address-space limit.
  // The largest ask here is 1 GiB plus its per-page readings; when this host's free memory is
  // near that (256 MiB allowed for it moving before the child reads it), memory may be named
  // instead of the limit, and both are right.
  const std::string thp = illusion::labs::vm::faults::thp_mode_now();
  const bool thp_off = thp == "never" || thp == "unavailable";
  constexpr std::uint64_t kLargestAsk = 1024 * kMiB + 2 * kMiB, kSpare = 256 * kMiB,
                          kDrift = 256 * kMiB;
  const std::uint64_t avail = illusion::core::available_memory_bytes();
  const bool memory_may_be_short = avail != 0 && avail < kLargestAsk + kSpare + kDrift;
  std::vector<std::string> size_causes = {"RLIMIT_AS"};
  if (memory_may_be_short) size_causes.push_back("of memory but only");

  const ScratchDir dir, out;
  Confinement c;
  c.address_space = 512 * kMiB;
  c.env = {"TMPDIR=" + dir.path()};
  // The default profile: these rows ask for 512 MiB to 1 GiB there; skipping costs nothing.
  const auto o = run_illusion_confined(
      {"run", "processes.fork_thp_1g", "processes.spawn_threads_1000", "vm.first_touch",
       "vm.thp_fault", "vm.frame_loop_faults", "vm.tlb_reach", "--json", out.file("run.json")},
      c);
  ASSERT_TRUE(o.setup_error.empty()) << o.setup_error;
  ASSERT_EQ(o.exit_code, 0) << describe(o);
  const json doc = read_json(out.file("run.json"));
  ASSERT_FALSE(doc.is_discarded()) << describe(o);
  expect_every_row_accounted_for(doc);
  for (const json& e : doc.at("experiments")) EXPECT_NE(e.at("status"), "failed") << e.dump();
  for (const char* id : {"processes.fork_thp_1g", "vm.first_touch", "vm.frame_loop_faults"})
    expect_skipped_for_one_of(doc, id, size_causes);
  if (thp_off) {
    expect_skipped_for(doc, "vm.thp_fault", "transparent huge pages are \"" + thp + "\"");
  } else {
    expect_skipped_for_one_of(doc, "vm.thp_fault", size_causes);
  }
  // Scaled down, and saying why.
  for (const char* id : {"processes.spawn_threads_1000", "vm.tlb_reach"}) {
    const json* e = find(doc, id);
    ASSERT_NE(e, nullptr) << id;
    if (e->at("status") == "skipped") {
      expect_skipped_for_one_of(doc, id, size_causes);
    } else {
      bool named = false;
      for (const std::string& cause : size_causes) named = named || any_warning_has(*e, cause);
      EXPECT_TRUE(named) << e->dump();
    }
  }
  if (const json* t = find(doc, "processes.spawn_threads_1000"); t && t->at("status") == "ok") {
    EXPECT_LT(t->at("metrics").at("spawned").at("value").get<double>(), 1000);
  }
  EXPECT_TRUE(illusion::testing::dir_entries(dir.path()).empty());
}

// 3b. The IO lab maps its whole test file: under a limit smaller than the file, the mapping
//     rows skip with the limit named while the read() rows still run.
TEST_F(HostileEnv, AnAddressSpaceLimitSkipsMappingsOfTheTestFile) {
  if (illusion::testing::kSanitized)
    GTEST_SKIP() << "a sanitizer cannot start under ulimit -v (shadow memory)";
  const ScratchDir dir, out;
  Confinement c;
  c.address_space = 160 * kMiB;  // less than the 128 MiB --quick file plus the 64 MiB kept spare
  c.env = {"TMPDIR=" + dir.path()};
  const auto o = run_illusion_confined(
      {"run", "mmap_vs_read.read_64k_warm", "mmap_vs_read.mmap_warm", "mmap_vs_read.rand_mmap_warm",
       "--quick", "--json", out.file("run.json")},
      c);
  ASSERT_TRUE(o.setup_error.empty()) << o.setup_error;
  ASSERT_EQ(o.exit_code, 0) << describe(o);
  const json doc = read_json(out.file("run.json"));
  ASSERT_FALSE(doc.is_discarded()) << describe(o);
  expect_every_row_accounted_for(doc);
  const json* read = find(doc, "mmap_vs_read.read_64k_warm");
  ASSERT_NE(read, nullptr);
  EXPECT_EQ(read->at("status"), "ok") << read->dump();
  for (const char* id : {"mmap_vs_read.mmap_warm", "mmap_vs_read.rand_mmap_warm"})
    expect_skipped_for(doc, id, "RLIMIT_AS");
  EXPECT_TRUE(illusion::testing::dir_entries(dir.path()).empty());
}

// 4. RLIMIT_NPROC low (enforced only for a user who is not root): the rows that hold 100
//    threads or processes alive plan within the limit or stop at it, say which limit, and
//    leave no child behind; the run goes on and exits 0.
TEST_F(HostileEnv, AProcessLimitIsReportedAndLeavesNoChildren) {
  if (geteuid() != 0) GTEST_SKIP() << "needs root to become another user (setuid)";
  const User user = nobody();
  const UserSandbox box(user);
  Confinement c;
  c.uid = user.uid;
  c.gid = user.gid;
  c.max_processes = 50;
  c.env = {"TMPDIR=" + box.tmp()};
  const std::string json_path = box.out("run.json");
  const auto o =
      run_illusion_confined({"run", "processes.spawn_threads_100", "processes.spawn_processes_100",
                             "processes.fork_exit", "--quick", "--json", json_path},
                            c, box.binary());
  if (!o.setup_error.empty())
    GTEST_SKIP() << "could not become uid " << user.uid << ": " << o.setup_error;
  ASSERT_EQ(o.exit_code, 0) << describe(o);
  const json doc = read_json(json_path);
  ASSERT_FALSE(doc.is_discarded()) << describe(o);
  expect_every_row_accounted_for(doc);
  for (const char* id : {"processes.spawn_threads_100", "processes.spawn_processes_100"}) {
    const json* e = find(doc, id);
    ASSERT_NE(e, nullptr) << id;
    // Skipped by plan, or cut short (by plan or by EAGAIN): either way RLIMIT_NPROC is named.
    const bool named =
        contains(text_of(*e, "reason"), "RLIMIT_NPROC") || any_warning_has(*e, "RLIMIT_NPROC");
    EXPECT_TRUE(named) << e->dump();
    if (e->at("status") == "ok") {
      EXPECT_LT(e->at("metrics").at("spawned").at("value").get<double>(), 100) << e->dump();
    }
  }
  const json* fork = find(doc, "processes.fork_exit");
  ASSERT_NE(fork, nullptr);
  EXPECT_EQ(fork->at("status"), "ok") << fork->dump();
  EXPECT_TRUE(illusion::testing::dir_entries(box.tmp()).empty());
}

// 5. One CPU (`taskset -c 0`): the rows that need a second CPU skip and say why; the row that
//    can time-share one CPU runs and warns; nothing escapes to another CPU.
TEST_F(HostileEnv, OneCpuSkipsTheCrossCpuRows) {
  const ScratchDir dir, out;
  Confinement c;
  c.only_cpu = first_allowed_cpu();
  c.env = {"TMPDIR=" + dir.path()};
  const auto o = run_illusion_confined(
      {"run", "scheduling.futex_cross_cpu", "scheduling.pipe_threads_cross_cpu",
       "scheduling.wakeup_pinned_away", "mmap_vs_read.munmap_shootdown", "vm.mmap_churn_stall",
       "--quick", "--json", out.file("run.json")},
      c);
  ASSERT_TRUE(o.setup_error.empty()) << o.setup_error;
  ASSERT_EQ(o.exit_code, 0) << describe(o);
  const json doc = read_json(out.file("run.json"));
  ASSERT_FALSE(doc.is_discarded()) << describe(o);
  expect_every_row_accounted_for(doc);
  for (const char* id : {"scheduling.futex_cross_cpu", "scheduling.pipe_threads_cross_cpu",
                         "scheduling.wakeup_pinned_away", "mmap_vs_read.munmap_shootdown"})
    expect_skipped_for(doc, id, "1 CPU");
  const json* churn = find(doc, "vm.mmap_churn_stall");
  ASSERT_NE(churn, nullptr);
  if (churn->at("status") == "ok") {
    EXPECT_TRUE(any_warning_has(*churn, "only one CPU")) << churn->dump();
    EXPECT_TRUE(contains(churn->at("params").value("placement", ""), "one CPU")) << churn->dump();
  }
  EXPECT_TRUE(illusion::testing::dir_entries(dir.path()).empty());
}

// 6. A --dir without room: refused before any work (exit 2), naming what is needed and what is
//    free. The nearly full tmpfs exists only in the child's own mount namespace.
TEST_F(HostileEnv, ANearlyFullDirIsRefusedBeforeAnyWork) {
  if (geteuid() != 0) GTEST_SKIP() << "needs root to mount a tmpfs";
  const ScratchDir dir;
  Confinement c;
  c.tmpfs_dir = dir.path();
  c.tmpfs_bytes = 16 * kMiB;
  c.tmpfs_fill_bytes = 15 * kMiB;
  const auto o = run_illusion_confined({"run", "mmap_vs_read", "--quick", "--dir", dir.path()}, c);
  if (!o.setup_error.empty()) GTEST_SKIP() << "cannot mount a private tmpfs: " << o.setup_error;
  ASSERT_EQ(o.exit_code, 2) << describe(o);
  // The largest row's need (the 128 MiB --quick file, or more for a row writing beside it).
  const std::regex message("needs [0-9.]+ MiB in " + dir.path() +
                           " but only [0-9.]+ (B|KiB|MiB) is free");
  EXPECT_TRUE(std::regex_search(o.err, message)) << o.err;
  EXPECT_TRUE(contains(o.err, "--dir")) << o.err;
  EXPECT_EQ(o.out, "") << "nothing was measured, so nothing is reported";
  // The mount and the filler lived and died with the child's namespace.
  EXPECT_FALSE(contains(slurp("/proc/self/mountinfo"), " " + dir.path() + " "));
  EXPECT_TRUE(illusion::testing::dir_entries(dir.path()).empty());
}

// 7. Neither strace nor perf on PATH: verify says so per check and exits 0.
TEST_F(HostileEnv, VerifyWithoutStraceOrPerfSaysTheyAreMissing) {
  const ScratchDir empty_path, dir;
  Confinement c;
  c.env = {"PATH=" + empty_path.path(), "TMPDIR=" + dir.path()};
  const auto o = run_illusion_confined({"verify"}, c);
  ASSERT_TRUE(o.setup_error.empty()) << o.setup_error;
  ASSERT_EQ(o.exit_code, 0) << describe(o);
  EXPECT_TRUE(contains(o.out, "not checked: strace is not installed")) << o.out;
  EXPECT_TRUE(contains(o.out, "not checked: perf is not installed")) << o.out;
  EXPECT_TRUE(contains(o.out, "\n0 of ")) << o.out;
  EXPECT_FALSE(contains(o.out, "DISAGREE")) << o.out;
  EXPECT_TRUE(illusion::testing::dir_entries(dir.path()).empty());
}

// 8. `illusion run ... | head -0`: the reader is gone before the first byte. The run neither
//    hangs nor crashes: it ends as SIGPIPE's default would (status 141, or the signal), after
//    writing the files it was asked for and removing its temp dir.
TEST_F(HostileEnv, AClosedStdoutEndsTheRunCleanly) {
  const ScratchDir dir, out;
  Confinement c;
  c.stdout_reader_gone = true;
  c.env = {"TMPDIR=" + dir.path()};
  const auto o = run_illusion_confined(
      {"run", "syscalls.function_call", "--quick", "--json", out.file("run.json")}, c);
  ASSERT_TRUE(o.setup_error.empty()) << o.setup_error;
  ASSERT_FALSE(o.timed_out) << describe(o);
  EXPECT_TRUE(o.exit_code == 128 + SIGPIPE || o.signal == SIGPIPE) << describe(o);
  EXPECT_FALSE(contains(o.err, "terminate called")) << o.err;
  const json doc = read_json(out.file("run.json"));
  ASSERT_FALSE(doc.is_discarded()) << "the JSON is written before the console: " << describe(o);
  EXPECT_EQ(doc.at("complete"), true);
  EXPECT_TRUE(illusion::testing::dir_entries(dir.path()).empty());
}
