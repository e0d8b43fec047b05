#include "processes/child.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <limits>
#include <sstream>
#include <system_error>
#include <utility>

#include <fmt/format.h>

#include "core/cgroup_limits.h"
#include "core/errors.h"
#include "core/resources.h"

namespace illusion::labs::processes {

std::string ExitStatus::describe() const {
  if (exited) return fmt::format("exit {}", code);
  if (signaled) {
    const char* abbrev = sigabbrev_np(signal);
    return fmt::format("killed by SIG{}{}", abbrev ? abbrev : std::to_string(signal).c_str(),
                       core_dumped ? " (core dumped)" : "");
  }
  return "unknown status";
}

ExitStatus decode_wait_status(int status) {
  ExitStatus s;
  if (WIFEXITED(status)) {
    s.exited = true;
    s.code = WEXITSTATUS(status);
  } else if (WIFSIGNALED(status)) {
    s.signaled = true;
    s.signal = WTERMSIG(status);
    s.core_dumped = WCOREDUMP(status);
  }
  return s;
}

ExitStatus wait_for(pid_t pid) {
  int status = 0;
  const pid_t got = core::retry_eintr([&] { return waitpid(pid, &status, 0); });
  core::unregister_child(pid);
  if (got != pid) core::throw_errno(fmt::format("waitpid({})", pid));
  return decode_wait_status(status);
}

Child::Child(pid_t pid) : pid_(pid) {}

Child Child::fork(const std::function<int()>& body) {
  const pid_t parent = getpid();
  const pid_t pid = ::fork();
  if (pid < 0) core::throw_errno("fork");
  if (pid == 0) {
    core::reset_signals_in_child(parent);
    int code = 127;
    try {
      code = body();
    } catch (...) {
    }
    _exit(code);
  }
  core::register_child(pid);
  return Child(pid);
}

Child Child::adopt(pid_t pid) {
  core::register_child(pid);
  return Child(pid);
}

Child::Child(Child&& other) noexcept : pid_(std::exchange(other.pid_, -1)) {}

Child& Child::operator=(Child&& other) noexcept {
  if (this != &other) {
    this->~Child();
    pid_ = std::exchange(other.pid_, -1);
  }
  return *this;
}

Child::~Child() {
  if (pid_ <= 0) return;
  kill(pid_, SIGKILL);
  int status = 0;
  core::retry_eintr([&] { return waitpid(pid_, &status, 0); });
  core::unregister_child(pid_);
  pid_ = -1;
}

ExitStatus Child::wait() {
  const pid_t pid = std::exchange(pid_, -1);
  return wait_for(pid);
}

ValuePipe::ValuePipe() : pipe_(core::make_pipe()) {}

bool ValuePipe::send(const void* data, std::size_t n) {
  const char* p = static_cast<const char*>(data);
  while (n > 0) {
    const ssize_t w = core::retry_eintr([&] { return ::write(pipe_.write.get(), p, n); });
    if (w <= 0) return false;
    p += w;
    n -= static_cast<std::size_t>(w);
  }
  return true;
}

bool ValuePipe::receive(void* data, std::size_t n) {
  close_write();  // so a child that dies without sending gives EOF, not a hang
  char* p = static_cast<char*>(data);
  while (n > 0) {
    const ssize_t r = core::retry_eintr([&] { return ::read(pipe_.read.get(), p, n); });
    if (r <= 0) return false;
    p += r;
    n -= static_cast<std::size_t>(r);
  }
  return true;
}

namespace {

std::optional<std::uint64_t> kb_field(const std::string& path, const std::string& field) {
  std::ifstream in(path);
  std::string line;
  const std::string key = field + ":";
  while (std::getline(in, line)) {
    if (line.compare(0, key.size(), key) != 0) continue;
    std::istringstream rest(line.substr(key.size()));
    std::uint64_t kb = 0;
    if (rest >> kb) return kb * 1024;
  }
  return std::nullopt;
}

std::optional<std::uint64_t> read_number(const std::string& path) {
  std::ifstream in(path);
  std::string text;
  if (!(in >> text) || text == "max") return std::nullopt;
  try {
    return std::stoull(text);
  } catch (...) {
    return std::nullopt;
  }
}

// Tasks (threads) alive in the system: the fourth field of /proc/loadavg is "running/total".
std::optional<std::uint64_t> tasks_alive() {
  std::ifstream in("/proc/loadavg");
  std::string a, b, c, rt;
  if (!(in >> a >> b >> c >> rt)) return std::nullopt;
  const auto slash = rt.find('/');
  if (slash == std::string::npos) return std::nullopt;
  try {
    return std::stoull(rt.substr(slash + 1));
  } catch (...) {
    return std::nullopt;
  }
}

}  // namespace

std::optional<std::uint64_t> smaps_rollup_bytes(pid_t pid, const std::string& field) {
  return kb_field(fmt::format("/proc/{}/smaps_rollup", pid), field);
}

std::optional<std::uint64_t> status_bytes(pid_t pid, const std::string& field) {
  return kb_field(fmt::format("/proc/{}/status", pid), field);
}

SpawnHeadroom spawn_headroom() {
  SpawnHeadroom h;
  h.units = std::numeric_limits<std::uint64_t>::max();
  auto consider = [&](std::uint64_t room, std::string why) {
    if (room < h.units) {
      h.units = room;
      h.limited_by = std::move(why);
    }
  };
  const std::uint64_t alive = tasks_alive().value_or(0);
  // RLIMIT_NPROC counts the real user's tasks; root (CAP_SYS_RESOURCE/CAP_SYS_ADMIN) is exempt.
  rlimit rl{};
  if (geteuid() != 0 && getrlimit(RLIMIT_NPROC, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY) {
    // Counting only this user's tasks would need a walk of /proc; all tasks is an upper bound
    // on their number, so the headroom is never overstated.
    const std::uint64_t lim = rl.rlim_cur;
    consider(lim > alive ? lim - alive : 0,
             fmt::format("RLIMIT_NPROC={} (counted against all {} tasks on the machine, an "
                         "upper bound on this user's)",
                         lim, alive));
  }
  if (auto pid_max = read_number("/proc/sys/kernel/pid_max"))
    consider(*pid_max > alive ? *pid_max - alive : 0, fmt::format("pid_max={}", *pid_max));
  if (auto threads_max = read_number("/proc/sys/kernel/threads-max"))
    consider(*threads_max > alive ? *threads_max - alive : 0,
             fmt::format("threads-max={}", *threads_max));
  // pids.max binds on this process's cgroup or any above it (v1 or v2): the level with the
  // least room left, whose pids.current counts the siblings' tasks too.
  if (const auto cg = core::cgroup_room(core::CgroupCounter::pids))
    consider(cg->room(),
             fmt::format("cgroup pids.max={} at {} ({} in use)", cg->limit, cg->cgroup, cg->usage));
  return h;
}

}  // namespace illusion::labs::processes
