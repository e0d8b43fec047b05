// Every bad input is answered: exit status 2 and one line on stderr that names the problem,
// before any work (nothing printed on stdout, no temp dir made, no experiment started). Then
// the output files: written by rename, so a symlink planted at the target or at the temporary
// file's name is never written through.
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "report/json.h"
#include "report/synthetic.h"
#include "support/subprocess.h"

using illusion::testing::has;
using illusion::testing::Outcome;
using illusion::testing::run_illusion;
using illusion::testing::ScratchDir;
using illusion::testing::slurp;
using illusion::testing::write_file;

namespace {

std::string valid_run_text() {
  return illusion::report::to_json(illusion::testing::minimal_run_record()).dump(2) + "\n";
}

class BadInput : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new ScratchDir();
    std::filesystem::create_directory(file("tmp"));
    std::filesystem::create_directory(file("adir"));
    write_file(file("afile"), "x");
    write_file(file("valid.json"), valid_run_text());
  }
  static void TearDownTestSuite() {
    delete dir_;
    dir_ = nullptr;
  }
  static std::string file(const std::string& name) { return dir_->file(name); }

  // Runs illusion with TMPDIR pointing at an empty directory, which must still be empty after:
  // a usage error comes before the run's private temp dir is made.
  static Outcome refused(const std::vector<std::string>& args, const std::string& mention) {
    const Outcome o = run_illusion(args, {"TMPDIR=" + file("tmp")});
    std::string shown;
    for (const std::string& a : args) shown += "'" + a + "' ";
    EXPECT_EQ(o.exit_code, 2) << shown << "\nstderr: " << o.err;
    EXPECT_EQ(o.err.rfind("illusion: error: ", 0), 0u) << shown << "\nstderr: " << o.err;
    EXPECT_EQ(std::count(o.err.begin(), o.err.end(), '\n'), 1) << shown << "\nstderr: " << o.err;
    EXPECT_TRUE(has(o.err, mention)) << shown << "\nexpected '" << mention << "' in: " << o.err;
    EXPECT_TRUE(o.out.empty()) << shown << "\nstdout: " << o.out;
    EXPECT_TRUE(illusion::testing::dir_entries(file("tmp")).empty()) << shown;
    return o;
  }

  // `run` with one cheap experiment: if the bad value were accepted, a run would start.
  static void run_refused(std::vector<std::string> extra, const std::string& mention) {
    std::vector<std::string> args{"run", "syscalls.function_call", "--quick"};
    args.insert(args.end(), extra.begin(), extra.end());
    refused(args, mention);
  }

  // The file is refused the same way by every command that reads run files, whichever side of
  // a comparison it is on.
  static void run_file_refused(const std::string& path, const std::string& problem) {
    const std::string mention = path + ": " + problem;
    refused({"report", path}, mention);
    refused({"compare", file("valid.json"), path}, mention);
    refused({"compare", path, file("valid.json")}, mention);
    refused({"budget", "--from", path}, mention);
  }

  static inline ScratchDir* dir_ = nullptr;
};

TEST_F(BadInput, UnknownCommand) {
  refused({"frobnicate"}, "unknown command 'frobnicate'; the commands are list, env, run");
}

TEST_F(BadInput, UnknownLabOrExperiment) {
  refused({"run", "nosuchlab", "--quick"}, "no lab or experiment matches 'nosuchlab'");
  refused({"run", "syscalls.no_such_experiment", "--quick"}, "'syscalls.no_such_experiment'");
}

TEST_F(BadInput, UnknownFlag) {
  refused({"run", "--bogus"}, "unknown option '--bogus' for 'run'");
  refused({"--bogus"}, "unknown option '--bogus'");
  refused({"list", "extra"}, "unexpected argument 'extra' for 'list'");
}

TEST_F(BadInput, FileSizeWithAnUnknownSuffix) {
  run_refused({"--file-size", "1Q"}, "'1Q'");
}
TEST_F(BadInput, FileSizeNegative) {
  run_refused({"--file-size", "-5M"}, "cannot be negative");
}
TEST_F(BadInput, FileSizeZero) {
  run_refused({"--file-size", "0"}, "greater than zero");
}
TEST_F(BadInput, FileSizeTooLarge) {
  run_refused({"--file-size", "99999999T"}, "the size is too large");
}
TEST_F(BadInput, FileSizeWithAFraction) {
  run_refused({"--file-size", "1.5G"}, "'1.5G'");
}
// Once taken silently as "the default size".
TEST_F(BadInput, FileSizeEmpty) {
  run_refused({"--file-size", ""}, "--file-size: the value is empty");
}

