// The machine-wide run lock (declared in run_lock.h).
//
// Why one fixed path. Runs must agree on the file without talking to each other, and runs of
// different users disturb each other as much as two of one user's: a path under
// $XDG_RUNTIME_DIR, $TMPDIR or named after the uid would split the machine into groups that never
// see each other. /run/lock "when writable" has the same flaw (root may write it where a user
// may not: the two would look in different places). /tmp exists and is world-writable on every
// Linux we run on. Runs in another mount namespace (a container, systemd's PrivateTmp) see
// another /tmp and are not detected: nothing short of a kernel-wide name would see them.
//
// How the file is opened. /tmp is shared with every user, so the open must not be steered:
// - O_NOFOLLOW: a symlink planted at the path is refused, not followed to a file of ours.
// - Open an existing file without O_CREAT first: with fs.protected_regular (on by default on
//   systemd systems) an O_CREAT open of another user's file in a sticky directory fails with
//   EACCES even though its mode allows it; only a missing file is created, with O_EXCL, and
//   fchmod'ed to 0666 (the umask would otherwise leave other users unable to open it for
//   writing their pid; flock itself needs only a read descriptor, which is the fallback).
// - O_NONBLOCK: a FIFO planted there would block the open; anything but a regular file with one
//   link is then refused (a hard link to someone's file would be truncated below).
// - Nothing is left behind: the holder unlinks the file when it ends (on SIGINT/SIGTERM/SIGHUP
//   too: the path is registered with the interrupt cleanup). Unlinking a lock file races on its
//   own: a run that opened the old file and then gets the lock on it holds a lock nobody else
//   can see, while a third creates a new file and locks that. So a run counts the lock as held
//   only when the path still names the inode it locked (names_our_file), and otherwise opens
//   the path again and retries; only the holder unlinks, and only its own inode. kill -9 leaves
//   the file, which the next run simply locks.
//
// The content, for messages only (the lock is the flock, never the bytes): the holder truncates
// the file and writes "pid N"; a run that finds it busy and measures anyway appends its own
// "pid M" line (O_APPEND: whole lines, one write each), which the holder reads at the end to
// learn that it was not alone either. A run that appends between the holder's flock and its
// truncate is lost: a window of microseconds, and the latecomer itself still says so. A holder
// that may only read the file (another user's, not writable for it) cannot name itself there: a
// latecomer may then quote a past run's pid.
//
// Children. The descriptor is O_CLOEXEC, so nothing the run executes (peer tools, strace) keeps
// it. A forked child that does not exec shares the open file description, and with it the lock,
// until it exits; the labs' children are killed and reaped when their row or the run ends, and
// die with the run (PR_SET_PDEATHSIG, resources.h), so the lock cannot outlive the run.
#include "core/run_lock.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "core/errors.h"
#include "core/resources.h"

