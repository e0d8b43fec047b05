// Resources a lab borrows from the machine, and the promise to give them back.
//
// A TempDir is a private mkdtemp(3) directory. On SIGINT/SIGTERM/SIGHUP the handler empties it
// with async-signal-safe calls only (getdents64 into a static buffer, unlinkat, rmdir: no
// allocation, no nftw) before the process exits with 128+signal. Labs keep plain files there
// (no subdirectories); registering a file is optional and only makes its removal certain when
// the directory listing cannot be read.
// Size parsing (core/sizes.h) and the room checks (core/room.h) live in their own files; they
// are included here because most users of a TempDir check room and name sizes too.
#pragma once

#include <sys/types.h>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/room.h"
#include "core/sizes.h"

namespace illusion::core {

// Installs the cleanup handlers for SIGINT, SIGTERM, SIGHUP and SIGPIPE (idempotent).
void install_cleanup_handlers();

// Registers a child process to be killed (SIGKILL) and reaped if the run is interrupted.
// Throws (after killing and reaping `pid`) if the registry is full.
void register_child(pid_t pid);
void unregister_child(pid_t pid);

// In a freshly forked child of `parent` (its getpid() before the fork): restore the default
// actions of SIGINT, SIGTERM, SIGHUP and SIGPIPE and unblock them, and die with the parent
// (PR_SET_PDEATHSIG): a child forked in the instant an interrupt ends the run, too late to be
// registered, must not outlive it. Fork from a thread that lives as long as the child: the
// kernel sends the death signal when the forking thread exits.
void reset_signals_in_child(pid_t parent);

// Called when an interrupt begins: from now on register_child kills the child it is given at
// once and throws, so an experiment still running cannot start children the cleanup misses.
void stop_registering_children();
// True once an interrupt has begun (stop_registering_children was called): the runner starts
// no new experiment and the progress display prints nothing more.
bool run_is_stopping();
// Blocks the calling thread until the process exits (the interrupt watcher ends it): how a
// thread that finds the run stopping gets out of the way without starting anything new.
[[noreturn]] void park_until_exit();

// What an interrupted run must undo, callable from a signal handler (async-signal-safe) or from
// the interrupt watcher: SIGKILL and reap every registered child; empty and remove every live
// TempDir.
void kill_registered_children();
void remove_registered_temp_dirs();  // and the files of register_temp_file

// A file outside any TempDir (an output's temp file, renamed into place when complete) that a
// SIGINT/SIGTERM must remove. Returns a slot for unregister_temp_file, -1 if all are taken.
// Any thread may call it.
int register_temp_file(const std::string& path);
void unregister_temp_file(int slot);

class TempDir {
 public:
  // Creates "<parent>/illusion-XXXXXX" (parent defaults to $TMPDIR or /tmp), mode 0700.
  explicit TempDir(const std::string& parent = "");
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  ~TempDir();  // removes every registered file, then the directory

  const std::string& path() const { return path_; }
  // Path of a new file in the directory, registered for cleanup (the file is not created).
  std::string register_file(const std::string& name);
  // Removes one registered file now.
  void remove_file(const std::string& full_path);

 private:
  std::string path_;
  int slot_ = -1;  // index in the signal-safe registry
};

}  // namespace illusion::core
