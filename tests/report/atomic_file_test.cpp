// Atomic writes leave either the old file or the new one, never a temp file; bad output
// paths are refused before any work with a message naming the flag.
#include "report/atomic_file.h"

#include <sys/stat.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <system_error>

#include "core/errors.h"
#include "report/synthetic.h"

using illusion::core::UsageError;
using illusion::report::check_output_path;
using illusion::report::write_file_atomically;
using illusion::testing::ScratchDir;

namespace {

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string usage_error(const std::string& path, const std::string& flag = "--json") {
  try {
    check_output_path(path, flag);
  } catch (const UsageError& e) {
    return e.what();
  }
  ADD_FAILURE() << "no UsageError for " << path;
  return "";
}

}  // namespace

TEST(WriteFileAtomically, WritesTheContent) {
  ScratchDir dir;
  const std::string path = dir.file("run.json");
  write_file_atomically(path, "{\"a\": 1}\n");
  EXPECT_EQ(slurp(path), "{\"a\": 1}\n");
  EXPECT_EQ(dir.entries(), std::vector<std::string>{"run.json"});  // no temp file left
  struct stat st {};
  ASSERT_EQ(stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0022, 0u);  // 0644 at most, whatever the umask added
  EXPECT_NE(st.st_mode & 0400, 0u);
}

TEST(WriteFileAtomically, ReplacesAnExistingFile) {
  ScratchDir dir;
  const std::string path = dir.file("run.json");
  write_file_atomically(path, std::string(100000, 'x'));
  write_file_atomically(path, "short");
  EXPECT_EQ(slurp(path), "short");
  EXPECT_EQ(dir.entries(), std::vector<std::string>{"run.json"});
}

namespace {

// The permission bits of `path`, or -1 when it cannot be stat'ed.
int mode_of(const std::string& path) {
  struct stat st {};
  return stat(path.c_str(), &st) == 0 ? static_cast<int>(st.st_mode & 07777) : -1;
}

// Sets the process umask for one test and puts the old one back.
class Umask {
 public:
  explicit Umask(mode_t mask) : old_(umask(mask)) {}
  ~Umask() { umask(old_); }
  Umask(const Umask&) = delete;
  Umask& operator=(const Umask&) = delete;

 private:
  mode_t old_;
};

}  // namespace

// A private file replaced by a new run must stay private: the temporary file the rename puts in
// its place takes the old file's bits, not open(2)'s 0644.
TEST(WriteFileAtomically, KeepsTheModeOfTheFileItReplaces) {
  const Umask mask(022);
  ScratchDir dir;
  for (const int mode : {0600, 0640, 0664, 0400}) {
    const std::string path = dir.file("run.json");
    write_file_atomically(path, "old");
    ASSERT_EQ(chmod(path.c_str(), static_cast<mode_t>(mode)), 0);
    write_file_atomically(path, "new");
    EXPECT_EQ(slurp(path), "new");
    // 0664 is kept although the umask would clear its group write bit: the user chose it.
    EXPECT_EQ(mode_of(path), mode) << std::oct << "mode 0" << mode;
    EXPECT_EQ(dir.entries(), std::vector<std::string>{"run.json"});
    std::filesystem::remove(path);
  }
}

// `sudo illusion run --json ~/run.json` over the user's file must leave it the user's. Only root
// can give a file away, so the test needs root; as anyone else the new file is simply theirs.
TEST(WriteFileAtomically, AsRootTheOwnerAndGroupOfTheReplacedFileAreKept) {
  if (geteuid() != 0) GTEST_SKIP() << "needs root: only root can give a file to another user";
  ScratchDir dir;
  const std::string path = dir.file("run.json");
  write_file_atomically(path, "old");
  ASSERT_EQ(chown(path.c_str(), 65534, 65534), 0);
  ASSERT_EQ(chmod(path.c_str(), 0640), 0);
  write_file_atomically(path, "new");
  struct stat st {};
  ASSERT_EQ(stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_uid, 65534u);
  EXPECT_EQ(st.st_gid, 65534u);
  EXPECT_EQ(st.st_mode & 07777, 0640u);
  EXPECT_EQ(slurp(path), "new");
}

TEST(WriteFileAtomically, ANewFileGetsTheDefaultModeLessTheUmask) {
  ScratchDir dir;
  {
    const Umask mask(022);
    write_file_atomically(dir.file("a.json"), "x");
  }
  {
    const Umask mask(077);
    write_file_atomically(dir.file("b.json"), "x");
  }
  EXPECT_EQ(mode_of(dir.file("a.json")), 0644);
  EXPECT_EQ(mode_of(dir.file("b.json")), 0600);
}

// The link is what is replaced (never its target), so the new file is a new file: the target's
// mode is not copied onto it.
TEST(WriteFileAtomically, ASymlinkIsReplacedByAFileWithTheDefaultMode) {
  const Umask mask(022);
  ScratchDir dir;
  write_file_atomically(dir.file("target"), "keep");
  ASSERT_EQ(chmod(dir.file("target").c_str(), 0600), 0);
  std::filesystem::create_symlink(dir.file("target"), dir.file("link.json"));
  write_file_atomically(dir.file("link.json"), "new");
  EXPECT_EQ(mode_of(dir.file("link.json")), 0644);
  EXPECT_EQ(mode_of(dir.file("target")), 0600);
}

