// The run lock's file handling, in-process: what a planted file in /tmp can and cannot make a
// run do, and what a run reads from the file of the one holding the lock. The lock path comes
// from ILLUSION_LOCK_PATH, pointed at a scratch directory; the "other run" is a second open file
// description of this process (flock locks conflict between descriptions, even in one process).
#include "core/run_lock.h"

#include <fcntl.h>
#include <stdlib.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <string>

#include "core/fd.h"
#include "support/files.h"

namespace {

using illusion::core::Fd;
using illusion::core::RunLock;
using illusion::testing::ScratchDir;

// Points the lock at `path` for one test.
class LockPath {
 public:
  explicit LockPath(const std::string& path) {
    setenv(illusion::core::kRunLockPathEnv, path.c_str(), 1);
  }
  ~LockPath() { unsetenv(illusion::core::kRunLockPathEnv); }
  LockPath(const LockPath&) = delete;
  LockPath& operator=(const LockPath&) = delete;
};

// Another run holding the lock, having written `content` into the file.
Fd hold(const std::string& path, const std::string& content) {
  Fd fd(open(path.c_str(), O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0666));
  EXPECT_TRUE(fd.valid());
  EXPECT_EQ(flock(fd.get(), LOCK_EX | LOCK_NB), 0);
  EXPECT_EQ(write(fd.get(), content.data(), content.size()), static_cast<ssize_t>(content.size()));
  return fd;
}

}  // namespace

TEST(RunLockFile, ANewFileIsLockableByEveryoneWhateverTheUmask) {
  const ScratchDir dir;
  const LockPath at(dir.file("l"));
  const mode_t old = umask(077);
  {
    const RunLock lock;
    EXPECT_FALSE(lock.busy());
    EXPECT_EQ(lock.concurrent_run().value, false);
    struct stat st {};
    ASSERT_EQ(stat(dir.file("l").c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0666u);
  }
  umask(old);
  // The holder removes the file when it ends: nothing is left behind.
  EXPECT_TRUE(illusion::testing::dir_entries(dir.path()).empty());
}

TEST(RunLockFile, TheHolderIsNamedOnlyWhenItsPidIsLiveAndWellFormed) {
  const ScratchDir dir;
  const LockPath at(dir.file("l"));
  {
    const Fd other = hold(dir.file("l"), "pid " + std::to_string(getpid()) + "\n");
    const RunLock lock;
    EXPECT_TRUE(lock.busy());
    EXPECT_EQ(lock.holder(), "pid " + std::to_string(getpid()));
    EXPECT_EQ(lock.concurrent_run().value, true);
  }
  // pid_max is at most 2^22: this one cannot be running.
  for (const char* raw : {"pid 99999999\n", "\x1b]0;pwned\x07\n", "pid 12 34\n", ""}) {
    const std::string content = raw;
    const Fd other = hold(dir.file("l"), content);
    const RunLock lock;
    EXPECT_TRUE(lock.busy());
    EXPECT_EQ(lock.holder(), "") << content;
    EXPECT_EQ(lock.concurrent_run().value, true);
    EXPECT_EQ(lock.concurrent_run().evidence.find('\x1b'), std::string::npos);
  }
}

TEST(RunLockFile, APlantedFifoIsRefusedWithoutBlocking) {
  const ScratchDir dir;
  ASSERT_EQ(mkfifo(dir.file("l").c_str(), 0666), 0);
  const LockPath at(dir.file("l"));
  const RunLock lock;
  EXPECT_FALSE(lock.busy());
  EXPECT_FALSE(lock.concurrent_run().value.has_value());
  EXPECT_NE(lock.concurrent_run().evidence.find("not a regular file"), std::string::npos)
      << lock.concurrent_run().evidence;
}

// A hard link to someone's file would have the run truncate it.
TEST(RunLockFile, AHardLinkIsRefusedAndLeftAlone) {
  const ScratchDir dir;
  illusion::testing::write_file(dir.file("precious"), "keep me");
  ASSERT_EQ(link(dir.file("precious").c_str(), dir.file("l").c_str()), 0);
  const LockPath at(dir.file("l"));
  {
    const RunLock lock;
    EXPECT_FALSE(lock.concurrent_run().value.has_value());
  }
  std::string text;
  {
    std::ifstream in(dir.file("precious"));
    std::getline(in, text);
  }
  EXPECT_EQ(text, "keep me");
}

TEST(RunLockFile, WaitTakesTheLockOnceTheHolderLetsGo) {
  const ScratchDir dir;
  const LockPath at(dir.file("l"));
  Fd other = hold(dir.file("l"), "pid " + std::to_string(getpid()) + "\n");
  RunLock lock;
  ASSERT_TRUE(lock.busy());
  other.reset();  // released before wait(): no thread, no timing
  lock.wait();
  EXPECT_FALSE(lock.busy());
  EXPECT_EQ(lock.concurrent_run().value, false);
  EXPECT_NE(lock.concurrent_run().evidence.find("waited for another illusion run (pid "),
            std::string::npos)
      << lock.concurrent_run().evidence;
  // Now the lock is this run's: another description cannot take it.
  const Fd third(open(dir.file("l").c_str(), O_RDONLY | O_CLOEXEC));
  EXPECT_NE(flock(third.get(), LOCK_EX | LOCK_NB), 0);
}

// The holder unlinks the file as it ends. A run that was waiting on the old file then holds a
// lock no one else can see: it must notice that the path no longer names its file, lock the
// path's file instead, and so exclude the runs that come after it.
TEST(RunLockFile, AWaiterOnAnUnlinkedFileTakesTheLockOnThePathsFile) {
  const ScratchDir dir;
  const LockPath at(dir.file("l"));
  auto first = std::make_unique<RunLock>();
  ASSERT_FALSE(first->busy());
  RunLock second;
  ASSERT_TRUE(second.busy());
  first.reset();  // ends: unlinks the file, then lets go of its lock
  EXPECT_TRUE(illusion::testing::dir_entries(dir.path()).empty());
  second.wait();
  EXPECT_FALSE(second.busy());
  // The path names a file again, locked by `second`: a third run finds it busy.
  EXPECT_EQ(illusion::testing::dir_entries(dir.path()).size(), 1u);
  const RunLock third;
  EXPECT_TRUE(third.busy());
}
