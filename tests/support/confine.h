// Runs illusion the way a hostile or odd machine would: as another user, with perf_event_open(2)
// refused, in a small address space, with few processes allowed, on one CPU, with a nearly full
// filesystem, or with a stdout nobody reads. Every confinement is applied in a forked child just
// before exec, so neither the test process nor the machine has a setting changed; the tmpfs is
// mounted in the child's own mount namespace, so nothing outside it ever sees the mount.
//
// The child leads its own process group: when it runs past the time limit the whole group is
// killed, so a hang fails the test instead of blocking CI.
#pragma once

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <signal.h>
#include <stddef.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <cstring>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "core/resources.h"
#include "support/subprocess.h"

namespace illusion::testing {

#if defined(__x86_64__)
inline constexpr std::uint32_t kAuditArch = AUDIT_ARCH_X86_64;
#elif defined(__aarch64__)
inline constexpr std::uint32_t kAuditArch = AUDIT_ARCH_AARCH64;
#else
inline constexpr std::uint32_t kAuditArch = 0;  // unknown: deny_perf_events reports a setup error
#endif

struct Confinement {
  std::optional<uid_t> uid;       // become this user (setgroups(0), setgid, setuid): needs root
  gid_t gid = 0;                  // with `uid`
  bool deny_perf_events = false;  // seccomp filter: perf_event_open(2) fails with EACCES
  std::optional<rlim_t> address_space;  // RLIMIT_AS in bytes (`ulimit -v`)
  std::optional<rlim_t> max_processes;  // RLIMIT_NPROC (not enforced for root)
  std::optional<int> only_cpu;          // sched_setaffinity to this one CPU (`taskset -c`)
  // When set: a private mount namespace with a tmpfs of `tmpfs_bytes` mounted on this directory,
  // `tmpfs_fill_bytes` of it taken by a file before exec. Needs root (CAP_SYS_ADMIN).
  std::string tmpfs_dir;
  std::uint64_t tmpfs_bytes = 0, tmpfs_fill_bytes = 0;
  bool stdout_reader_gone = false;  // stdout is a pipe whose read end is already closed
  std::vector<std::string> env;     // "NAME=value", replacing an inherited NAME
  std::chrono::seconds timeout{60};
};

struct ConfinedOutcome {
  std::string setup_error;  // a confinement step failed in the child ("unshare: ..."); no exec
  int exit_code = -1;       // -1: ended by a signal, or killed for taking too long
  int signal = 0;           // the signal that ended it, if one did
  bool timed_out = false;
  std::string out, err;
};

namespace detail {

// What the child reports through the error pipe when a step fails before exec.
struct SetupFailure {
  char step[40];
  int err;
};

// perf_event_open(2) -> EACCES, every other system call allowed; a foreign architecture's calls
// (whose numbers mean other things) are refused outright rather than misread.
inline std::vector<sock_filter> deny_perf_filter() {
  return {
      BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(seccomp_data, arch)),
      BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, kAuditArch, 1, 0),
      BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS),
      BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(seccomp_data, nr)),
      BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_perf_event_open, 0, 1),
      BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | (EACCES & SECCOMP_RET_DATA)),
      BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
  };
}

inline std::vector<std::string> merged_env(const std::vector<std::string>& given) {
  const std::vector<std::string> extra = with_private_run_lock(given);
  std::vector<std::string> out = extra;
  for (char** e = environ; *e; ++e) {
    const std::string entry = *e;
    bool overridden = false;
    for (const std::string& x : extra)
      overridden = overridden || entry.compare(0, x.find('=') + 1, x, 0, x.find('=') + 1) == 0;
    if (!overridden) out.push_back(entry);
  }
  return out;
}

// In the forked child: only system calls and no allocation from here to exec (the parent may
// have other threads holding malloc's locks). Reports the failing step and exits 127.
[[noreturn]] inline void fail_setup(int report_fd, const char* step) {
  SetupFailure f{};
  f.err = errno;
  std::strncpy(f.step, step, sizeof f.step - 1);
  [[maybe_unused]] const ssize_t n = ::write(report_fd, &f, sizeof f);
  _exit(127);
}

