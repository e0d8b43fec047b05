#include "report/atomic_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <system_error>

#include <fmt/format.h>

#include "core/errors.h"

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
  explicit TempFile(const std::string& target) {
    static std::atomic<unsigned> counter{0};
    // O_EXCL makes creation fail instead of reusing a file someone else placed there; the
    // name is hidden (leading dot) and unique per process and call, so retrying is rarely
    // needed, but a stale file from a killed run must not stop us.
    for (int attempt = 0; attempt < 100; ++attempt) {
      path_ = fmt::format("{}/.{}.tmp.{}.{}", directory_of(target), base_name_of(target), getpid(),
                          counter++);
      fd_ = core::retry_eintr(
          [&] { return open(path_.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644); });
      if (fd_ >= 0) return;
      if (errno != EEXIST) break;
    }
    throw_system(errno, fmt::format("cannot create a temporary file next to {}", target));
  }
  TempFile(const TempFile&) = delete;
  TempFile& operator=(const TempFile&) = delete;
  ~TempFile() {
    if (fd_ >= 0) close(fd_);
    if (!released_) unlink(path_.c_str());
  }

  int fd() const { return fd_; }
  const std::string& path() const { return path_; }
  // close(2) can report a deferred write error (NFS, quota): check it before the rename.
  int close_checked() {
    const int rc = close(fd_);
    fd_ = -1;
    return rc;
  }
  void release() { released_ = true; }

 private:
  std::string path_;
  int fd_ = -1;
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
  const int fd = open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return;
  fsync(fd);
  close(fd);
}

}  // namespace

void write_file_atomically(const std::string& path, std::string_view content) {
  TempFile temp(path);
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
    throw core::UsageError(fmt::format(
        "{}: names a directory; give a file name, such as {}/run.json", shown, trimmed));
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
  // Creating the temporary file and renaming it needs write and search permission on the
  // directory, not on the target (rename replaces a read-only file too).
  if (access(dir.c_str(), W_OK | X_OK) != 0)
    throw core::UsageError(fmt::format("{}: directory {} is not writable ({}); choose another path",
                                       shown, dir, std::strerror(errno)));
}

}  // namespace illusion::report
