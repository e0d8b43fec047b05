// Two runs on one machine measure each other: `illusion run` takes the machine's run lock
// (core/run_lock.h) and, when another run holds it, warns once on stderr and records
// env.concurrent_run = true, or waits for it with --wait-for-other-run. The test plays the other
// run by holding flock(2) on a lock file of its own, named to illusion by ILLUSION_LOCK_PATH.
// Assertions are on order and structure, never on how long anything took.
#include <fcntl.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <chrono>
#include <filesystem>
#include <string>

#include "core/fd.h"
#include "core/run_lock.h"
#include "support/children.h"
#include "support/files.h"
#include "support/subprocess.h"

namespace {

using illusion::testing::ScratchDir;
using illusion::testing::slurp;
using nlohmann::json;
using namespace std::chrono_literals;

constexpr const char* kRow = "syscalls.getppid_raw";  // one fast row
constexpr const char* kWarning = "is measuring on this machine: the two runs disturb each";
constexpr const char* kWaiting = "illusion: waiting for the other illusion run (";

// The other run: holds the lock on `path` and names itself in the file as illusion does.
class OtherRun {
 public:
  explicit OtherRun(const std::string& path)
      : fd_(open(path.c_str(), O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, 0666)) {
    EXPECT_TRUE(fd_.valid()) << path;
    EXPECT_EQ(flock(fd_.get(), LOCK_EX | LOCK_NB), 0);
    const std::string line = "pid " + std::to_string(getpid()) + "\n";
    EXPECT_EQ(write(fd_.get(), line.data(), line.size()), static_cast<ssize_t>(line.size()));
  }
  void end() { fd_.reset(); }

 private:
  illusion::core::Fd fd_;
};

std::string lock_env(const ScratchDir& dir) {
  return std::string(illusion::core::kRunLockPathEnv) + "=" + dir.file("illusion.lock");
}

// `illusion run kRow --wait-for-other-run` in `dir` (its tmp/ the TMPDIR, its lock file the lock),
// started in the background; stderr goes to `err`, the JSON to `out`.
pid_t start_waiting_run(const ScratchDir& dir, const std::string& err, const std::string& out) {
  return illusion::testing::start_illusion(
      {"run", kRow, "--quick", "--json", out, "--wait-for-other-run"},
      {"TMPDIR=" + dir.file("tmp"), lock_env(dir)}, err);
}

struct LockedRun {
  illusion::testing::Outcome outcome;
  json env;  // the run file's "env"
};

LockedRun run_row(const ScratchDir& dir, const std::vector<std::string>& extra_args = {},
                  const std::string& lock = "") {
  std::filesystem::create_directories(dir.file("tmp"));
  std::vector<std::string> args{"run", kRow, "--quick", "--json", dir.file("x.json")};
  args.insert(args.end(), extra_args.begin(), extra_args.end());
  LockedRun r;
  r.outcome = illusion::testing::run_illusion(
      args, {"TMPDIR=" + dir.file("tmp"), lock.empty() ? lock_env(dir) : lock});
  const json doc = json::parse(slurp(dir.file("x.json")), nullptr, false);
  if (!doc.is_discarded() && doc.contains("env")) r.env = doc.at("env");
  return r;
}

bool has_caveat(const json& env, const std::string& part) {
  for (const auto& c : env.value("caveats", json::array()))
    if (c.get<std::string>().find(part) != std::string::npos) return true;
  return false;
}

}  // namespace

TEST(RunLock, AnotherRunHoldingTheLockIsWarnedOfAndRecorded) {
  const ScratchDir dir;
  OtherRun other(dir.file("illusion.lock"));
  const LockedRun r = run_row(dir);
  ASSERT_EQ(r.outcome.exit_code, 0) << r.outcome.err;
  const std::string pid = "pid " + std::to_string(getpid());
  EXPECT_NE(r.outcome.err.find("illusion: warning: another illusion run (" + pid + ") " + kWarning),
            std::string::npos)
      << r.outcome.err;
  EXPECT_NE(r.outcome.err.find("--wait-for-other-run"), std::string::npos) << r.outcome.err;
  ASSERT_TRUE(r.env.contains("concurrent_run")) << r.env.dump();
  EXPECT_EQ(r.env["concurrent_run"]["value"], true);
  EXPECT_NE(r.env["concurrent_run"]["evidence"].get<std::string>().find(pid), std::string::npos);
  EXPECT_TRUE(has_caveat(r.env, "another illusion run was measuring")) << r.env.dump();
  // The holder learns of it too: the run left its pid after the holder's line.
  const std::string text = slurp(dir.file("illusion.lock"));
  EXPECT_EQ(text.rfind(pid + "\npid ", 0), 0u) << text;
  // Once, not per row.
  EXPECT_EQ(r.outcome.err.find(kWarning), r.outcome.err.rfind(kWarning));
  // The console report carries the caveat as well.
  EXPECT_NE(r.outcome.out.find("another illusion run was measuring"), std::string::npos);
}

