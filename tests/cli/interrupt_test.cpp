// Ctrl-C and `kill` in the middle of `illusion run`: at several points (children alive, the IO
// lab's test file open, busy threads running) the run must exit 130 (SIGINT), 143 (SIGTERM) or
// 129 (SIGHUP), leave its temp directory empty and no process behind, and write the experiments
// that had finished as JSON marked "complete": false.
//
// The test process makes itself a child subreaper for the duration, so any process illusion
// leaves behind is re-parented here, where the test can see it (and reap it).
#include <signal.h>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <chrono>
#include <filesystem>
#include <sstream>
#include <string>
#include <thread>

#include "support/children.h"
#include "support/files.h"
#include "support/subprocess.h"

namespace {

using illusion::testing::reap_leftovers;
using illusion::testing::ScratchDir;
using illusion::testing::slurp;
using illusion::testing::Subreaper;
using namespace std::chrono_literals;

constexpr auto kDeadline = 90s;  // a run that neither reaches its row nor exits is a failure

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
  Interrupted out;
  const pid_t pid =
      illusion::testing::start_illusion({"run", "--quick", "--json", json}, {"TMPDIR=" + tmp}, err);
  if (pid < 0) {
    ADD_FAILURE() << "could not start illusion";
    return out;
  }
  const std::string marker = "] " + row + " (";
  bool sent = false, timed_out = false;
  out.exit_code = illusion::testing::wait_polling(
      pid, kDeadline,
      [&] {
        if (sent || slurp(err).find(marker) == std::string::npos) return;
        std::this_thread::sleep_for(delay);
        kill(pid, sig);
        sent = true;
      },
      &timed_out);
  EXPECT_FALSE(timed_out) << "illusion neither reached " << row << " nor exited in time";
  out.err = slurp(err);
  out.doc = nlohmann::json::parse(slurp(json), nullptr, false);
  EXPECT_TRUE(sent) << "the run ended before " << row << " started:\n" << out.err;
  return out;
}

// Once "stopping" is printed the run starts nothing: no progress line ("[i/n] id (ETA …)")
// follows, and the last line says what was written.
void expect_nothing_after_stopping(const std::string& err) {
  const auto stop = err.find("interrupted by");
  ASSERT_NE(stop, std::string::npos) << err;
  std::istringstream rest(err.substr(stop));
  std::string line, last;
  std::getline(rest, line);  // the "stopping" line itself
  while (std::getline(rest, line)) {
    EXPECT_NE(line.rfind('[', 0), 0u) << "a row started after the run was stopping:\n" << err;
    if (!line.empty()) last = line;
  }
  EXPECT_NE(last.find("had finished"), std::string::npos) << "the last line is not the summary:\n"
                                                          << err;
}

void expect_clean_partial_run(const ScratchDir& dir, const Interrupted& run, int sig) {
  expect_nothing_after_stopping(run.err);
  EXPECT_EQ(run.exit_code, 128 + sig) << run.err;
  const char* name = sig == SIGINT ? "SIGINT" : sig == SIGTERM ? "SIGTERM" : "SIGHUP";
  EXPECT_NE(run.err.find(std::string("interrupted by ") + name), std::string::npos) << run.err;
  EXPECT_TRUE(illusion::testing::dir_entries(dir.file("tmp")).empty())
      << "the temp directory was left with files in it";
  EXPECT_FALSE(std::filesystem::exists(illusion::testing::private_run_lock.path()))
      << "the run lock file was left behind";
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

// A dropped ssh session: SIGHUP ends the run as SIGTERM does (exit 129, partial JSON, nothing
// left), rather than killing it with the temp directory and no results.
TEST(Interrupt, SighupEndsTheRunCleanly) {
  const Subreaper reaper;
  const ScratchDir dir;
  const Interrupted run = interrupt_run(dir, "processes.spawn_processes_100", SIGHUP, 5ms);
  expect_clean_partial_run(dir, run, SIGHUP);
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
