#include "core/resources.h"

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <stdexcept>

#include <fmt/format.h>

#include "core/errors.h"

namespace illusion::core {
namespace {

// A fixed-size registry the signal handler can walk without allocating: paths are copied
// into static char arrays when registered. Slots are claimed/released by the main thread only.
constexpr int kMaxDirs = 8;
constexpr int kMaxFilesPerDir = 64;
constexpr std::size_t kPathMax = 512;

struct DirSlot {
  std::atomic<bool> used{false};
  char dir[kPathMax];
  std::atomic<bool> file_used[kMaxFilesPerDir];
  char files[kMaxFilesPerDir][kPathMax];
};

DirSlot g_dirs[kMaxDirs];

// Room for the spawn-many experiments (1000 children alive at once) with margin.
constexpr int kMaxChildren = 4096;
std::atomic<pid_t> g_children[kMaxChildren];
std::atomic<bool> g_stopping{false};

// Files outside any TempDir that an interrupt must remove: the hidden temp file an output is
// written to before its rename, which sits next to the output, not in a TempDir.
constexpr int kMaxLooseFiles = 8;
struct LooseSlot {
  std::atomic<bool> claimed{false};  // taken by a thread (the watcher writes outputs too)
  std::atomic<bool> ready{false};    // path complete: the handler may unlink it
  char path[kPathMax];
};
LooseSlot g_loose[kMaxLooseFiles];

void copy_path(char* dst, const std::string& src) {
  const std::size_t n = std::min(src.size(), kPathMax - 1);
  std::memcpy(dst, src.data(), n);
  dst[n] = '\0';
}

// Removes every plain entry of `dir` with raw getdents64(2) into a static buffer and
// unlinkat(2): opendir/readdir may allocate, which a signal handler must not do.
void remove_dir_entries(const char* dir) {
  static char buf[8192];
  const int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return;
  for (;;) {
    const long n = syscall(SYS_getdents64, fd, buf, sizeof buf);
    if (n <= 0) break;
    for (long off = 0; off < n;) {
      // struct linux_dirent64: u64 ino, s64 off, u16 reclen, u8 type, char name[].
      unsigned short reclen;
      std::memcpy(&reclen, buf + off + 16, sizeof reclen);
      const char* name = buf + off + 19;
      if (!(name[0] == '.' && (name[1] == '\0' || (name[1] == '.' && name[2] == '\0'))))
        unlinkat(fd, name, 0);
      off += reclen;
    }
  }
  close(fd);
}

void cleanup_handler(int sig) {
  kill_registered_children();
  remove_registered_temp_dirs();
  _exit(128 + sig);
}

}  // namespace

// Only async-signal-safe calls (signal-safety(7)): kill, waitpid.
void kill_registered_children() {
  for (auto& child : g_children) {
    const pid_t pid = child.exchange(0);
    if (pid > 0) {
      // A child that leads its own process group (core/command.h's peer tools) takes what it
      // forked with it; for any other child no group has its pid, and this is ESRCH.
      kill(-pid, SIGKILL);
      kill(pid, SIGKILL);
      waitpid(pid, nullptr, 0);
    }
  }
}

// Only async-signal-safe calls: open, getdents64, unlinkat, unlink, rmdir.
void remove_registered_temp_dirs() {
  for (auto& slot : g_loose)
    if (slot.ready.load()) unlink(slot.path);
  for (auto& slot : g_dirs) {
    if (!slot.used.load()) continue;
    for (int f = 0; f < kMaxFilesPerDir; ++f)
      if (slot.file_used[f].load()) unlink(slot.files[f]);
    remove_dir_entries(slot.dir);  // files a lab created without registering them
    rmdir(slot.dir);
  }
}

void install_cleanup_handlers() {
  static bool installed = false;
  if (installed) return;
  installed = true;
  struct sigaction sa {};
  sa.sa_handler = cleanup_handler;
  sigemptyset(&sa.sa_mask);
  sigaddset(&sa.sa_mask, SIGINT);
  sigaddset(&sa.sa_mask, SIGTERM);
  sigaddset(&sa.sa_mask, SIGHUP);
  sigaddset(&sa.sa_mask, SIGPIPE);
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
  sigaction(SIGHUP, &sa, nullptr);  // a dropped ssh session: clean up as for SIGTERM
  // `illusion run | head -1`: the reader is gone; clean up and exit 141 as the default
  // action would, instead of dying with the temp directory still there.
  sigaction(SIGPIPE, &sa, nullptr);
}

void register_child(pid_t pid) {
  if (g_stopping.load()) {
    kill(pid, SIGKILL);
    waitpid(pid, nullptr, 0);
    throw std::runtime_error("the run is being interrupted: no new child processes");
  }
  for (auto& c : g_children) {
    pid_t expected = 0;
    if (c.compare_exchange_strong(expected, pid)) return;
  }
  // A child the handler cannot see would survive Ctrl-C: refuse loudly rather than leak it.
  kill(pid, SIGKILL);
  waitpid(pid, nullptr, 0);
  throw std::runtime_error(fmt::format(
      "more than {} child processes alive at once: the cleanup registry is full", kMaxChildren));
}

void reset_signals_in_child(pid_t parent) {
  // The parent's cleanup handler would remove the parent's temp dir and signal its children;
  // a forked child must die of these signals the ordinary way instead. The parent may also
  // block them (InterruptWatch hands them to a watcher thread), and a child inherits the mask.
  signal(SIGINT, SIG_DFL);
  signal(SIGTERM, SIG_DFL);
  signal(SIGHUP, SIG_DFL);
  signal(SIGPIPE, SIG_DFL);
  signal(SIGXFSZ, SIG_DFL);  // ignored in the parent (main.cpp); an exec'ed program expects it
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGHUP);
  sigaddset(&set, SIGPIPE);
  sigprocmask(SIG_UNBLOCK, &set, nullptr);
  prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (getppid() != parent) _exit(1);  // the parent died before prctl took effect
}