TEST(RunLock, AloneTheRunSaysNothingAndRecordsFalse) {
  const ScratchDir dir;
  const LockedRun r = run_row(dir);
  ASSERT_EQ(r.outcome.exit_code, 0) << r.outcome.err;
  EXPECT_EQ(r.outcome.err.find("another illusion run"), std::string::npos) << r.outcome.err;
  ASSERT_TRUE(r.env.contains("concurrent_run")) << r.env.dump();
  EXPECT_EQ(r.env["concurrent_run"]["value"], false);
  EXPECT_FALSE(has_caveat(r.env, "another illusion run")) << r.env.dump();
  // The run removed its lock file as it ended: nothing is left behind.
  EXPECT_FALSE(std::filesystem::exists(dir.file("illusion.lock")));
}

// A run that starts while this one measures cannot take the lock; it leaves its pid in the file,
// and the holder's record says so at the end.
TEST(RunLock, TheHolderLearnsOfARunThatStartedAfterIt) {
  const ScratchDir dir;
  std::filesystem::create_directories(dir.file("tmp"));
  const std::string err = dir.file("stderr"), lock = dir.file("illusion.lock");
  // The whole syscalls lab: many rows, so the run is still measuring after its first row starts.
  const pid_t pid = illusion::testing::start_illusion(
      {"run", "syscalls", "--quick", "--json", dir.file("x.json")},
      {"TMPDIR=" + dir.file("tmp"), lock_env(dir)}, err);
  ASSERT_GT(pid, 0);
  bool appended = false;
  const int code = illusion::testing::wait_polling(pid, 240s, [&] {
    if (appended || slurp(err).find("] syscalls.") == std::string::npos) return;
    const illusion::core::Fd fd(open(lock.c_str(), O_RDWR | O_APPEND | O_CLOEXEC));
    ASSERT_TRUE(fd.valid());
    EXPECT_NE(flock(fd.get(), LOCK_EX | LOCK_NB), 0) << "the run does not hold the lock";
    const std::string line = "pid 4242\n";
    ASSERT_EQ(write(fd.get(), line.data(), line.size()), static_cast<ssize_t>(line.size()));
    appended = true;
  });
  ASSERT_EQ(code, 0) << slurp(err);
  ASSERT_TRUE(appended);
  const json doc = json::parse(slurp(dir.file("x.json")));
  EXPECT_EQ(doc["env"]["concurrent_run"]["value"], true) << doc["env"].dump();
  EXPECT_NE(doc["env"]["concurrent_run"]["evidence"].get<std::string>().find("pid 4242"),
            std::string::npos);
  EXPECT_TRUE(has_caveat(doc["env"], "another illusion run was measuring"));
}

