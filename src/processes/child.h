// Child processes that are always reaped.
//
// A Child is registered with the run's signal cleanup (core::register_child), so Ctrl-C kills
// and reaps it; its destructor kills (SIGKILL) and reaps it on every other path. No zombies,
// no orphans. The child runs a function and _exits with its return value: it never returns
// into the parent's code, never runs the parent's atexit handlers or flushes its stdio.
#pragma once

#include <sys/types.h>

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "core/fd.h"
#include "core/mapping.h"

namespace illusion::labs::processes {

struct ExitStatus {
  bool exited = false;    // exited normally with `code`
  int code = 0;
  bool signaled = false;  // killed by `signal`
  int signal = 0;
  bool core_dumped = false;
  std::string describe() const;  // "exit 0", "killed by SIGSEGV"
};

ExitStatus decode_wait_status(int status);

class Child {
 public:
  // Forks; the child runs `body` and _exits with its result (or 127 if it throws).
  // Throws std::system_error when fork fails (EAGAIN: a process limit was hit).
  static Child fork(const std::function<int()>& body);
  // Adopts a pid created another way (vfork, clone, posix_spawn).
  static Child adopt(pid_t pid);

  Child(Child&& other) noexcept;
  Child& operator=(Child&& other) noexcept;
  Child(const Child&) = delete;
  Child& operator=(const Child&) = delete;
  ~Child();  // SIGKILL and reap if still running

  pid_t pid() const { return pid_; }
  // Waits (retrying EINTR) and returns how it ended; the Child is then empty.
  ExitStatus wait();

 private:
  explicit Child(pid_t pid);
  pid_t pid_ = -1;
};

// Waits for `pid` (retrying EINTR), unregisters it and decodes the status.
ExitStatus wait_for(pid_t pid);

// A pipe that carries a fixed-size value from a child to its parent.
class ValuePipe {
 public:
  ValuePipe();  // throws std::system_error
  // In the child: write `n` bytes (whole, retrying EINTR). Returns false on failure.
  bool send(const void* data, std::size_t n);
  // In the parent: read exactly `n` bytes; false when the child died before sending them.
  bool receive(void* data, std::size_t n);
  void close_read() { pipe_.read.reset(); }
  void close_write() { pipe_.write.reset(); }

 private:
  core::Pipe pipe_;
};

// The anonymous mapping the lab uses lives in core (core/mapping.h).
using core::Mapping;

// Fields of /proc/<pid>/smaps_rollup in bytes ("Rss", "Pss", ...); nullopt when unreadable.
std::optional<std::uint64_t> smaps_rollup_bytes(pid_t pid, const std::string& field);
// A "kB" field of /proc/<pid>/status in bytes ("VmRSS", "VmSize", ...).
std::optional<std::uint64_t> status_bytes(pid_t pid, const std::string& field);

// How many more processes/threads this user may create, from RLIMIT_NPROC, pid_max,
// threads-max and pids.max minus pids.current on this process's cgroup or any above it;
// `limited_by` names the tightest.
struct SpawnHeadroom {
  std::uint64_t units = 0;
  std::string limited_by;  // "RLIMIT_NPROC=4096", "cgroup pids.max=1000 at /user.slice (12 in use)"
};
SpawnHeadroom spawn_headroom();

}  // namespace illusion::labs::processes
