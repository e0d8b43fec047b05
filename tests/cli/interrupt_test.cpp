// Ctrl-C and `kill` in the middle of `illusion run`: at several points (children alive, the IO
// lab's test file open, busy threads running) the run must exit 130 (SIGINT) or 143 (SIGTERM),
// leave its temp directory empty and no process behind, and write the experiments that had
// finished as JSON marked "complete": false.
//
// The test process makes itself a child subreaper for the duration, so any process illusion
// leaves behind is re-parented here, where the test can see it (and reap it).
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "support/files.h"
#include "support/subprocess.h"

extern char** environ;

namespace {

using illusion::testing::ScratchDir;
using illusion::testing::slurp;
using namespace std::chrono_literals;

constexpr auto kDeadline = 90s;  // a run that neither reaches its row nor exits is a failure

class Subreaper {
 public:
  Subreaper() { prctl(PR_SET_CHILD_SUBREAPER, 1); }
  ~Subreaper() { prctl(PR_SET_CHILD_SUBREAPER, 0); }
  Subreaper(const Subreaper&) = delete;
  Subreaper& operator=(const Subreaper&) = delete;
};

// Kills and reaps every child this process still has; returns how many there were.
int reap_leftovers() {
  int left = 0;
  for (;;) {
    const pid_t pid = waitpid(-1, nullptr, WNOHANG);
    if (pid > 0) {
      ++left;  // an exited leftover (a zombie until now)
      continue;
    }
    if (pid < 0) return left;  // ECHILD: none at all
    // Children alive: kill every one we can name from /proc, then wait for them.
    for (const std::string& name : illusion::testing::dir_entries("/proc")) {
      if (name.find_first_not_of("0123456789") != std::string::npos) continue;
      const std::string status = slurp("/proc/" + name + "/status");
      if (status.find("\nPPid:\t" + std::to_string(getpid()) + "\n") == std::string::npos) continue;
      kill(std::stoi(name), SIGKILL);
      ++left;
    }
    std::this_thread::sleep_for(10ms);
  }
}

struct Interrupted {
  int exit_code = -1;  // -1: killed by a signal, or never exited
  std::string err;
  nlohmann::json doc;
};

// Runs `illusion run --quick --json` with TMPDIR in `dir`, waits until its progress shows
// `row` starting, then sends `sig` after `delay`.
Interrupted interrupt_run(const ScratchDir& dir, const std::string& row, int sig,
                          std::chrono::milliseconds delay) {
  const std::string tmp = dir.file("tmp"), err = dir.file("stderr"), json = dir.file("run.json");
  std::filesystem::create_directory(tmp);
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_addopen(&fa, 2, err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  std::vector<std::string> args = {ILLUSION_BINARY, "run", "--quick", "--json", json};
  std::vector<char*> argv;
  for (std::string& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  std::vector<std::string> env_strings = {"TMPDIR=" + tmp, "CI=true"};
  for (char** e = environ; *e; ++e)
    if (std::string(*e).rfind("TMPDIR=", 0) != 0) env_strings.emplace_back(*e);
  std::vector<char*> envp;
  for (std::string& e : env_strings) envp.push_back(e.data());
  envp.push_back(nullptr);
  pid_t pid = -1;
  const int rc = posix_spawn(&pid, argv[0], &fa, nullptr, argv.data(), envp.data());
  posix_spawn_file_actions_destroy(&fa);
  Interrupted out;
  if (rc != 0) return out;

  const auto start = std::chrono::steady_clock::now();
  const std::string marker = "] " + row + " (";
  bool sent = false;
  int status = 0;
  while (std::chrono::steady_clock::now() - start < kDeadline) {
    if (waitpid(pid, &status, WNOHANG) == pid) {
      pid = -1;
      break;
    }
    if (!sent && slurp(err).find(marker) != std::string::npos) {
      std::this_thread::sleep_for(delay);
      kill(pid, sig);
      sent = true;
    }
    std::this_thread::sleep_for(5ms);
  }
  if (pid > 0) {  // past the deadline: do not leave it running
    kill(pid, SIGKILL);
    waitpid(pid, &status, 0);
    ADD_FAILURE() << "illusion neither reached " << row << " nor exited in time";
    return out;
  }
  out.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  out.err = slurp(err);
  out.doc = nlohmann::json::parse(slurp(json), nullptr, false);
  EXPECT_TRUE(sent) << "the run ended before " << row << " started:\n" << out.err;
  return out;
}

void expect_clean_partial_run(const ScratchDir& dir, const Interrupted& run, int sig) {
  EXPECT_EQ(run.exit_code, 128 + sig) << run.err;
  EXPECT_NE(run.err.find(sig == SIGINT ? "interrupted by SIGINT" : "interrupted by SIGTERM"),
            std::string::npos)
      << run.err;
  EXPECT_TRUE(illusion::testing::dir_entries(dir.file("tmp")).empty())
      << "the temp directory was left with files in it";
  ASSERT_FALSE(run.doc.is_discarded()) << "the partial JSON does not parse";
  EXPECT_EQ(run.doc.at("complete"), false);
  EXPECT_GE(run.doc.at("experiments").size(), 1u);
  const auto run_report = illusion::testing::run_illusion({"report", dir.file("run.json")});
  EXPECT_EQ(run_report.exit_code, 0) << run_report.err;
}

}  // namespace

TEST(Interrupt, SigintWhileAHundredChildrenAreAlive) {
  const Subreaper reaper;
  const ScratchDir dir;
  const Interrupted run = interrupt_run(dir, "processes.spawn_processes_100", SIGINT, 5ms);
  expect_clean_partial_run(dir, run, SIGINT);
  EXPECT_EQ(reap_leftovers(), 0) << "processes were left behind";
}

TEST(Interrupt, SigtermWithTheTestFileOpen) {
  const Subreaper reaper;
  const ScratchDir dir;
  const Interrupted run = interrupt_run(dir, "mmap_vs_read.read_1m_cold", SIGTERM, 50ms);
  expect_clean_partial_run(dir, run, SIGTERM);
  EXPECT_EQ(reap_leftovers(), 0) << "processes were left behind";
}

TEST(Interrupt, SigintWhileBusyThreadsRun) {
  const Subreaper reaper;
  const ScratchDir dir;
  const Interrupted run = interrupt_run(dir, "scheduling.wakeup_loaded", SIGINT, 100ms);
  expect_clean_partial_run(dir, run, SIGINT);
  EXPECT_EQ(reap_leftovers(), 0) << "processes were left behind";
  // Everything before the interrupted row finished and was written.
  bool saw_vm = false;
  for (const auto& e : run.doc.at("experiments")) saw_vm = saw_vm || e.at("lab") == "vm";
  EXPECT_TRUE(saw_vm);
}