TEST_F(BadInput, FrameRates) {
  // Without --from, budget would measure: the empty TMPDIR shows it did not start.
  refused({"budget", "--hz", "0"}, "--hz 0: a frame rate must be above 0");
  refused({"budget", "--hz", "-90"}, "--hz -90: a frame rate must be above 0");
  refused({"budget", "--hz", "1e12"}, "--hz 1e+12: a frame rate must be above 0");
  refused({"budget", "--hz", "abc"}, "--hz: 'abc' is not a number");
  refused({"budget", "--hz", "1e999"}, "--hz: '1e999' is out of range");
}

TEST_F(BadInput, PinToACpuThatIsNotThere) {
  run_refused({"--pin", "99999"}, "--pin 99999: this process may only run on CPU(s)");
  run_refused({"--pin", "99999999999"}, "there is no CPU 99999999999");
  run_refused({"--pin", "one"}, "--pin: 'one' is not a CPU number");
}

TEST_F(BadInput, EmptyPathsAreNotTakenAsAbsent) {
  for (const char* flag : {"--json", "--md", "--html", "--dir"})
    run_refused({flag, ""}, std::string(flag) + ": the value is empty");
  refused({"report", ""}, "the value is empty");
  refused({"budget", "--from", ""}, "--from: the value is empty");
}

TEST_F(BadInput, OutputInAMissingDirectory) {
  for (const char* flag : {"--json", "--md", "--html"})
    run_refused({flag, file("no-such-dir/out")},
                "directory " + file("no-such-dir") + " does not exist");
}

// Refusals that hold for root, whom permission bits do not stop: a parent that is a regular
// file (ENOTDIR) and procfs, which creates no files for anyone.
TEST_F(BadInput, OutputWhereNoFileCanBeCreated) {
  for (const char* flag : {"--json", "--md", "--html"}) {
    run_refused({flag, file("afile/out")}, file("afile") + " is not a directory");
    run_refused({flag, "/proc/out"}, "directory /proc is not writable");
  }
}

TEST_F(BadInput, OutputThatIsADirectory) {
  for (const char* flag : {"--json", "--md", "--html"})
    run_refused({flag, file("adir")}, "names a directory");
}

// The write renames a new file over the target: as root that would replace /dev/null itself.
TEST_F(BadInput, OutputThatIsADeviceOrInDev) {
  struct stat before {};
  ASSERT_EQ(stat("/dev/null", &before), 0);
  run_refused({"--json", "/dev/null"}, "--json /dev/null: is a character device");
  run_refused({"--md", "/dev/stdout"}, "/dev holds device files");
  struct stat after {};
  ASSERT_EQ(stat("/dev/null", &after), 0);
  EXPECT_TRUE(S_ISCHR(after.st_mode));
  EXPECT_EQ(before.st_ino, after.st_ino);
}

TEST_F(BadInput, ReportChecksItsOutputBeforeReadingTheFile) {
  refused({"report", file("valid.json"), "--md", "/proc/out.md"}, "--md /proc/out.md");
  refused({"report", file("valid.json"), "--html", file("afile/x.html")}, "--html");
}

TEST_F(BadInput, RunFileEmpty) {
  write_file(file("empty.json"), "");
  run_file_refused(file("empty.json"), "the file is empty");
}

TEST_F(BadInput, RunFileTruncated) {
  const std::string text = valid_run_text();
  write_file(file("truncated.json"), text.substr(0, text.size() / 2));
  run_file_refused(file("truncated.json"), "not valid JSON");
}

TEST_F(BadInput, RunFileBinaryGarbage) {
  std::string garbage;
  for (int i = 0; i < 1024; ++i) garbage += static_cast<char>(i * 7 % 256);
  write_file(file("garbage.bin"), garbage);
  run_file_refused(file("garbage.bin"), "not valid JSON: a NUL byte at line 1, column 1");
}

TEST_F(BadInput, RunFileNestedDeep) {
  write_file(file("deep.json"), std::string(100000, '[') + std::string(100000, ']'));
  run_file_refused(file("deep.json"), "nested deeper than 64 levels");
}

TEST_F(BadInput, RunFileHugeNumbers) {
  const std::string text = valid_run_text();
  const std::size_t at = text.find("\"p50\": ") + 7;
  const std::size_t end = text.find(',', at);
  for (const std::string number : {"1e999", "99999999999999999999999", "-1e308"}) {
    write_file(file("huge.json"), text.substr(0, at) + number + text.substr(end));
    run_file_refused(file("huge.json"),
                     number == "1e999" ? "the number 1e999 (line " : "experiments[0].stats.p50: ");
  }
}

