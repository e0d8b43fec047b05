#include "core/resources.h"

#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>

#include <gtest/gtest.h>

#include "core/errors.h"

using namespace illusion::core;

namespace {
bool exists(const std::string& p) {
  struct stat st{};
  return stat(p.c_str(), &st) == 0;
}
}  // namespace

TEST(ParseSize, AcceptsSuffixes) {
  EXPECT_EQ(parse_size("4096"), 4096u);
  EXPECT_EQ(parse_size("64K"), 64u << 10);
  EXPECT_EQ(parse_size("64KiB"), 64u << 10);
  EXPECT_EQ(parse_size("512m"), 512ull << 20);
  EXPECT_EQ(parse_size("1G"), 1ull << 30);
  EXPECT_EQ(parse_size("2T"), 2ull << 40);
  EXPECT_EQ(parse_size(" 8M "), 8ull << 20);
  EXPECT_EQ(parse_size("0", true), 0u);
}

TEST(ParseSize, RejectsBadTextWithAReason) {
  for (const char* bad : {"", "1Q", "-5M", "0", "M", "99999999T", "1.5G", "18446744073709551616"}) {
    try {
      parse_size(bad);
      ADD_FAILURE() << "accepted '" << bad << "'";
    } catch (const UsageError& e) {
      EXPECT_NE(std::string(e.what()).find("invalid size"), std::string::npos) << e.what();
    }
  }
}

TEST(FormatSize, Readable) {
  EXPECT_EQ(format_size(512), "512 B");
  EXPECT_EQ(format_size(64 << 10), "64 KiB");
  EXPECT_EQ(format_size(3ull << 29), "1.5 GiB");
}

TEST(TempDir, RemovesRegisteredAndStrayFiles) {
  std::string dir, registered, stray;
  {
    TempDir tmp;
    dir = tmp.path();
    EXPECT_TRUE(exists(dir));
    EXPECT_NE(dir.find("illusion-"), std::string::npos);
    registered = tmp.register_file("data.bin");
    std::ofstream(registered) << "x";
    stray = dir + "/stray";
    std::ofstream(stray) << "y";
  }
  EXPECT_FALSE(exists(registered));
  EXPECT_FALSE(exists(stray));
  EXPECT_FALSE(exists(dir));
}

TEST(TempDir, RejectsPathsInNames) {
  TempDir tmp;
  EXPECT_THROW(tmp.register_file("../escape"), std::invalid_argument);
}

TEST(TempDir, SigintInChildRemovesFilesAndExits130) {
  // The handler runs in a forked child so the test process keeps its own signal dispositions.
  int fds[2];
  ASSERT_EQ(pipe(fds), 0);
  const pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    close(fds[0]);
    install_cleanup_handlers();
    TempDir tmp;
    const std::string f = tmp.register_file("big.bin");
    std::ofstream(f) << "data";
    std::ofstream(tmp.path() + "/unregistered.bin") << "more";
    const std::string msg = tmp.path() + "\n";
    (void)!write(fds[1], msg.data(), msg.size());
    close(fds[1]);
    for (;;) pause();
  }
  close(fds[1]);
  std::string dir;
  char c;
  while (read(fds[0], &c, 1) == 1 && c != '\n') dir += c;
  close(fds[0]);
  ASSERT_FALSE(dir.empty());
  EXPECT_TRUE(exists(dir));
  kill(pid, SIGINT);
  int status = 0;
  ASSERT_EQ(waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 130);
  EXPECT_FALSE(exists(dir + "/big.bin"));
  EXPECT_FALSE(exists(dir + "/unregistered.bin"));
  EXPECT_FALSE(exists(dir));
}

TEST(Resources, MemoryAndDiskAreReadable) {
  EXPECT_GT(available_memory_bytes(), 0u);
  EXPECT_GT(free_disk_bytes("/"), 0u);
  EXPECT_THROW(require_free_memory(1ull << 60, "test"), std::runtime_error);
  EXPECT_THROW(require_free_disk("/", 1ull << 60, "test"), std::runtime_error);
  EXPECT_NO_THROW(require_free_disk("/", 1, "test"));
}
