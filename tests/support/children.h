// Finding what a program left behind in the process table. A Subreaper makes the test process
// adopt every orphan of the processes it starts (PR_SET_CHILD_SUBREAPER), so a process that
// illusion failed to kill shows up here as a child, where it can be counted and reaped.
#pragma once

#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "support/files.h"
#include "support/subprocess.h"

namespace illusion::testing {

class Subreaper {
 public:
  Subreaper() { prctl(PR_SET_CHILD_SUBREAPER, 1); }
  ~Subreaper() { prctl(PR_SET_CHILD_SUBREAPER, 0); }
  Subreaper(const Subreaper&) = delete;
  Subreaper& operator=(const Subreaper&) = delete;
};

// The pids whose parent is `parent`, from /proc.
inline std::vector<pid_t> children_of(pid_t parent) {
  std::vector<pid_t> out;
  const std::string wanted = "\nPPid:\t" + std::to_string(parent) + "\n";
  for (const std::string& name : dir_entries("/proc")) {
    if (name.find_first_not_of("0123456789") != std::string::npos) continue;
    if (slurp("/proc/" + name + "/status").find(wanted) != std::string::npos)
      out.push_back(static_cast<pid_t>(std::stoi(name)));
  }
  return out;
}

// Reaps the children this process still has, giving them `grace` to exit by themselves (a
// child forked at the instant its parent died notices and exits at once), then kills the rest.
// Returns how many had to be killed: the processes that were really left running.
inline int reap_leftovers(std::chrono::milliseconds grace = std::chrono::milliseconds(1000)) {
  const auto deadline = std::chrono::steady_clock::now() + grace;
  int killed = 0;
  for (;;) {
    const pid_t pid = waitpid(-1, nullptr, WNOHANG);
    if (pid > 0) continue;       // exited on its own: reaped, not counted
    if (pid < 0) return killed;  // ECHILD: none left
    if (killed == 0 && std::chrono::steady_clock::now() >= deadline) {
      for (pid_t child : children_of(getpid())) {
        kill(child, SIGKILL);
        ++killed;
      }
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

}  // namespace illusion::testing