void stop_registering_children() {
  g_stopping.store(true);
}

bool run_is_stopping() {
  return g_stopping.load();
}

void park_until_exit() {
  // The watcher _exits the process once the partial results are written; pause(2) returns
  // only for a handled signal, which this thread has blocked, so the loop is for safety.
  for (;;) ::pause();
}

int register_temp_file(const std::string& path) {
  for (int i = 0; i < kMaxLooseFiles; ++i) {
    bool expected = false;
    if (!g_loose[i].claimed.compare_exchange_strong(expected, true)) continue;
    copy_path(g_loose[i].path, path);
    g_loose[i].ready.store(true);
    return i;
  }
  return -1;  // full: the file is still removed on every ordinary exit path
}

void unregister_temp_file(int slot) {
  if (slot < 0 || slot >= kMaxLooseFiles) return;
  g_loose[slot].ready.store(false);
  g_loose[slot].claimed.store(false);
}

void unregister_child(pid_t pid) {
  for (auto& c : g_children) {
    pid_t expected = pid;
    if (c.compare_exchange_strong(expected, 0)) return;
  }
}

TempDir::TempDir(const std::string& parent) {
  std::string base = parent;
  if (base.empty()) {
    const char* env = std::getenv("TMPDIR");
    base = (env && *env) ? env : "/tmp";
  }
  std::string templ = base + "/illusion-XXXXXX";
  if (templ.size() + 80 >= kPathMax)
    throw UsageError(fmt::format("temporary directory path too long: {}", base));
  if (!mkdtemp(templ.data()))
    throw std::system_error(errno, std::generic_category(),
                            fmt::format("cannot create a temporary directory in {}", base));
  path_ = templ;
  for (int i = 0; i < kMaxDirs; ++i) {
    bool expected = false;
    if (g_dirs[i].used.load() == false) {
      copy_path(g_dirs[i].dir, path_);
      for (auto& f : g_dirs[i].file_used) f.store(false);
      if (g_dirs[i].used.compare_exchange_strong(expected, true)) {
        slot_ = i;
        break;
      }
    }
  }
}

TempDir::~TempDir() {
  if (slot_ >= 0) {
    DirSlot& slot = g_dirs[slot_];
    for (int f = 0; f < kMaxFilesPerDir; ++f)
      if (slot.file_used[f].exchange(false)) unlink(slot.files[f]);
  }
  // Anything a lab created without registering is removed too: a test file left in /tmp is a
  // bug that the user pays for in disk space.
  if (DIR* d = opendir(path_.c_str())) {
    while (dirent* e = readdir(d)) {
      if (std::strcmp(e->d_name, ".") == 0 || std::strcmp(e->d_name, "..") == 0) continue;
      unlinkat(dirfd(d), e->d_name, 0);
    }
    closedir(d);
  }
  rmdir(path_.c_str());
  if (slot_ >= 0) g_dirs[slot_].used.store(false);
}

std::string TempDir::register_file(const std::string& name) {
  if (name.empty() || name.find('/') != std::string::npos)
    throw std::invalid_argument("temp file name must be a plain name: " + name);
  std::string full = path_ + "/" + name;
  if (slot_ >= 0) {
    DirSlot& slot = g_dirs[slot_];
    for (int f = 0; f < kMaxFilesPerDir; ++f) {
      if (!slot.file_used[f].load()) {
        copy_path(slot.files[f], full);
        slot.file_used[f].store(true);
        break;
      }
    }
  }
  return full;
}

void TempDir::remove_file(const std::string& full_path) {
  unlink(full_path.c_str());
  if (slot_ < 0) return;
  DirSlot& slot = g_dirs[slot_];
  for (int f = 0; f < kMaxFilesPerDir; ++f)
    if (slot.file_used[f].load() && full_path == slot.files[f]) slot.file_used[f].store(false);
}

}  // namespace illusion::core