// Writes `bytes` of zeros to a new file at `path` (on the fresh tmpfs), from a static buffer.
inline bool fill(const char* path, std::uint64_t bytes) {
  static const char zeros[1 << 16] = {};
  const int fd = ::open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return false;
  while (bytes > 0) {
    const std::size_t chunk = bytes < sizeof zeros ? static_cast<std::size_t>(bytes) : sizeof zeros;
    const ssize_t n = ::write(fd, zeros, chunk);
    if (n <= 0) {
      ::close(fd);
      return false;
    }
    bytes -= static_cast<std::uint64_t>(n);
  }
  return ::close(fd) == 0;
}

struct ChildPlan {
  const Confinement* c;
  char* const* argv;
  char* const* envp;
  int in_fd, out_fd, err_fd, report_fd;
  const char* tmpfs_options;
  const char* filler_path;
  const sock_fprog* filter;
};

[[noreturn]] inline void confine_and_exec(const ChildPlan& p) {
  const Confinement& c = *p.c;
  const int fd = p.report_fd;
  if (setpgid(0, 0) != 0) fail_setup(fd, "setpgid");
  // The test process's signal state must not leak in: illusion expects defaults.
  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, nullptr);
  for (int sig : {SIGPIPE, SIGINT, SIGTERM, SIGCHLD}) signal(sig, SIG_DFL);
  if (dup2(p.in_fd, 0) < 0 || dup2(p.out_fd, 1) < 0 || dup2(p.err_fd, 2) < 0)
    fail_setup(fd, "dup2");
  if (!c.tmpfs_dir.empty()) {
    if (unshare(CLONE_NEWNS) != 0) fail_setup(fd, "unshare(CLONE_NEWNS)");
    // Private first, or the tmpfs would propagate back to the parent's namespace.
    if (mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0)
      fail_setup(fd, "mount --make-rprivate /");
    if (mount("tmpfs", c.tmpfs_dir.c_str(), "tmpfs", MS_NOSUID | MS_NODEV, p.tmpfs_options) != 0)
      fail_setup(fd, "mount tmpfs");
    if (c.tmpfs_fill_bytes > 0 && !fill(p.filler_path, c.tmpfs_fill_bytes))
      fail_setup(fd, "fill tmpfs");
  }
  if (c.address_space) {
    const rlimit rl{*c.address_space, *c.address_space};
    if (setrlimit(RLIMIT_AS, &rl) != 0) fail_setup(fd, "setrlimit(RLIMIT_AS)");
  }
  if (c.max_processes) {
    const rlimit rl{*c.max_processes, *c.max_processes};
    if (setrlimit(RLIMIT_NPROC, &rl) != 0) fail_setup(fd, "setrlimit(RLIMIT_NPROC)");
  }
  if (c.only_cpu) {
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(*c.only_cpu, &set);
    if (sched_setaffinity(0, sizeof set, &set) != 0) fail_setup(fd, "sched_setaffinity");
  }
  if (c.uid) {
    if (chdir("/") != 0) fail_setup(fd, "chdir /");  // the test's cwd may be closed to the user
    if (setgroups(0, nullptr) != 0) fail_setup(fd, "setgroups");
    if (setgid(c.gid) != 0) fail_setup(fd, "setgid");
    if (setuid(*c.uid) != 0) fail_setup(fd, "setuid");
  }
  if (c.deny_perf_events) {
    if (kAuditArch == 0) {
      errno = ENOSYS;
      fail_setup(fd, "seccomp (unknown architecture)");
    }
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) fail_setup(fd, "PR_SET_NO_NEW_PRIVS");
    if (prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, p.filter) != 0) fail_setup(fd, "PR_SET_SECCOMP");
  }
  execve(p.argv[0], p.argv, p.envp);
  fail_setup(fd, "execve");
}

}  // namespace detail

