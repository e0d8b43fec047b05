#include "report/atomic_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <climits>
#include <cstdlib>
#include <cstring>
#include <string_view>
#include <system_error>

#include <fmt/format.h>

#include "core/errors.h"
#include "core/fd.h"
#include "core/resources.h"

namespace illusion::report {
namespace {

// "dir/name" -> "dir", "name" -> ".", "/name" -> "/".
std::string directory_of(const std::string& path) {
  const std::size_t slash = path.find_last_of('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

std::string base_name_of(const std::string& path) {
  const std::size_t slash = path.find_last_of('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

[[noreturn]] void throw_system(int err, const std::string& what) {
  throw std::system_error(err, std::generic_category(), what);
}

// The temporary file, closed and unlinked unless released: every early exit (an exception from
// write, fsync or rename) cleans up without a catch at each step.
class TempFile {
 public:
  // `tag` tells the write's temporary file ("tmp") from check_output_path's probe ("probe").
  TempFile(const std::string& target, const char* tag) {
    static std::atomic<unsigned> counter{0};
    // O_EXCL makes creation fail instead of reusing (or, for a planted symlink, writing
    // through) a file someone else placed there; the name is hidden (leading dot) and unique
    // per process and call, so retrying is rarely needed, but a stale file from a killed run
    // must not stop us.
    for (int attempt = 0; attempt < 100; ++attempt) {
      path_ = fmt::format("{}/.{}.{}.{}.{}", directory_of(target), base_name_of(target), tag,
                          getpid(), counter++);
      fd_.reset(core::retry_eintr(
          [&] { return open(path_.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644); }));
      if (fd_.valid()) {
        // Ctrl-C between here and the rename must not leave it beside the user's file.
        slot_ = core::register_temp_file(path_);
        return;
      }
      if (errno != EEXIST) break;
    }
    throw_system(errno, fmt::format("cannot create a temporary file next to {}", target));
  }
  TempFile(const TempFile&) = delete;
  TempFile& operator=(const TempFile&) = delete;
  ~TempFile() {
    fd_.reset();
    if (!released_) unlink(path_.c_str());
    core::unregister_temp_file(slot_);
  }

  int fd() const { return fd_.get(); }
  const std::string& path() const { return path_; }
  // close(2) can report a deferred write error (NFS, quota): check it before the rename.
  int close_checked() { return close(fd_.release()); }
  void release() { released_ = true; }

 private:
  std::string path_;
  core::Fd fd_;
  int slot_ = -1;  // in the interrupt cleanup's registry (core/resources.h)
  bool released_ = false;
};

void write_all(int fd, std::string_view content, const std::string& path) {
  while (!content.empty()) {
    // write(2) may write fewer bytes than asked (a signal, a full pipe): continue from there.
    const ssize_t n = core::retry_eintr([&] { return write(fd, content.data(), content.size()); });
    if (n < 0) throw_system(errno, fmt::format("cannot write {}", path));
    content.remove_prefix(static_cast<std::size_t>(n));
  }
}

// fsync on the directory makes the rename itself durable. Some filesystems refuse fsync on a
// directory (EINVAL); the file is already complete then, so that is not worth failing for.
void sync_directory(const std::string& dir) {
  const core::Fd fd(open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (fd.valid()) fsync(fd.get());
}

// The write replaces whatever is at `path` with a regular file. That is right for a file or a
// symlink to one (the link is replaced, never written through), but a device, FIFO or socket,
// or a symlink to one (/dev/stdout on a terminal), would be swapped for a file under its name:
// as root, `--json /dev/null` would replace /dev/null itself.
const char* kind_of(mode_t mode) {
  if (S_ISCHR(mode)) return "a character device";
  if (S_ISBLK(mode)) return "a block device";
  if (S_ISFIFO(mode)) return "a FIFO";
  if (S_ISSOCK(mode)) return "a socket";
  return "not a regular file";
}

void check_target(const std::string& path, const std::string& shown) {
  struct stat st {};
  if (lstat(path.c_str(), &st) != 0) return;  // nothing there yet (or not visible): fine
  const bool link = S_ISLNK(st.st_mode);
  if (link && stat(path.c_str(), &st) != 0) return;  // a dangling link: replaced
  if (S_ISREG(st.st_mode)) return;
  throw core::UsageError(
      fmt::format("{}: {} {}; illusion writes a new file and renames it over this path, which "
                  "would replace it; give the path of a regular file",
                  shown, link ? "is a symlink to" : "is", kind_of(st.st_mode)));
}

// /dev/stdout is a symlink to a regular file when stdout is redirected to one, and passes
// check_target; replacing it would break /dev/stdout for every process. Nothing in /dev
// itself is a place for a report (its subdirectories, such as /dev/shm, may be).
void check_not_dev(const std::string& dir, const std::string& shown) {
  char real[PATH_MAX];
  if (realpath(dir.c_str(), real) && std::string_view(real) == "/dev")
    throw core::UsageError(fmt::format(
        "{}: /dev holds device files, and illusion would replace the entry there instead of "
        "writing into it; give the path of a file in another directory",
        shown));
}

// Gives the temporary file the permissions (and, as root, the owner) of the regular file it is
// about to replace (see the header). Done before any byte is written, so the content is never
// readable by more people than the old file allowed.
void keep_mode_of_replaced(int fd, const std::string& path) {
  struct stat st {};
  if (lstat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) return;  // a new file: default
  if (geteuid() == 0 && (st.st_uid != geteuid() || st.st_gid != getegid())) {
    if (fchown(fd, st.st_uid, st.st_gid) != 0) {
      // Best effort: the report is not worth failing over who owns it; root keeps it.
    }
  }
  // After fchown, which clears set-id bits: none are copied anyway.
  if (fchmod(fd, st.st_mode & 0777) != 0)
    throw_system(errno, fmt::format("cannot set the permissions of the new {}", path));
}

}  // namespace

void write_file_atomically(const std::string& path, std::string_view content) {
  TempFile temp(path, "tmp");
  keep_mode_of_replaced(temp.fd(), path);
  write_all(temp.fd(), content, path);
  if (core::retry_eintr([&] { return fsync(temp.fd()); }) != 0)
    throw_system(errno, fmt::format("cannot flush {} to disk", path));
  if (temp.close_checked() != 0) throw_system(errno, fmt::format("cannot write {}", path));
  if (rename(temp.path().c_str(), path.c_str()) != 0)
    throw_system(errno, fmt::format("cannot replace {}", path));
  temp.release();
  sync_directory(directory_of(path));
}

void check_output_path(const std::string& path, const std::string& flag) {
  const std::string shown = fmt::format("{} {}", flag, path);
  if (path.empty()) throw core::UsageError(fmt::format("{}: the path is empty", flag));
  std::string trimmed = path;
  while (trimmed.size() > 1 && trimmed.back() == '/') trimmed.pop_back();
  struct stat st {};
  if (path.back() == '/' || (stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode)))
    throw core::UsageError(fmt::format("{}: names a directory; give a file name, such as {}/{}",
                                       shown, trimmed,
                                       flag == "--md"     ? "run.md"
                                       : flag == "--html" ? "run.html"
                                                          : "run.json"));
  check_target(path, shown);
  const std::string dir = directory_of(path);
  if (stat(dir.c_str(), &st) != 0) {
    const int err = errno;
    if (err == ENOENT)
      throw core::UsageError(fmt::format(
          "{}: directory {} does not exist; create it or choose another path", shown, dir));
    if (err == ENOTDIR)
      throw core::UsageError(fmt::format(
          "{}: {} is not a directory (a part of it is a file); choose another path", shown, dir));
    throw core::UsageError(
        fmt::format("{}: cannot use directory {}: {}", shown, dir, std::strerror(err)));
  }
  if (!S_ISDIR(st.st_mode))
    throw core::UsageError(
        fmt::format("{}: {} is not a directory; choose another path", shown, dir));
  check_not_dev(dir, shown);
  // access(2) says yes to root everywhere and knows nothing of filesystems that refuse new
  // files (procfs, sysfs) or of read-only mounts: creating the temporary file the write will
  // create, and removing it at once, is the test that holds for everyone.
  try {
    TempFile probe(path, "probe");
  } catch (const std::system_error& e) {
    throw core::UsageError(
        fmt::format("{}: directory {} is not writable: creating a file there failed ({}); "
                    "choose another path",
                    shown, dir, std::strerror(e.code().value())));
  }
}

}  // namespace illusion::report
