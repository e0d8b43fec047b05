// Runs a program with captured stdout/stderr for end-to-end tests (the hyperfine way: assert
// on exit status and on the text a user would read).
#pragma once

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "core/resources.h"
#include "core/run_lock.h"

extern char** environ;

namespace illusion::testing {

struct Outcome {
  int exit_code = -1;  // -1: killed by a signal
  std::string out, err;
};

inline std::string slurp(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Every `illusion run` takes the machine's run lock (core/run_lock.h), so tests running in
// parallel, or beside someone's real run, would warn about and record each other. Each test
// process gives the programs it starts a lock file of its own, removed when it exits; the
// lock's own tests (run_lock_test.cpp) name theirs in env_extra, which takes precedence.
class PrivateRunLock {
 public:
  PrivateRunLock()
      : path_((std::filesystem::temp_directory_path() /
               ("illusion-test-lock." + std::to_string(getpid())))
                  .string()) {}
  ~PrivateRunLock() { unlink(path_.c_str()); }
  PrivateRunLock(const PrivateRunLock&) = delete;
  PrivateRunLock& operator=(const PrivateRunLock&) = delete;
  std::string entry() const { return std::string(core::kRunLockPathEnv) + "=" + path_; }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};
inline const PrivateRunLock private_run_lock;

inline std::vector<std::string> with_private_run_lock(std::vector<std::string> env_extra) {
  const std::string name = std::string(core::kRunLockPathEnv) + "=";
  for (const std::string& e : env_extra)
    if (e.compare(0, name.size(), name) == 0) return env_extra;
  env_extra.push_back(private_run_lock.entry());
  return env_extra;
}

// argv[0] is the program path. `env_extra` entries ("NAME=value") are added to the environment,
// replacing any of the same name.
inline Outcome run_program(const std::vector<std::string>& argv,
                           const std::vector<std::string>& env_extra_given = {}) {
  const std::vector<std::string> env_extra = with_private_run_lock(env_extra_given);
  core::TempDir tmp;
  const std::string out_path = tmp.register_file("stdout");
  const std::string err_path = tmp.register_file("stderr");
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&fa, 1, out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  posix_spawn_file_actions_addopen(&fa, 2, err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  // An entry of env_extra replaces the inherited one of the same name (getenv and PATH
  // lookup take the first, so an appended duplicate would be ignored).
  const auto name_of = [](const std::string& e) { return e.substr(0, e.find('=')); };
  std::vector<std::string> env_strings;
  for (char** e = environ; *e; ++e) {
    bool replaced = false;
    for (const auto& x : env_extra) replaced = replaced || name_of(x) == name_of(*e);
    if (!replaced) env_strings.emplace_back(*e);
  }
  for (const auto& e : env_extra) env_strings.push_back(e);
  std::vector<char*> envp;
  for (auto& e : env_strings) envp.push_back(e.data());
  envp.push_back(nullptr);
  pid_t pid = -1;
  Outcome o;
  if (posix_spawnp(&pid, args[0], &fa, nullptr, args.data(), envp.data()) == 0) {
    int status = 0;
    waitpid(pid, &status, 0);
    o.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  }
  posix_spawn_file_actions_destroy(&fa);
  o.out = slurp(out_path);
  o.err = slurp(err_path);
  return o;
}

inline Outcome run_illusion(std::vector<std::string> args,
                            const std::vector<std::string>& env_extra = {}) {
  args.insert(args.begin(), ILLUSION_BINARY);
  return run_program(args, env_extra);
}

// illusion started in the background, for tests that act on it while it runs (signals, killing
// its children): stdin and stdout /dev/null, stderr to `err_path` (progress lines, readable
// while it runs), `env_extra` entries override the environment. pid -1 if it could not start.
inline pid_t start_illusion(std::vector<std::string> args,
                            const std::vector<std::string>& env_extra_given,
                            const std::string& err_path) {
  const std::vector<std::string> env_extra = with_private_run_lock(env_extra_given);
  args.insert(args.begin(), ILLUSION_BINARY);
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_addopen(&fa, 2, err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  std::vector<char*> argv;
  for (std::string& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  std::vector<std::string> env_strings = env_extra;
  for (char** e = environ; *e; ++e) {
    const std::string entry = *e;
    bool overridden = false;
    for (const std::string& x : env_extra)
      overridden = overridden || entry.compare(0, x.find('=') + 1, x, 0, x.find('=') + 1) == 0;
    if (!overridden) env_strings.push_back(entry);
  }
  std::vector<char*> envp;
  for (std::string& e : env_strings) envp.push_back(e.data());
  envp.push_back(nullptr);
  pid_t pid = -1;
  if (posix_spawn(&pid, argv[0], &fa, nullptr, argv.data(), envp.data()) != 0) pid = -1;
  posix_spawn_file_actions_destroy(&fa);
  return pid;
}

// Polls until `pid` exits or `limit` passes (then kills and reaps it), calling `tick()` between
// polls. The exit code; -1 when it died of a signal or was killed for taking too long.
template <class Tick>
int wait_polling(pid_t pid, std::chrono::seconds limit, Tick&& tick, bool* timed_out = nullptr) {
  const auto start = std::chrono::steady_clock::now();
  int status = 0;
  while (std::chrono::steady_clock::now() - start < limit) {
    if (waitpid(pid, &status, WNOHANG) == pid) {
      if (timed_out) *timed_out = false;
      return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    }
    tick();
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  kill(pid, SIGKILL);
  waitpid(pid, &status, 0);
  if (timed_out) *timed_out = true;
  return -1;
}

}  // namespace illusion::testing