// Runs `argv` (argv[0] a path, not searched in PATH) under `c`; stdin is /dev/null, stdout and
// stderr are captured (stdout stays empty with stdout_reader_gone).
inline ConfinedOutcome run_confined(const std::vector<std::string>& argv, const Confinement& c) {
  ConfinedOutcome o;
  core::TempDir tmp;
  const std::string out_path = tmp.register_file("stdout");
  const std::string err_path = tmp.register_file("stderr");
  std::vector<std::string> args = argv, env = detail::merged_env(c.env);
  std::vector<char*> argp, envp;
  for (std::string& a : args) argp.push_back(a.data());
  argp.push_back(nullptr);
  for (std::string& e : env) envp.push_back(e.data());
  envp.push_back(nullptr);
  const std::string tmpfs_options = "size=" + std::to_string(c.tmpfs_bytes) + ",mode=0755";
  const std::string filler = c.tmpfs_dir + "/filler";
  auto filter = detail::deny_perf_filter();
  const sock_fprog prog{static_cast<unsigned short>(filter.size()), filter.data()};

  const int in_fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  int out_fd = ::open(out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  const int err_fd = ::open(err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  int report[2] = {-1, -1};
  const bool pipes_ok = ::pipe2(report, O_CLOEXEC) == 0;
  if (c.stdout_reader_gone) {
    int p[2];
    if (::pipe2(p, O_CLOEXEC) == 0) {
      ::close(p[0]);  // the reader is gone before the writer starts: `| head -0`
      ::close(out_fd);
      out_fd = p[1];
    }
  }
  const auto close_all = [&] {
    for (int fd : {in_fd, out_fd, err_fd, report[0], report[1]})
      if (fd >= 0) ::close(fd);
  };
  if (in_fd < 0 || out_fd < 0 || err_fd < 0 || !pipes_ok) {
    o.setup_error = std::string("cannot prepare the child's files: ") + std::strerror(errno);
    close_all();
    return o;
  }
  const detail::ChildPlan plan{&c,     argp.data(), envp.data(),           in_fd,          out_fd,
                               err_fd, report[1],   tmpfs_options.c_str(), filler.c_str(), &prog};
  const pid_t pid = fork();
  if (pid == 0) detail::confine_and_exec(plan);
  const int fork_errno = errno;
  for (int* fd : {&report[1], &out_fd}) {
    ::close(*fd);
    *fd = -1;
  }
  if (pid < 0) {
    o.setup_error = std::string("fork: ") + std::strerror(fork_errno);
    close_all();
    return o;
  }
  // End of file here means exec succeeded (the write end is close-on-exec).
  detail::SetupFailure failure{};
  ssize_t got;
  do {
    got = ::read(report[0], &failure, sizeof failure);
  } while (got < 0 && errno == EINTR);
  if (got == static_cast<ssize_t>(sizeof failure))
    o.setup_error = std::string(failure.step) + ": " + std::strerror(failure.err);

  const auto deadline = std::chrono::steady_clock::now() + c.timeout;
  int status = 0;
  for (;;) {
    if (waitpid(pid, &status, WNOHANG) == pid) break;
    if (std::chrono::steady_clock::now() > deadline) {
      o.timed_out = true;
      kill(-pid, SIGKILL);  // the group: illusion and anything it started
      kill(pid, SIGKILL);
      waitpid(pid, &status, 0);
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  if (WIFEXITED(status) && !o.timed_out) o.exit_code = WEXITSTATUS(status);
  if (WIFSIGNALED(status)) o.signal = WTERMSIG(status);
  close_all();
  o.out = slurp(out_path);
  o.err = slurp(err_path);
  return o;
}

inline ConfinedOutcome run_illusion_confined(std::vector<std::string> args, const Confinement& c,
                                             const std::string& binary = ILLUSION_BINARY) {
  args.insert(args.begin(), binary);
  return run_confined(args, c);
}

}  // namespace illusion::testing
