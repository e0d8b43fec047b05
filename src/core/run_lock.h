// One measuring run per machine at a time, or a record that there were two.
//
// Two illusion runs at once measure each other: each one's children, spinners and test files
// load the CPUs, caches and disk the other is timing. A run takes flock(2) on one machine-wide
// file for as long as it measures; a run that finds it taken says so (stderr and the run's
// environment record, EnvInfo::concurrent_run) or, when asked, waits for it. Why one fixed
// path, how the file is opened, and what a forked child does with the lock: run_lock.cpp.
#pragma once

#include <cstddef>
#include <string>

#include "core/fd.h"
#include "core/host_behaviour.h"

namespace illusion::core {

// Where every run looks: /tmp/illusion.lock, or the value of this environment variable when it
// is set and not empty. The variable is for tests only (a test holds a lock of its own without
// meeting other runs on the machine); a user who sets it hides runs from each other.
inline constexpr const char* kRunLockPathEnv = "ILLUSION_LOCK_PATH";
inline constexpr const char* kRunLockPath = "/tmp/illusion.lock";
std::string run_lock_path();

class RunLock {
 public:
  // Opens the lock file and tries to take the lock without blocking. Never throws: a file that
  // cannot be opened leaves the run unlocked, with the reason in fact().
  RunLock();
  ~RunLock();  // the holder unlinks the file: nothing is left in /tmp
  RunLock(const RunLock&) = delete;
  RunLock& operator=(const RunLock&) = delete;

  // Another run holds the lock: this one measures alongside it unless it calls wait().
  bool busy() const { return busy_; }
  // "pid N" of the run that holds the lock, as it wrote it in the file; "" when not known.
  const std::string& holder() const { return holder_; }

  // Measuring anyway: leaves this run's pid in the file, where the holder finds it at its end.
  void measure_alongside();

  // Blocks until the holder ends, then holds the lock. SIGINT, SIGTERM and SIGHUP still end the
  // process while it waits (the cleanup handler runs in the middle of flock(2) and exits).
  void wait();

  // Whether another illusion run measured at the same time as this one, so far: true (it held
  // the lock when this run started, or it started later and left its pid in the file), false
  // (this run held the lock and no other run said it was measuring), unknown (no lock file).
  // Call again at the end of the run to learn of runs that started meanwhile.
  BehaviourFact concurrent_run() const;

 private:
  void become_holder();  // the lock is ours: registered for removal, our pid written
  void name_holder();    // writes our pid as the holder's

  std::string path_;
  Fd fd_;
  bool writable_ = false;  // opened read-write: pids can be written (flock needs neither)
  bool busy_ = false;
  bool held_ = false;      // this run holds the lock on the file the path names
  int cleanup_slot_ = -1;  // the path's slot in the interrupt cleanup (resources.h)
  std::string holder_;
  std::size_t own_lines_ = 0;  // lines in the file when the lock became ours: ours, or stale
  std::string waited_for_;     // the holder wait() waited for, for the evidence
  std::string unavailable_;    // why there is no lock ("" when there is a descriptor)
};

}  // namespace illusion::core
