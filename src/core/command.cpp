#include "core/command.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <sstream>
#include <thread>

#include <fmt/format.h>

#include "core/fd.h"
#include "core/text_file.h"

extern char** environ;

namespace illusion::core {
namespace {

std::atomic<int> g_file_counter{0};  // names the output files of concurrent runs apart

std::string env_name(const std::string& assignment) {
  return assignment.substr(0, assignment.find('='));
}

// The inherited environment with every NAME of `extra` replaced by extra's assignment.
std::vector<std::string> environment_with(const std::vector<std::string>& extra) {
  std::vector<std::string> out;
  for (char** e = environ; *e; ++e) {
    const std::string entry(*e);
    bool replaced = false;
    for (const auto& x : extra) replaced = replaced || env_name(entry) == env_name(x);
    if (!replaced) out.push_back(entry);
  }
  out.insert(out.end(), extra.begin(), extra.end());
  return out;
}

// Waits for `pid` to end until `deadline`; true (and its status) when it did. A pidfd
// (pidfd_open(2), Linux 5.3) lets this thread sleep until then: a peer pinned to the CPU this
// thread last ran on must not share it with a poll loop waking every few milliseconds.
bool wait_until(pid_t pid, std::chrono::steady_clock::time_point deadline, int& status) {
  const Fd pidfd(static_cast<int>(syscall(SYS_pidfd_open, pid, 0)));
  for (;;) {
    const pid_t r = waitpid(pid, &status, WNOHANG);
    if (r == pid) break;
    if (r < 0 && errno != EINTR) break;
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return false;
    if (pidfd.valid()) {
      pollfd p{pidfd.get(), POLLIN, 0};
      poll(&p, 1, static_cast<int>(std::min<long long>(left.count(), 60'000)));
    } else {
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
  }
  return true;
}

}  // namespace

std::string last_line(const std::string& text) {
  std::istringstream in(text);
  std::string last;
  for (std::string line; std::getline(in, line);)
    if (line.find_first_not_of(" \t\r") != std::string::npos) last = line;
  return last.empty() ? "no message" : last;
}

bool program_in_path(const std::string& program) {
  if (program.empty()) return false;
  if (program.find('/') != std::string::npos) return access(program.c_str(), X_OK) == 0;
  const char* path = std::getenv("PATH");
  std::istringstream dirs(path ? path : "/usr/bin:/bin");
  for (std::string dir; std::getline(dirs, dir, ':');) {
    const std::string candidate = (dir.empty() ? "." : dir) + "/" + program;
    struct stat st {};
    if (stat(candidate.c_str(), &st) == 0 && S_ISREG(st.st_mode) &&
        access(candidate.c_str(), X_OK) == 0)
      return true;
  }
  return false;
}

CommandRun run_command(const std::vector<std::string>& argv, TempDir& tmp,
                       const CommandOptions& options) {
  CommandRun run;
  if (argv.empty()) {
    run.spawn_error = EINVAL;
    return run;
  }
  const int n = ++g_file_counter;
  const std::string err_path = tmp.register_file(fmt::format("cmd-{}.err", n));
  const std::string out_path = tmp.register_file(fmt::format("cmd-{}.out", n));
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
  if (options.keep_stdout)
    posix_spawn_file_actions_addopen(&fa, 1, out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  else
    posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_addopen(&fa, 2, err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  // This process may ignore or block the signals the cleanup handler or the interrupt watcher
  // take; the program gets the default actions and an empty mask, as a shell would give it.
  sigset_t defaults;
  sigemptyset(&defaults);
  for (int sig : {SIGINT, SIGTERM, SIGPIPE, SIGHUP, SIGXFSZ}) sigaddset(&defaults, sig);
  sigset_t none;
  sigemptyset(&none);
  posix_spawnattr_setsigdefault(&attr, &defaults);
  posix_spawnattr_setsigmask(&attr, &none);
  posix_spawnattr_setpgroup(&attr, 0);  // its own group: killing it kills what it forked
  posix_spawnattr_setflags(&attr,
                           POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETPGROUP);

  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  std::vector<std::string> env_strings = environment_with(options.extra_env);
  std::vector<char*> envp;
  for (auto& e : env_strings) envp.push_back(e.data());
  envp.push_back(nullptr);

  const auto start = std::chrono::steady_clock::now();
  pid_t pid = -1;
  run.spawn_error = posix_spawnp(&pid, args[0], &fa, &attr, args.data(), envp.data());
  posix_spawn_file_actions_destroy(&fa);
  posix_spawnattr_destroy(&attr);
  if (run.spawn_error != 0) {
    tmp.remove_file(err_path);
    tmp.remove_file(out_path);
    return run;
  }
  register_child(pid);
  int status = 0;
  run.timed_out = !wait_until(pid, start + options.timeout, status);
  if (run.timed_out) {
    kill(-pid, SIGKILL);
    kill(pid, SIGKILL);
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
  }
  // A program that exits leaving children of its own behind (it should not) takes them along.
  kill(-pid, SIGKILL);
  unregister_child(pid);
  run.wall_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (WIFEXITED(status)) run.exit_code = WEXITSTATUS(status);
  if (WIFSIGNALED(status)) run.signal = WTERMSIG(status);
  run.err = read_text(err_path).value_or("");
  if (options.keep_stdout) run.out = read_text(out_path).value_or("");
  tmp.remove_file(err_path);
  tmp.remove_file(out_path);
  return run;
}

std::string command_failure(const std::string& tool, const CommandRun& run) {
  if (run.spawn_error == ENOENT) return tool + " is not installed";
  if (run.spawn_error != 0) return tool + " could not start: " + std::strerror(run.spawn_error);
  if (run.timed_out) return tool + " did not finish in time";
  if (run.exit_code == 0) return "";
  if (!run.exit_code)
    return fmt::format("{} was killed by signal {} ({}): {}", tool, run.signal,
                       strsignal(run.signal), last_line(run.err));
  return fmt::format("{} exited with status {}: {}", tool, *run.exit_code, last_line(run.err));
}

}  // namespace illusion::core
