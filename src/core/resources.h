// Resources a lab borrows from the machine, and the promise to give them back.
//
// A TempDir is a private mkdtemp(3) directory. On SIGINT/SIGTERM the handler empties it with
// async-signal-safe calls only (getdents64 into a static buffer, unlinkat, rmdir: no
// allocation, no nftw) before the process exits with 128+signal. Labs keep plain files there
// (no subdirectories); registering a file is optional and only makes its removal certain when
// the directory listing cannot be read.
// Sizes are parsed from text ("64K", "512M", "1G", "4096") with errors that name the problem.
#pragma once

#include <sys/types.h>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace illusion::core {

// Installs the cleanup handlers for SIGINT, SIGTERM and SIGPIPE (idempotent).
void install_cleanup_handlers();

// Registers a child process to be killed (SIGKILL) and reaped if the run is interrupted.
// Throws (after killing and reaping `pid`) if the registry is full.
void register_child(pid_t pid);
void unregister_child(pid_t pid);

// In a freshly forked child of `parent` (its getpid() before the fork): restore the default
// actions of SIGINT, SIGTERM and SIGPIPE and unblock them, and die with the parent
// (PR_SET_PDEATHSIG): a child forked in the instant an interrupt ends the run, too late to be
// registered, must not outlive it. Fork from a thread that lives as long as the child: the
// kernel sends the death signal when the forking thread exits.
void reset_signals_in_child(pid_t parent);

// Called when an interrupt begins: from now on register_child kills the child it is given at
// once and throws, so an experiment still running cannot start children the cleanup misses.
void stop_registering_children();

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

// Parses "4096", "64K", "64KiB", "512M", "1G", "2T" (powers of 1024). Throws UsageError for
// empty text, negative numbers, unknown suffixes, zero when !allow_zero, and overflow.
std::uint64_t parse_size(std::string_view text, bool allow_zero = false);

// "64 KiB", "1.5 GiB": for messages and tables.
std::string format_size(std::uint64_t bytes);

// MemAvailable from /proc/meminfo, or less when a memory limit on this process's cgroup or
// one above it (v1 or v2: core/cgroup_limits.h) leaves less room; 0 when unknown.
std::uint64_t available_memory_bytes();
// Free bytes for an unprivileged user on the filesystem holding `path` (statvfs f_bavail).
std::uint64_t free_disk_bytes(const std::string& path);

// The address space left under RLIMIT_AS (`ulimit -v`): the limit less what is mapped already
// (VmSize). Past it mmap(2) fails with ENOMEM however much memory is free, and every thread's
// stack (8 MiB by default) counts against it. nullopt when there is no limit.
struct AddressSpace {
  std::uint64_t limit = 0, mapped = 0, room = 0;
};
std::optional<AddressSpace> address_space_room();

// Throw std::runtime_error with a clear message when there is not enough room (keeping a
// margin: 256 MiB of memory, 5% of disk). `mapped`: the caller maps the bytes into this
// process, so they must also fit under RLIMIT_AS (with 64 MiB spare); false for memory the
// process does not map, such as a file kept in the page cache.
void require_free_memory(std::uint64_t bytes, const std::string& what, bool mapped = true);
void require_free_disk(const std::string& path, std::uint64_t bytes, const std::string& what);

}  // namespace illusion::core