TEST_F(BadInput, RunFileOfAnotherKind) {
  write_file(file("other.json"), R"({"a": 1})");
  run_file_refused(file("other.json"), "not an illusion run file: no \"schema\" field");
  write_file(file("array.json"), "[1, 2, 3]");
  run_file_refused(file("array.json"), "not an illusion run file: expected a JSON object");
}

TEST_F(BadInput, RunFileOfAnotherSchemaVersion) {
  std::string text = valid_run_text();
  text.replace(text.find("illusion.run/1"), 14, "illusion.run/2");
  write_file(file("v2.json"), text);
  run_file_refused(file("v2.json"), "schema \"illusion.run/2\" is not supported");
}

TEST_F(BadInput, RunFileMissing) {
  run_file_refused(file("absent.json"), "cannot read the run file: No such file or directory");
}

TEST_F(BadInput, RunFileIsADirectory) {
  run_file_refused(file("adir"), "cannot read the run file: it is a directory");
}

// Runs illusion with `args` in the background and waits at most 30 s: a reader that waits on a
// FIFO again fails the test instead of hanging it. The exit code (-1 if it had to be killed)
// and stderr.
Outcome run_bounded(const std::vector<std::string>& args, const std::string& err_path,
                    const std::string& tmpdir) {
  Outcome o;
  const pid_t pid = illusion::testing::start_illusion(args, {"TMPDIR=" + tmpdir}, err_path);
  if (pid <= 0) return o;
  bool timed_out = false;
  o.exit_code = illusion::testing::wait_polling(
      pid, std::chrono::seconds(30), [] {}, &timed_out);
  o.err = slurp(err_path);
  if (timed_out) o.err += "(killed after 30 s: it waited on the FIFO)";
  return o;
}

// `mkfifo f.json; illusion report f.json` once waited forever for a writer. Every command that
// reads run files refuses a FIFO with no writer at once, on either side of a comparison.
TEST_F(BadInput, RunFileIsAFifoWithNoWriter) {
  ScratchDir dir;  // the FIFOs and the stderr file go with it
  const std::string fifo = dir.file("f.json"), other = dir.file("g.json");
  ASSERT_EQ(mkfifo(fifo.c_str(), 0600), 0);
  ASSERT_EQ(mkfifo(other.c_str(), 0600), 0);
  const std::vector<std::vector<std::string>> commands{{"report", fifo},
                                                       {"compare", fifo, other},
                                                       {"compare", file("valid.json"), fifo},
                                                       {"budget", "--from", fifo}};
  for (const auto& args : commands) {
    const Outcome o = run_bounded(args, dir.file("stderr"), file("tmp"));
    const std::string shown = args[0] + " " + args[1];
    EXPECT_EQ(o.exit_code, 2) << shown << "\nstderr: " << o.err;
    EXPECT_EQ(std::count(o.err.begin(), o.err.end(), '\n'), 1) << shown << "\nstderr: " << o.err;
    EXPECT_TRUE(has(o.err, ": a FIFO with no writer: nothing to read")) << shown << "\n" << o.err;
    EXPECT_TRUE(has(o.err, "give a regular file such as one written by 'illusion run --json'"))
        << o.err;
  }
  EXPECT_TRUE(illusion::testing::dir_entries(file("tmp")).empty());
}

