// read_input_file: the one reader of a file a user names (the run and verify files), on what a
// user may hand it by mistake: a directory, a FIFO, an endless device, a huge or missing file.
#include "core/text_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <string>
#include <thread>

#include <gtest/gtest.h>

#include "core/errors.h"
#include "support/files.h"

namespace illusion::core {
namespace {

using testing::ScratchDir;
using testing::write_file;

InputFile spec(bool regular_only, std::uint64_t max_bytes = std::uint64_t{1} << 20) {
  return {"test file", "'the test'", max_bytes, regular_only};
}

// The message read_input_file refuses `path` with; "" when it reads it.
std::string refusal(const std::string& path, const InputFile& file) {
  try {
    (void)read_input_file(path, file);
    return "";
  } catch (const UsageError& e) {
    return e.what();
  }
}

bool has(const std::string& s, const std::string& part) {
  return s.find(part) != std::string::npos;
}

TEST(TextFileReadInputFile, AGoodFileIsReadWhole) {
  ScratchDir dir;
  const std::string bytes = std::string(200000, 'x') + std::string("\0end", 4);
  write_file(dir.file("good"), bytes);
  EXPECT_EQ(read_input_file(dir.file("good"), spec(true)), bytes);
  EXPECT_EQ(read_input_file(dir.file("good"), spec(false)), bytes);
  write_file(dir.file("empty"), "");
  EXPECT_EQ(read_input_file(dir.file("empty"), spec(true)), "");
}

TEST(TextFileReadInputFile, AMissingFileNamesThePathAndTheReason) {
  ScratchDir dir;
  const std::string path = dir.file("absent.json");
  for (bool regular_only : {true, false}) {
    const std::string msg = refusal(path, spec(regular_only));
    EXPECT_TRUE(has(msg, path + ": cannot read the test file: No such file or directory")) << msg;
  }
}

TEST(TextFileReadInputFile, ADirectoryIsRefused) {
  ScratchDir dir;
  std::string msg = refusal(dir.path(), spec(true));
  EXPECT_TRUE(has(msg, dir.path() + ": not a regular file; give a file written by 'the test'"))
      << msg;
  msg = refusal(dir.path(), spec(false));
  EXPECT_TRUE(has(msg, dir.path() + ": cannot read the test file: it is a directory")) << msg;
}

TEST(TextFileReadInputFile, AFileOverTheLimitIsRefused) {
  ScratchDir dir;
  const std::uint64_t limit = std::uint64_t{1} << 20;
  write_file(dir.file("big"), std::string(limit + 1, 'x'));
  for (bool regular_only : {true, false}) {
    const std::string msg = refusal(dir.file("big"), spec(regular_only, limit));
    EXPECT_TRUE(has(msg, dir.file("big") + ": larger than 1 MiB, far more than 'the test' writes"))
        << msg;
  }
  write_file(dir.file("at_limit"), std::string(limit, 'x'));
  EXPECT_EQ(read_input_file(dir.file("at_limit"), spec(true, limit)).size(), limit);
}

// /dev/zero has no size and never ends: the reader stops at the limit.
TEST(TextFileReadInputFile, AnEndlessDeviceStopsAtTheLimit) {
  EXPECT_TRUE(has(refusal("/dev/zero", spec(false)), "/dev/zero: larger than 1 MiB"));
  EXPECT_TRUE(has(refusal("/dev/zero", spec(true)), "/dev/zero: not a regular file"));
}

// A FIFO with no writer: refused at once, not waited on. Should the open block, a watchdog
// opens the writing end after 5 s so the test fails instead of hanging.
TEST(TextFileReadInputFile, AFifoIsRefusedWithoutHanging) {
  ScratchDir dir;
  const std::string fifo = dir.file("fifo");
  ASSERT_EQ(mkfifo(fifo.c_str(), 0600), 0);
  std::atomic<bool> done{false}, unblocked{false};
  std::thread watchdog([&] {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    while (!done && std::chrono::steady_clock::now() < deadline)
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    if (done) return;
    const int fd = open(fifo.c_str(), O_WRONLY | O_NONBLOCK | O_CLOEXEC);
    if (fd >= 0) {
      unblocked = true;
      close(fd);
    }
  });
  const std::string msg = refusal(fifo, spec(true));
  done = true;
  watchdog.join();
  EXPECT_FALSE(unblocked) << "the open waited for a writer";
  EXPECT_TRUE(has(msg, fifo + ": not a regular file")) << msg;
}

// Where FIFOs are allowed (a process substitution as a run file), one with a writer is read.
TEST(TextFileReadInputFile, AFifoWithAWriterIsReadWhereAllowed) {
  ScratchDir dir;
  const std::string fifo = dir.file("fifo");
  ASSERT_EQ(mkfifo(fifo.c_str(), 0600), 0);
  std::thread writer([&] {
    const int fd = open(fifo.c_str(), O_WRONLY | O_CLOEXEC);  // waits for the reader
    if (fd < 0) return;
    const std::string text = "{\"piped\": true}";
    EXPECT_EQ(write(fd, text.data(), text.size()), static_cast<ssize_t>(text.size()));
    close(fd);
  });
  std::string data, msg;
  try {
    data = read_input_file(fifo, spec(false));
  } catch (const UsageError& e) {
    msg = e.what();
    // Release the writer's open so the join below cannot hang.
    const int fd = open(fifo.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    if (fd >= 0) close(fd);
  }
  writer.join();
  EXPECT_EQ(msg, "");
  EXPECT_EQ(data, "{\"piped\": true}");
}

}  // namespace
}  // namespace illusion::core