TEST(WriteFileAtomically, LargeContentArrivesWhole) {
  ScratchDir dir;
  std::string big;
  for (int i = 0; i < 200000; ++i) big += std::to_string(i) + '\n';
  write_file_atomically(dir.file("big"), big);
  EXPECT_EQ(slurp(dir.file("big")), big);
}

TEST(WriteFileAtomically, ReplacesASymlinkInsteadOfWritingThroughIt) {
  ScratchDir dir;
  const std::string victim = dir.file("victim");
  write_file_atomically(victim, "keep me");
  std::filesystem::create_symlink(victim, dir.file("link.json"));
  write_file_atomically(dir.file("link.json"), "new");
  EXPECT_EQ(slurp(victim), "keep me");
  EXPECT_FALSE(std::filesystem::is_symlink(dir.file("link.json")));
  EXPECT_EQ(slurp(dir.file("link.json")), "new");
}

TEST(WriteFileAtomically, RelativePathInTheCurrentDirectory) {
  ScratchDir dir;
  const auto old = std::filesystem::current_path();
  std::filesystem::current_path(dir.path());
  write_file_atomically("plain.json", "x");
  std::filesystem::current_path(old);
  EXPECT_EQ(slurp(dir.file("plain.json")), "x");
}

TEST(WriteFileAtomically, FailureNamesThePathAndLeavesNothing) {
  ScratchDir dir;
  const std::string path = dir.file("missing/run.json");
  try {
    write_file_atomically(path, "x");
    FAIL() << "expected std::system_error";
  } catch (const std::system_error& e) {
    EXPECT_NE(std::string(e.what()).find(path), std::string::npos) << e.what();
    EXPECT_EQ(e.code().value(), ENOENT);
  }
  EXPECT_TRUE(dir.entries().empty());
}

TEST(WriteFileAtomically, RenameFailureRemovesTheTempFile) {
  ScratchDir dir;
  // rename(2) cannot replace a non-empty directory: the write succeeds, the rename fails.
  std::filesystem::create_directory(dir.file("taken"));
  std::ofstream(dir.file("taken/inside")) << "x";
  EXPECT_THROW(write_file_atomically(dir.file("taken"), "data"), std::system_error);
  EXPECT_EQ(dir.entries(), std::vector<std::string>{"taken"});
}

TEST(CheckOutputPath, AcceptsAWritableDirectory) {
  ScratchDir dir;
  EXPECT_NO_THROW(check_output_path(dir.file("run.json"), "--json"));
  write_file_atomically(dir.file("run.json"), "old");
  EXPECT_NO_THROW(check_output_path(dir.file("run.json"), "--json"));  // will be replaced
}

TEST(CheckOutputPath, MissingDirectory) {
  ScratchDir dir;
  const std::string missing = dir.file("nope");
  const std::string msg = usage_error(missing + "/x.json");
  EXPECT_EQ(msg, "--json " + missing + "/x.json: directory " + missing +
                     " does not exist; create it or choose another path");
}

TEST(CheckOutputPath, UnderARegularFile) {
  ScratchDir dir;
  write_file_atomically(dir.file("file"), "x");
  const std::string msg = usage_error(dir.file("file") + "/run.json", "--html");
  EXPECT_EQ(msg.rfind("--html ", 0), 0u) << msg;
  EXPECT_NE(msg.find("not a directory"), std::string::npos) << msg;
  // One level deeper, stat(2) itself fails with ENOTDIR.
  const std::string deeper = usage_error(dir.file("file") + "/sub/run.json");
  EXPECT_NE(deeper.find("not a directory"), std::string::npos) << deeper;
}

TEST(CheckOutputPath, PathIsADirectory) {
  ScratchDir dir;
  const std::string msg = usage_error(dir.path());
  EXPECT_NE(msg.find("names a directory"), std::string::npos) << msg;
  EXPECT_NE(msg.find(dir.path() + "/run.json"), std::string::npos) << msg;
  EXPECT_NE(usage_error(dir.path() + "/").find("names a directory"), std::string::npos);
}

TEST(CheckOutputPath, ReadOnlyDirectory) {
  if (geteuid() == 0) GTEST_SKIP() << "root bypasses directory permissions";
  ScratchDir dir;
  std::filesystem::create_directory(dir.file("ro"));
  std::filesystem::permissions(
      dir.file("ro"), std::filesystem::perms::owner_read | std::filesystem::perms::owner_exec);
  const std::string msg = usage_error(dir.file("ro/run.json"));
  EXPECT_NE(msg.find("not writable"), std::string::npos) << msg;
  std::filesystem::permissions(dir.file("ro"), std::filesystem::perms::owner_all);
}

TEST(CheckOutputPath, EmptyPath) {
  EXPECT_NE(usage_error("").find("empty"), std::string::npos);
}