// A FIFO with a writer is still a run file: `illusion report <(cat run.json)` must keep working.
// The writer is attached before illusion starts (opened through an O_RDWR end that is closed
// again), and a second writer, whose open returns once illusion has opened the FIFO, writes the
// run and ends it.
TEST_F(BadInput, RunFileIsAFifoWithAWriter) {
  ScratchDir dir;
  const std::string fifo = dir.file("run.json");
  ASSERT_EQ(mkfifo(fifo.c_str(), 0600), 0);
  const int holder = open(fifo.c_str(), O_RDWR | O_CLOEXEC);
  ASSERT_GE(holder, 0);
  const int early = open(fifo.c_str(), O_WRONLY | O_CLOEXEC);
  close(holder);
  ASSERT_GE(early, 0);
  std::thread writer([&] {
    // Should illusion exit mid-read, the write fails with EPIPE instead of killing the test.
    sigset_t pipe_signal;
    sigemptyset(&pipe_signal);
    sigaddset(&pipe_signal, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &pipe_signal, nullptr);
    const int fd = open(fifo.c_str(), O_WRONLY | O_CLOEXEC);  // returns once illusion opened it
    if (fd >= 0) {
      const std::string text = valid_run_text();
      EXPECT_EQ(write(fd, text.data(), text.size()), static_cast<ssize_t>(text.size()));
      close(fd);
    }
    close(early);
  });
  const Outcome o = run_bounded({"report", fifo}, dir.file("stderr"), file("tmp"));
  // Had illusion never opened the FIFO, the writer would still wait in open: release it.
  const int release = open(fifo.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  writer.join();
  if (release >= 0) close(release);
  EXPECT_EQ(o.exit_code, 0) << o.err;
  EXPECT_EQ(o.err, "");
}

TEST_F(BadInput, TheValidFileIsRead) {
  const Outcome o = run_illusion({"compare", file("valid.json"), file("valid.json")});
  EXPECT_EQ(o.exit_code, 0) << o.err;
}

// One real run writes --json over a symlink planted at the target, while symlinks also sit at
// the names its temporary file will try first. `sh -c '...; exec illusion'` keeps the shell's
// pid, which the temporary names contain ("./.out.json.tmp.PID.N"), so they can be planted
// before illusion starts.
class PlantedSymlinks : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new ScratchDir();
    std::filesystem::create_directory(dir_->file("tmp"));
    write_file(dir_->file("victim"), "the target's symlink points here");
    write_file(dir_->file("victim_tmp"), "the temporary names' symlinks point here");
    std::filesystem::create_symlink(dir_->file("victim"), dir_->file("out.json"));
    const std::string script =
        "for i in $(seq 0 15); do ln -s \"$1/victim_tmp\" \"$1/.out.json.tmp.$$.$i\" || exit 9; "
        "done; exec \"$2\" run syscalls.function_call --quick --json \"$1/out.json\"";
    outcome_ = new Outcome(illusion::testing::run_program(
        {"/bin/sh", "-c", script, "sh", dir_->path(), ILLUSION_BINARY},
        {"TMPDIR=" + dir_->file("tmp")}));
  }
  static void TearDownTestSuite() {
    delete outcome_;
    delete dir_;
    outcome_ = nullptr;
    dir_ = nullptr;
  }
  static inline ScratchDir* dir_ = nullptr;
  static inline Outcome* outcome_ = nullptr;
};

TEST_F(PlantedSymlinks, TheTargetSymlinkIsReplacedNotFollowed) {
  ASSERT_EQ(outcome_->exit_code, 0) << outcome_->err;
  const std::string out = dir_->file("out.json");
  EXPECT_FALSE(std::filesystem::is_symlink(out));
  EXPECT_TRUE(std::filesystem::is_regular_file(out));
  EXPECT_TRUE(has(slurp(out), "\"syscalls.function_call\"")) << slurp(out).substr(0, 200);
  EXPECT_EQ(slurp(dir_->file("victim")), "the target's symlink points here");
}

// O_CREAT | O_EXCL fails on an existing name, symlink included: without O_EXCL the first
// planted name would have been followed and the run file written into victim_tmp.
TEST_F(PlantedSymlinks, TheTemporaryFileIsCreatedExclusively) {
  ASSERT_EQ(outcome_->exit_code, 0) << outcome_->err;
  EXPECT_EQ(slurp(dir_->file("victim_tmp")), "the temporary names' symlinks point here");
  std::size_t planted = 0;
  for (const std::string& name : dir_->entries()) {
    if (name.rfind(".out.json.tmp.", 0) != 0) continue;
    ++planted;
    EXPECT_TRUE(std::filesystem::is_symlink(dir_->file(name))) << name << " was replaced";
  }
  EXPECT_EQ(planted, 16u) << "illusion's own temporary file is left behind, or a plant is gone";
  for (const std::string& name : dir_->entries()) EXPECT_FALSE(has(name, ".probe.")) << name;
  EXPECT_TRUE(illusion::testing::dir_entries(dir_->file("tmp")).empty());
}

}  // namespace

// A file name with escape sequences must not retitle or clear the terminal, and a 100 KB
// argument must not come back as a 100 KB line (issue 20).
TEST(HostileText, MessagesEscapeControlBytesAndShortenLongValues) {
  const auto evil = illusion::testing::run_illusion({"report", "evil\x1b]0;pwned\a\x1b[2J.json"});
  EXPECT_EQ(evil.exit_code, 2) << evil.err;
  EXPECT_EQ(evil.err.find('\x1b'), std::string::npos) << "a raw ESC reached stderr";
  EXPECT_EQ(evil.err.find('\a'), std::string::npos) << "a raw BEL reached stderr";
  EXPECT_NE(evil.err.find("evil\\e]0;pwned\\x07\\e[2J.json"), std::string::npos) << evil.err;

  const auto longer = illusion::testing::run_illusion({"run", std::string(100000, 'x')});
  EXPECT_EQ(longer.exit_code, 2);
  EXPECT_LT(longer.err.size(), 2000u) << "the error line echoes the whole argument";
  EXPECT_NE(longer.err.find("illusion list"), std::string::npos) << longer.err.substr(0, 200);
}
