// Ctrl-C, `kill` and a hang-up during a run: an orderly stop on a thread of its own.
//
// A signal handler may only make async-signal-safe calls, so it can remove temp files and kill
// children but cannot write the results finished so far (that allocates, formats and writes
// files). InterruptWatch blocks SIGINT, SIGTERM and SIGHUP in the constructing thread, and in every
// thread it creates afterwards (they inherit the mask), and waits for them with sigwait(2) on a
// watcher thread, where any code may run. On a signal the watcher kills and reaps the
// registered children, calls `on_interrupt(sig)` (the run writes its partial results there),
// removes the registered temp dirs and exits with 128 + the signal (130 for SIGINT, 143 for
// SIGTERM, 129 for SIGHUP, a dropped ssh session), as a shell expects. Settings a run changes (affinity, policy, nice) are its own
// threads' and end with the process.
//
// Construct it before any thread or child exists; children must call reset_signals_in_child(parent)
// (resources.h) to unblock the signals again.
#pragma once

#include <pthread.h>

#include <functional>
#include <string>
#include <thread>

namespace illusion::core {

// Writes `text` to fd 2 with write(2): no stdio lock, which another thread may hold.
void write_stderr(const std::string& text);

class InterruptWatch {
 public:
  using OnInterrupt = std::function<void(int sig)>;
  explicit InterruptWatch(OnInterrupt on_interrupt);
  ~InterruptWatch();  // stops watching and restores the signal mask
  InterruptWatch(const InterruptWatch&) = delete;
  InterruptWatch& operator=(const InterruptWatch&) = delete;

 private:
  void watch();

  OnInterrupt on_interrupt_;
  sigset_t old_mask_{};
  std::thread watcher_;
};

}  // namespace illusion::core
