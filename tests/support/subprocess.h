// Runs a program with captured stdout/stderr for end-to-end tests (the hyperfine way: assert
// on exit status and on the text a user would read).
#pragma once

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "core/resources.h"

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

// argv[0] is the program path. `env_extra` entries ("NAME=value") are added to the environment.
inline Outcome run_program(const std::vector<std::string>& argv,
                           const std::vector<std::string>& env_extra = {}) {
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
  std::vector<std::string> env_strings;
  for (char** e = environ; *e; ++e) env_strings.emplace_back(*e);
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

}  // namespace illusion::testing
