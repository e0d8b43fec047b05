// The simulated frame loop behind vm.frame_loop_faults: frames paced at a fixed rate with
// clock_nanosleep(TIMER_ABSTIME), each doing a fixed amount of work on resident memory, and
// optionally first-touch faults or one major fault on top, so what a fault does to a frame
// budget can be read off frame by frame.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/clock.h"
#include "core/counters.h"
#include "core/fd.h"
#include "core/mapping.h"
#include "core/timer_slack.h"

namespace illusion::labs::vm {

using core::TimerSlackGuard;  // 1 ns timer slack while measuring lateness

// The frame's fixed work: `passes` read-modify-write passes over every cache line of a
// resident buffer (populated at construction, so the work itself never faults).
class FrameWork {
 public:
  FrameWork(std::size_t buffer_bytes, std::uint64_t passes);
  // Picks the number of passes that takes about `target_ns` on this machine now.
  void calibrate(const core::Clock& clock, double target_ns);
  void run() const;
  std::uint64_t passes() const { return passes_; }
  std::size_t buffer_bytes() const { return mem_.size(); }

 private:
  core::Mapping mem_;
  std::uint64_t passes_;
};

// A page of a file evicted from the page cache, mapped so that reading it is a major fault.
// The file is an O_TMPFILE in `dir` (or a name unlinked at once), so no path is left behind on
// any exit; the mapping and descriptor are released on destruction.
class EvictedFilePage {
 public:
  // Returns null with `why` set when the page could not be evicted (tmpfs, a refusal of
  // posix_fadvise(POSIX_FADV_DONTNEED), an unusable directory).
  static std::unique_ptr<EvictedFilePage> make(const std::string& dir, std::string& why);
  ~EvictedFilePage();
  EvictedFilePage(const EvictedFilePage&) = delete;
  EvictedFilePage& operator=(const EvictedFilePage&) = delete;
  const volatile char* page() const { return map_ + offset_; }
  bool resident() const;  // mincore(2) on the page, right now

 private:
  EvictedFilePage() = default;
  core::Fd fd_;
  char* map_ = nullptr;
  std::size_t bytes_ = 0, offset_ = 0;
};

struct FrameLoopConfig {
  double period_ns = 1e9 / 90;
  int frames = 90;
  // First-touch faults: each frame writes one byte in each of `fresh_pages_per_frame` pages of
  // `fresh` (never touched before, frames x pages x 4 KiB long).
  char* fresh = nullptr;
  std::size_t fresh_pages_per_frame = 0;
  // One major fault: frame `major_frame` reads `major_page`.
  int major_frame = -1;
  const volatile char* major_page = nullptr;
  bool counters = false;  // a CounterWindow around the frames (per-frame counts)
};

struct FrameRecord {
  double work_ns = 0;       // the frame's work (fixed work + its faults), ctx clock
  double span_ns = 0;       // scheduled start to end: what the deadline sees
  double wake_late_ns = 0;  // how late clock_nanosleep returned
  std::uint64_t minor_faults = 0, major_faults = 0;  // getrusage(RUSAGE_THREAD) deltas
  bool missed = false;      // work > period, or the end past the deadline
};

struct FrameLoopRun {
  std::vector<FrameRecord> frames;
  std::unique_ptr<core::CounterWindow> window;
  int missed() const;
  // Missed frames that started more than `late_ns` late: the CPU was busy elsewhere when the
  // frame was due, so the miss is not (only) the frame's own work.
  int missed_late_start(double late_ns) const;
  double worst_span_ns() const;
  double worst_work_ns() const;
  double mean_work_ns() const;
  double mean_minor_faults() const;
};

// Runs the frames on the calling thread. The caller holds a TimerSlackGuard.
FrameLoopRun run_frame_loop(const core::Clock& clock, const FrameWork& work,
                            const FrameLoopConfig& cfg);

}  // namespace illusion::labs::vm
