// Running another program to completion: the peer tools `illusion verify` compares with
// (strace, perf, fio, hyperfine, cyclictest) and its own child modes.
//
// The program runs in its own process group, registered with the cleanup registry, so Ctrl-C
// or a timeout kills it and whatever it forked (perf bench's second process, fio's job
// processes) rather than leaving them to run on. Its stdin is /dev/null; stdout and stderr go
// to files in a TempDir, read back and removed before run_command returns.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "core/resources.h"

namespace illusion::core {

struct CommandOptions {
  std::vector<std::string> extra_env;  // "NAME=value", replacing NAME in the inherited environment
  std::chrono::milliseconds timeout{std::chrono::seconds(20)};
  bool keep_stdout = false;  // false: stdout goes to /dev/null
};

struct CommandRun {
  int spawn_error = 0;           // errno from posix_spawnp: ENOENT for a program not installed
  std::optional<int> exit_code;  // empty when killed by a signal (or never started)
  int signal = 0;                // the signal that ended it, 0 when it exited
  bool timed_out = false;
  std::string out;  // stdout when keep_stdout
  std::string err;  // stderr
  double wall_s = 0;

  bool ok() const { return spawn_error == 0 && exit_code == 0 && !timed_out; }
};

// Runs argv[0] (looked up in PATH) with argv, waits for it, kills its process group after
// `timeout`. Never throws for a program that is missing or fails; throws std::system_error when
// the temp files cannot be made.
CommandRun run_command(const std::vector<std::string>& argv, TempDir& tmp,
                       const CommandOptions& options = {});

// Why a run gave nothing usable, in words ("fio is not installed", "perf exited with status 1:
// <its last line on stderr>"), or "" when it ran fine. `tool` names it.
std::string command_failure(const std::string& tool, const CommandRun& run);

// The last non-blank line of `text`, or "no message".
std::string last_line(const std::string& text);

// Is `program` an executable file in PATH (or, with a slash, at that path)?
bool program_in_path(const std::string& program);

}  // namespace illusion::core
