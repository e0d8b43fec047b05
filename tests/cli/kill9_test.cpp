// kill -9 cannot be caught, so no handler cleans up after it: what it leaves is decided by how
// the files are made. Every scratch file a lab writes has no name from before its first byte
// (core::open_nameless_file), so kill -9 in the middle of writing one leaves only the run's
// empty private directory, as the README says. The write window is a few milliseconds, so the
// test stops the program inside it (ILLUSION_TEST_STOP_AT=first-write: SIGSTOP after the first
// chunk is written), looks at the directory, then kills it.
#include <signal.h>
#include <sys/wait.h>

#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <string>
#include <thread>

#include "core/test_hooks.h"
#include "core/text_file.h"
#include "support/children.h"
#include "support/files.h"
#include "support/subprocess.h"

namespace {

namespace fs = std::filesystem;
using illusion::testing::ScratchDir;
using illusion::testing::Subreaper;
using namespace std::chrono_literals;

// The state letter of /proc/<pid>/stat ('T' when stopped); '?' when it cannot be read.
char process_state(pid_t pid) {
  const std::string stat = illusion::core::first_line("/proc/" + std::to_string(pid) + "/stat");
  const auto close = stat.rfind(')');
  return close == std::string::npos || close + 2 >= stat.size() ? '?' : stat[close + 2];
}

// Paths of the regular files anywhere under `dir`.
std::vector<std::string> files_under(const std::string& dir) {
  std::vector<std::string> out;
  std::error_code ec;
  for (fs::recursive_directory_iterator it(dir, ec), end; it != end; it.increment(ec))
    if (it->is_regular_file(ec)) out.push_back(it->path().string());
  return out;
}

// Starts `illusion run <row> --quick` with the stop point set, waits for it to stop inside the
// write of its scratch file, requires that no file has a name then, kills it with SIGKILL and
// requires that only empty directories are left.
void expect_nothing_named_while_writing(const std::string& row) {
  const Subreaper reaper;
  const ScratchDir dir;
  const std::string tmp = dir.file("tmp"), err = dir.file("stderr");
  fs::create_directory(tmp);
  const pid_t pid =
      illusion::testing::start_illusion({"run", row, "--quick"},
                                        {"TMPDIR=" + tmp, std::string("ILLUSION_TEST_STOP_AT=") +
                                                              illusion::core::kStopAfterFirstWrite},
                                        err);
  ASSERT_GT(pid, 0) << "could not start illusion";
  const auto deadline = std::chrono::steady_clock::now() + 60s;
  bool stopped = false, exited = false;
  while (!stopped && !exited && std::chrono::steady_clock::now() < deadline) {
    int status = 0;
    if (waitpid(pid, &status, WNOHANG | WUNTRACED) == pid)
      (WIFSTOPPED(status) ? stopped : exited) = true;
    else
      std::this_thread::sleep_for(2ms);
  }
  if (!exited) {
    EXPECT_TRUE(stopped) << row << " never reached the write of a scratch file";
    EXPECT_EQ(process_state(pid), 'T');
    EXPECT_EQ(files_under(tmp), std::vector<std::string>{})
        << row << ": a scratch file had a name while it was being written";
    kill(pid, SIGKILL);
    waitpid(pid, nullptr, 0);
  } else {
    ADD_FAILURE() << row << " exited without stopping at the first write:\n"
                  << illusion::testing::slurp(err);
  }
  // What kill -9 leaves, exactly: the run's private directory, empty.
  EXPECT_EQ(files_under(tmp), std::vector<std::string>{}) << row;
  for (const auto& e : fs::directory_iterator(tmp)) {
    EXPECT_TRUE(e.is_directory()) << e.path();
    EXPECT_TRUE(fs::is_empty(e.path())) << e.path();
  }
  EXPECT_EQ(illusion::testing::reap_leftovers(), 0) << row << ": processes were left behind";
}

}  // namespace

TEST(KillNine, TheIoLabsTestFileHasNoName) {
  expect_nothing_named_while_writing("mmap_vs_read.read_4k_cold");
}

TEST(KillNine, TheWriteRowsFileHasNoName) {
  expect_nothing_named_while_writing("mmap_vs_read.write_fsync");
}

TEST(KillNine, TheVmLabsFaultFileHasNoName) {
  expect_nothing_named_while_writing("vm.major_fault");
}

TEST(KillNine, TheFrameLoopsFaultFileHasNoName) {
  expect_nothing_named_while_writing("vm.frame_loop_faults");
}

TEST(KillNine, TheSyscallLabsReadFileHasNoName) {
  expect_nothing_named_while_writing("syscalls.read_4k");
}
