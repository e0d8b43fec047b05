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

// read_input_file's refusal of `fifo`, with a watchdog: should the open or the read block, it
// opens the writing end after 5 s so the test fails (`*unblocked`) instead of hanging.
std::string refusal_within_5s(const std::string& fifo, const InputFile& file, bool* unblocked_out) {
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
  const std::string msg = refusal(fifo, file);
  done = true;
  watchdog.join();
  *unblocked_out = unblocked;
  return msg;
}

// A FIFO with no writer: refused at once, not waited on.
TEST(TextFileReadInputFile, AFifoIsRefusedWithoutHanging) {
  ScratchDir dir;
  const std::string fifo = dir.file("fifo");
  ASSERT_EQ(mkfifo(fifo.c_str(), 0600), 0);
  bool unblocked = false;
  const std::string msg = refusal_within_5s(fifo, spec(true), &unblocked);
  EXPECT_FALSE(unblocked) << "the open waited for a writer";
  EXPECT_TRUE(has(msg, fifo + ": not a regular file")) << msg;
}

// A writer's end of `fifo`, opened before anyone reads it: the O_RDWR open that lets an
// O_WRONLY open succeed without a reader is closed again, so the FIFO has a writer and no reader.
int attached_writer(const std::string& fifo) {
  const int holder = open(fifo.c_str(), O_RDWR | O_CLOEXEC);
  const int fd = holder < 0 ? -1 : open(fifo.c_str(), O_WRONLY | O_CLOEXEC);
  if (holder >= 0) close(holder);
  return fd;
}

// Where FIFOs are allowed (a process substitution as a run file), one with no writer is refused
// at once: the open and the read must not wait for a writer that may never come.
TEST(TextFileReadInputFile, AFifoWithNoWriterIsRefusedWhereAllowed) {
  ScratchDir dir;
  const std::string fifo = dir.file("fifo");
  ASSERT_EQ(mkfifo(fifo.c_str(), 0600), 0);
  bool unblocked = false;
  const std::string msg = refusal_within_5s(fifo, spec(false), &unblocked);
  EXPECT_FALSE(unblocked) << "the reader waited for a writer";
  EXPECT_TRUE(has(msg, fifo + ": a FIFO with no writer: nothing to read")) << msg;
  EXPECT_TRUE(has(msg, "give a regular file such as one written by 'the test'")) << msg;
}

// A writer attached before the read and slow to write: the reader sees EAGAIN, turns blocking
// and reads to the writer's end of file. The second writer's open returns only once the reader
// has opened, so it writes into a FIFO that is being read, whatever the scheduling.
TEST(TextFileReadInputFile, AFifoWithAWriterIsReadWhereAllowed) {
  ScratchDir dir;
  const std::string fifo = dir.file("fifo");
  ASSERT_EQ(mkfifo(fifo.c_str(), 0600), 0);
  const int early = attached_writer(fifo);
  ASSERT_GE(early, 0);
  const std::string text = "{\"piped\": true}";
  std::thread writer([&] {
    const int fd = open(fifo.c_str(), O_WRONLY | O_CLOEXEC);  // waits for the reader
    if (fd >= 0) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));  // the reader finds no data
      EXPECT_EQ(write(fd, text.data(), text.size()), static_cast<ssize_t>(text.size()));
      close(fd);
    }
    close(early);
  });
  std::string data, msg;
  int release = -1;
  try {
    data = read_input_file(fifo, spec(false));
  } catch (const UsageError& e) {
    msg = e.what();
    // Release the writer's open so the join below cannot hang; kept open until the writer is
    // done, so its write finds a reader (none would raise SIGPIPE).
    release = open(fifo.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  }
  writer.join();
  if (release >= 0) close(release);
  EXPECT_EQ(msg, "");
  EXPECT_EQ(data, text);
}

// A pipe whose writer has written and gone (`<(cat run.json)` once cat is done): read whole.
TEST(TextFileReadInputFile, APipeWhoseWriterIsDoneIsRead) {
  int p[2];
  ASSERT_EQ(pipe2(p, O_CLOEXEC), 0);
  const std::string text = "{\"piped\": true}";
  EXPECT_EQ(write(p[1], text.data(), text.size()), static_cast<ssize_t>(text.size()));
  close(p[1]);
  std::string data, msg;
  try {
    data = read_input_file("/dev/fd/" + std::to_string(p[0]), spec(false));
  } catch (const UsageError& e) {
    msg = e.what();
  }
  close(p[0]);
  EXPECT_EQ(msg, "");
  EXPECT_EQ(data, text);
}

// A pipe that holds more than the limit, its writer still attached: refused at the limit, not
// read to an end that never comes.
TEST(TextFileReadInputFile, APipeOverTheLimitIsRefused) {
  int p[2];
  ASSERT_EQ(pipe2(p, O_CLOEXEC), 0);
  std::atomic<bool> stop{false};
  // Non-blocking, so the writer notices `stop` with the pipe full instead of waiting in write.
  ASSERT_EQ(fcntl(p[1], F_SETFL, O_NONBLOCK), 0);
  std::thread writer([&] {
    const std::string chunk(4096, 'x');
    while (!stop)
      if (write(p[1], chunk.data(), chunk.size()) < 0)
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
  });
  const std::string msg = refusal("/dev/fd/" + std::to_string(p[0]), spec(false, 1 << 20));
  stop = true;
  writer.join();
  close(p[0]);
  close(p[1]);
  EXPECT_TRUE(has(msg, ": larger than 1 MiB")) << msg;
}

}  // namespace
}  // namespace illusion::core