namespace illusion::core {
namespace {

constexpr int kOpenFlags = O_APPEND | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK | O_NOCTTY;

// Opens (creating if missing) the lock file read-write, else read-only; -1 with errno set.
int open_lock_file(const std::string& path, bool& writable) {
  for (int attempt = 0; attempt < 5; ++attempt) {
    writable = true;
    int fd = retry_eintr([&] { return open(path.c_str(), O_RDWR | kOpenFlags); });
    if (fd >= 0) return fd;
    if (errno == EACCES || errno == EROFS) {
      // Another user's file that is not writable for us, or a read-only /tmp that has one.
      writable = false;
      fd = retry_eintr([&] { return open(path.c_str(), O_RDONLY | kOpenFlags); });
      return fd;
    }
    if (errno != ENOENT) return -1;
    fd = retry_eintr(
        [&] { return open(path.c_str(), O_RDWR | O_CREAT | O_EXCL | kOpenFlags, 0666); });
    if (fd >= 0) {
      fchmod(fd, 0666);  // our own new file: cannot fail for lack of permission
      return fd;
    }
    if (errno != EEXIST) return -1;
    // Created by another run between our two opens: open that one.
  }
  return -1;
}

// "pid N" from a line of the file; "" when the line is not exactly that (the file is writable
// by anyone: its bytes are never echoed as they are).
std::string pid_of(const std::string& line) {
  if (line.size() < 5 || line.size() > 14 || line.compare(0, 4, "pid ") != 0) return "";
  for (std::size_t i = 4; i < line.size(); ++i)
    if (!std::isdigit(static_cast<unsigned char>(line[i]))) return "";
  return line;
}

std::vector<std::string> pid_lines(int fd) {
  char buf[4096];
  const ssize_t n = retry_eintr([&] { return pread(fd, buf, sizeof buf, 0); });
  std::vector<std::string> out;
  if (n <= 0) return out;
  std::string text(buf, static_cast<std::size_t>(n));
  std::size_t start = 0;
  while (start < text.size()) {
    const std::size_t end = text.find('\n', start);
    if (end == std::string::npos) break;  // a line still being written, or junk
    out.push_back(pid_of(text.substr(start, end - start)));
    start = end + 1;
  }
  return out;
}

void write_line(int fd, const std::string& line) {
  // One write(2) of a few bytes on an O_APPEND descriptor lands whole; a failure only costs a
  // name in another run's message.
  if (write(fd, line.data(), line.size()) < 0) {
  }
}

// The first line names the holder only if it was written by the holder: a holder that cannot
// write the file (or a program other than illusion, such as flock(1)) leaves a past run's pid
// there, and a pid that is gone is certainly not the holder.
bool alive(const std::string& pid_line) {
  if (pid_line.empty()) return false;  // not a "pid N" line (pid_of)
  const long pid = std::strtol(pid_line.c_str() + 4, nullptr, 10);
  return pid > 0 && (kill(static_cast<pid_t>(pid), 0) == 0 || errno == EPERM);
}

std::string own_pid_line() {
  return fmt::format("pid {}\n", getpid());
}

// Whether `path` still names the file `fd` has open: false once its holder unlinked it (and
// perhaps another run made a new one), when a lock on `fd` excludes no one.
bool names_our_file(int fd, const std::string& path) {
  struct stat ours {
  }, named{};
  return fstat(fd, &ours) == 0 && lstat(path.c_str(), &named) == 0 && ours.st_dev == named.st_dev &&
         ours.st_ino == named.st_ino;
}

}  // namespace

std::string run_lock_path() {
  const char* over = std::getenv(kRunLockPathEnv);
  return over && *over ? std::string(over) : std::string(kRunLockPath);
}

RunLock::RunLock() : path_(run_lock_path()) {
  // A few tries: each retry means a holder unlinked the file between our open and our flock.
  for (int attempt = 0; attempt < 5; ++attempt) {
    fd_.reset(open_lock_file(path_, writable_));
    if (!fd_.valid()) {
      unavailable_ = fmt::format("cannot open {}: {}", path_, errno_text(errno));
      return;
    }
    struct stat st {};
    if (fstat(fd_.get(), &st) != 0 || !S_ISREG(st.st_mode) || st.st_nlink != 1) {
      unavailable_ =
          fmt::format("{} is not a regular file with one link; not used as the lock", path_);
      fd_.reset();
      return;
    }
    if (retry_eintr([&] { return flock(fd_.get(), LOCK_EX | LOCK_NB); }) == 0) {
      if (!names_our_file(fd_.get(), path_)) continue;
      become_holder();
      return;
    }
    if (errno != EWOULDBLOCK) {
      unavailable_ = fmt::format("cannot lock {}: {}", path_, errno_text(errno));
      fd_.reset();
      return;
    }
    busy_ = true;
    const auto lines = pid_lines(fd_.get());
    if (!lines.empty() && alive(lines.front())) holder_ = lines.front();
    return;
  }
  unavailable_ = fmt::format("{} was replaced under this run five times in a row", path_);
  fd_.reset();
}

RunLock::~RunLock() {
  if (!held_) return;
  // Still ours (only a holder unlinks, and only its own inode): nothing is left in /tmp.
  if (names_our_file(fd_.get(), path_)) unlink(path_.c_str());
  if (cleanup_slot_ >= 0) unregister_temp_file(cleanup_slot_);
}

void RunLock::wait() {
  if (!busy_) return;
  for (;;) {
    if (retry_eintr([&] { return flock(fd_.get(), LOCK_EX); }) != 0) {
      // Not expected (the descriptor is a regular file we could lock-test): measure, and say so.
      unavailable_ = fmt::format("cannot wait for the lock on {}: {}", path_, errno_text(errno));
      return;
    }
    if (names_our_file(fd_.get(), path_)) break;
    // The holder ended and unlinked the file: the lock is on the path's new file, if any.
    fd_.reset(open_lock_file(path_, writable_));
    if (!fd_.valid()) {
      unavailable_ = fmt::format("cannot open {}: {}", path_, errno_text(errno));
      return;
    }
  }
  busy_ = false;
  waited_for_ = holder_.empty() ? "another illusion run" : "another illusion run (" + holder_ + ")";
  holder_.clear();
  become_holder();
}

void RunLock::become_holder() {
  held_ = true;
  cleanup_slot_ = register_temp_file(path_);
  name_holder();
}

void RunLock::name_holder() {
  if (writable_ && ftruncate(fd_.get(), 0) == 0) write_line(fd_.get(), own_pid_line());
  // Unwritable (a file of another user's that we may only read), the lines already there are a
  // past run's, not latecomers: only lines added after them count.
  own_lines_ = pid_lines(fd_.get()).size();
}

void RunLock::measure_alongside() {
  if (busy_ && writable_) write_line(fd_.get(), own_pid_line());
}

BehaviourFact RunLock::concurrent_run() const {
  BehaviourFact f;
  if (!unavailable_.empty()) {
    f.evidence = unavailable_ + ": other illusion runs cannot be detected";
    return f;
  }
  if (busy_) {
    f.value = true;
    f.evidence = fmt::format("another illusion run{} held {} when this run started",
                             holder_.empty() ? "" : " (" + holder_ + ")", path_);
    return f;
  }
  // Held: runs that found it busy and measured anyway appended their pid after ours.
  const auto lines = pid_lines(fd_.get());
  std::string others;
  for (std::size_t i = own_lines_; i < lines.size(); ++i) {
    if (!others.empty()) others += ", ";
    others += lines[i].empty() ? "pid unknown" : lines[i];
  }
  if (!others.empty()) {
    f.value = true;
    f.evidence =
        fmt::format("another illusion run ({}) started while this run held {}", others, path_);
    return f;
  }
  f.value = false;
  f.evidence =
      fmt::format("{}this run held {}; no other illusion run measured meanwhile",
                  waited_for_.empty() ? "" : "waited for " + waited_for_ + " to end; ", path_);
  return f;
}

}  // namespace illusion::core