TEST(RunLock, WaitForOtherRunWaitsUntilTheLockIsReleased) {
  const ScratchDir dir;
  std::filesystem::create_directories(dir.file("tmp"));
  OtherRun other(dir.file("illusion.lock"));
  const std::string err = dir.file("stderr"), out = dir.file("x.json");
  const pid_t pid = start_waiting_run(dir, err, out);
  ASSERT_GT(pid, 0);
  bool released = false, still_waiting = false, nothing_written = false;
  const int code = illusion::testing::wait_polling(pid, 240s, [&] {
    if (released || slurp(err).find(kWaiting) == std::string::npos) return;
    // Waiting: not measuring, so no temp dir yet and no results.
    still_waiting = waitpid(pid, nullptr, WNOHANG) == 0;
    nothing_written =
        !std::filesystem::exists(out) && illusion::testing::dir_entries(dir.file("tmp")).empty();
    other.end();
    released = true;
  });
  ASSERT_EQ(code, 0) << slurp(err);
  ASSERT_TRUE(released) << slurp(err);
  EXPECT_TRUE(still_waiting);
  EXPECT_TRUE(nothing_written);
  const std::string text = slurp(err);
  EXPECT_NE(text.find(std::string(kWaiting) + "pid " + std::to_string(getpid()) + ") to finish"),
            std::string::npos)
      << text;
  EXPECT_EQ(text.find(kWarning), std::string::npos) << text;  // waited: nothing to warn of
  // The progress of the row comes after the wait.
  EXPECT_LT(text.find(kWaiting), text.find(kRow)) << text;
  const json doc = json::parse(slurp(out));
  EXPECT_EQ(doc["env"]["concurrent_run"]["value"], false);
  EXPECT_NE(doc["env"]["concurrent_run"]["evidence"].get<std::string>().find("waited for"),
            std::string::npos);
}

TEST(RunLock, ASignalWhileWaitingEndsTheRunCleanly) {
  const illusion::testing::Subreaper reaper;
  for (const int sig : {SIGINT, SIGTERM, SIGHUP}) {
    const ScratchDir dir;
    std::filesystem::create_directories(dir.file("tmp"));
    OtherRun other(dir.file("illusion.lock"));
    const std::string err = dir.file("stderr"), out = dir.file("x.json");
    const pid_t pid = start_waiting_run(dir, err, out);
    ASSERT_GT(pid, 0);
    bool sent = false;
    const int code = illusion::testing::wait_polling(pid, 60s, [&] {
      if (sent || slurp(err).find(kWaiting) == std::string::npos) return;
      kill(pid, sig);
      sent = true;
    });
    EXPECT_TRUE(sent) << slurp(err);
    EXPECT_EQ(code, 128 + sig) << "signal " << sig << ": " << slurp(err);
    EXPECT_TRUE(illusion::testing::dir_entries(dir.file("tmp")).empty());
    EXPECT_FALSE(std::filesystem::exists(out));
  }
  EXPECT_EQ(illusion::testing::reap_leftovers(), 0);
}

// A lock file that cannot be opened (a read-only or missing /tmp) does not stop the run: the
// fact is unknown, with the reason.
TEST(RunLock, AnUnopenableLockFileLeavesTheFactUnknown) {
  const ScratchDir dir;
  const std::string lock =
      std::string(illusion::core::kRunLockPathEnv) + "=" + dir.file("missing/illusion.lock");
  const LockedRun r = run_row(dir, {}, lock);
  ASSERT_EQ(r.outcome.exit_code, 0) << r.outcome.err;
  EXPECT_EQ(r.outcome.err.find("another illusion run"), std::string::npos) << r.outcome.err;
  ASSERT_TRUE(r.env.contains("concurrent_run"));
  EXPECT_TRUE(r.env["concurrent_run"]["value"].is_null());
  const std::string evidence = r.env["concurrent_run"]["evidence"];
  EXPECT_NE(evidence.find("cannot open"), std::string::npos) << evidence;
  EXPECT_NE(evidence.find("ENOENT"), std::string::npos) << evidence;
}

// /tmp is everyone's: a symlink planted at the lock's path is not followed (the run would
// otherwise create or truncate the file it points to).
TEST(RunLock, APlantedSymlinkIsNotFollowed) {
  const ScratchDir dir;
  illusion::testing::write_file(dir.file("victim"), "keep me");
  std::filesystem::create_symlink(dir.file("victim"), dir.file("illusion.lock"));
  const LockedRun r = run_row(dir);
  ASSERT_EQ(r.outcome.exit_code, 0) << r.outcome.err;
  EXPECT_EQ(slurp(dir.file("victim")), "keep me");
  ASSERT_TRUE(r.env.contains("concurrent_run"));
  EXPECT_TRUE(r.env["concurrent_run"]["value"].is_null());
  EXPECT_NE(r.env["concurrent_run"]["evidence"].get<std::string>().find("ELOOP"), std::string::npos)
      << r.env["concurrent_run"].dump();
}
