#include "core/interrupt.h"

#include <signal.h>
#include <unistd.h>

#include <exception>
#include <string>

#include "core/resources.h"

namespace illusion::core {
namespace {

// The watcher is told to stop with this signal, sent to it alone (pthread_kill): SIGINT,
// SIGTERM and SIGHUP must keep meaning "the user wants out" until the very end.
constexpr int kStopSignal = SIGUSR2;

// The signals that end a run cleanly: Ctrl-C, kill, and a hang-up (a dropped ssh session).
bool ends_the_run(int sig) {
  return sig == SIGINT || sig == SIGTERM || sig == SIGHUP;
}

const char* signal_name(int sig) {
  return sig == SIGINT ? "SIGINT" : sig == SIGTERM ? "SIGTERM" : "SIGHUP";
}

sigset_t watched_signals() {
  sigset_t set;
  sigemptyset(&set);
  for (int sig : {SIGINT, SIGTERM, SIGHUP, kStopSignal}) sigaddset(&set, sig);
  return set;
}

}  // namespace

void write_stderr(const std::string& text) {
  std::string_view rest = text;
  while (!rest.empty()) {
    const ssize_t n = write(STDERR_FILENO, rest.data(), rest.size());
    if (n <= 0) return;  // stderr gone: nothing else to tell
    rest.remove_prefix(static_cast<std::size_t>(n));
  }
}

InterruptWatch::InterruptWatch(OnInterrupt on_interrupt) : on_interrupt_(std::move(on_interrupt)) {
  const sigset_t set = watched_signals();
  pthread_sigmask(SIG_BLOCK, &set, &old_mask_);
  watcher_ = std::thread([this] { watch(); });
}

InterruptWatch::~InterruptWatch() {
  pthread_kill(watcher_.native_handle(), kStopSignal);
  watcher_.join();
  // A SIGINT that arrived after the watcher stopped is still pending: restoring the mask
  // delivers it to the ordinary handler (install_cleanup_handlers), which still cleans up.
  pthread_sigmask(SIG_SETMASK, &old_mask_, nullptr);
}

void InterruptWatch::watch() {
  const sigset_t set = watched_signals();
  int sig = 0;
  while (sigwait(&set, &sig) != 0 || !ends_the_run(sig)) {
    if (sig == kStopSignal) return;
  }
  // Children first: a child blocked on a pipe to the parent must not outlive it, and killing
  // them now stops the experiment the main thread is waiting on from doing more work. The
  // main thread runs on meanwhile: children it forks from now on are killed as it registers
  // them, and any left unregistered die with the process (reset_signals_in_child).
  stop_registering_children();
  kill_registered_children();
  write_stderr(std::string("\nillusion: interrupted by ") + signal_name(sig) + ": stopping\n");
  try {
    if (on_interrupt_) on_interrupt_(sig);
  } catch (const std::exception& e) {
    write_stderr(std::string("illusion: could not write the partial results: ") + e.what() + "\n");
  }
  kill_registered_children();  // any the main thread registered while the files were written
  remove_registered_temp_dirs();
  _exit(128 + sig);  // no stdio flush: the main thread may hold a stream's lock
}

}  // namespace illusion::core
