// The IO lab end to end: its test file lives only as long as the run, whether the run ends
// normally or by Ctrl-C in the middle of reading it.
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "support/files.h"
#include "support/subprocess.h"

namespace {

using illusion::testing::dir_entries;

class RunIoLab : public ::testing::Test {
 protected:
  void SetUp() override {
    const char* tmp = std::getenv("TMPDIR");
    std::string templ = std::string(tmp && *tmp ? tmp : "/tmp") + "/illusion-io-cli-XXXXXX";
    ASSERT_NE(mkdtemp(templ.data()), nullptr);
    dir_ = templ;
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  // The target of an open fd of `pid` that is the lab's test file, or "": a file in the run's
  // directory with no name (O_TMPFILE shows as "<dir>/#<inode> (deleted)").
  std::string test_file_fd_target(pid_t pid) const {
    const std::string fds = "/proc/" + std::to_string(pid) + "/fd";
    for (const std::string& fd : dir_entries(fds)) {
      std::error_code ec;
      const auto target = std::filesystem::read_symlink(fds + "/" + fd, ec);
      if (!ec && target.string().rfind(dir_ + "/", 0) == 0 &&
          target.string().find("(deleted)") != std::string::npos)
        return target;
    }
    return "";
  }

  std::string dir_;
};

TEST_F(RunIoLab, NormalRunPrintsThroughputAndLeavesNothing) {
  const auto o = illusion::testing::run_illusion(
      {"run", "mmap_vs_read.read_64k*", "--quick", "--file-size", "8M", "--dir", dir_});
  ASSERT_EQ(o.exit_code, 0) << o.err;
  EXPECT_NE(o.out.find("GB/s"), std::string::npos) << o.out;
  EXPECT_NE(o.out.find("read_64k_warm"), std::string::npos) << o.out;
  EXPECT_TRUE(dir_entries(dir_).empty()) << dir_entries(dir_).front();
}

// Ctrl-C while the lab reads its file: exit 130, and neither the file (nameless from its
// creation: seen below as "(deleted)") nor the run's private directory is left.
TEST_F(RunIoLab, SigintInTheMiddleLeavesNothing) {
  // Through start_illusion, which gives the run this test process's own lock file
  // (support/subprocess.h) instead of the machine's.
  const pid_t pid = illusion::testing::start_illusion(
      {"run", "mmap_vs_read", "--quick", "--file-size", "256M", "--dir", dir_}, {}, "/dev/null");
  ASSERT_GT(pid, 0);

  // Wait until the test file is open (it never has a name: KillNine.* check that).
  std::string seen;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (seen.find("(deleted)") == std::string::npos &&
         std::chrono::steady_clock::now() < deadline && waitpid(pid, nullptr, WNOHANG) == 0) {
    seen = test_file_fd_target(pid);
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  // Let it get into the reads, not just the write of the file.
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  kill(pid, SIGINT);
  int status = 0;
  ASSERT_EQ(waitpid(pid, &status, 0), pid);
  ASSERT_FALSE(seen.empty()) << "the run ended before its test file was seen";
  EXPECT_NE(seen.find(dir_), std::string::npos) << seen;  // --dir was honoured
  EXPECT_NE(seen.find("(deleted)"), std::string::npos) << seen;
  ASSERT_TRUE(WIFEXITED(status)) << "killed by signal " << WTERMSIG(status);
  EXPECT_EQ(WEXITSTATUS(status), 130);
  EXPECT_TRUE(dir_entries(dir_).empty()) << dir_entries(dir_).front();
}

}  // namespace
