// Timing the ops of passes over the test file, and turning them into a result.
//
// One clock reading per op: each reading ends one op and starts the next, so a pass of n ops
// costs n+1 readings and the op times add up to the pass's wall time. The clock's own cost
// (measured at start-up, ~30 ns on the dev VM) is subtracted from every op, so a 4 KiB read's
// figure is the read's, not the read's plus the clock's.
//
// Counting is kept apart from timing: an open perf event adds work to every fault and to every
// switch a disk wait causes (about a microsecond per switch here), so no event is open while an
// op is timed. Instead every kCountEvery-th block of ops is counted and left out of the stats:
// the counters (perf software and hardware events, getrusage) are opened before the block and
// closed after it, outside any timed op. The blocks are spread over every pass, so the counted
// ops see the same set-up (eviction before a cold pass) and the same state within a pass
// (readahead, fault-around) as the timed ones, and per-op counts stand for the whole row.
// Between passes the counters are stopped, so warming or eviction stays out of them.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/clock.h"
#include "core/counters.h"
#include "core/profile.h"
#include "core/result.h"

namespace illusion::labs::mmap_vs_read {

class PassTimer {
 public:
  // One block of ops in this many is counted (and not timed).
  static constexpr std::size_t kCountEvery = 8;

  // `ops_hint`: the number of ops all passes will time (allocated and written up front, so
  // that recording an op never allocates or faults inside a pass); it also sets the counted
  // blocks' length (about 1/64 of the hint, so about eight blocks are counted).
  PassTimer(const core::Clock& clock, std::size_t ops_hint);
  ~PassTimer();
  PassTimer(const PassTimer&) = delete;
  PassTimer& operator=(const PassTimer&) = delete;

  void begin_pass();  // counters on if the next op is counted, first reading
  // Ends the op that began at the previous reading; opens or closes the counters between ops
  // where a counted block begins or ends.
  void op_done() {
    const double t = clock_.now_ns();
    ns_.push_back(t - last_ - overhead_ns_);
    last_ = t;
    if (ns_.size() == next_switch_) switch_counting();
  }
  // Counters stopped; `bytes` is what the pass delivered to the reader.
  void end_pass(std::uint64_t bytes);
  // Time a pass spent outside its ops that still belongs to the reader's cost (mmap(2) with
  // MAP_POPULATE, munmap(2) at the end): counted in the throughput, not in the op stats, and
  // reported as the metric setup_ns (total over passes).
  void add_setup_ns(double ns) { setup_ns_ += ns; }

  std::size_t ops() const { return ns_.size(); }  // every op, counted ones included
  std::size_t counted_ops() const { return counted_below(ns_.size()); }
  std::size_t passes() const { return passes_; }
  double bytes() const { return bytes_; }  // delivered by every op, counted ones included
  // The timed ops' times (overhead subtracted) plus their share of the setup time.
  double busy_ns() const;
  // Every op's time, counted ones included (for a row's time share).
  const std::vector<double>& op_ns() const { return ns_; }
  // Whether op `index` is (or would be) counted rather than timed.
  bool counted(std::size_t index) const { return index % (block_ * kCountEvery) < block_; }

  // Stats of the timed ops (ns per op), counters per counted op, and: metrics throughput_gbps
  // (the timed ops' bytes / busy time, 1 GB = 1e9 bytes), bytes_per_op, ops (timed), setup_ns
  // (when any); params op (what one op is, in words), passes, clock_overhead_subtracted_ns,
  // counted_ops, counters (how they were counted).
  // Closes the counters if the last op began a counted block.
  void finish(core::Result& r, const std::string& op_words);

 private:
  std::size_t counted_below(std::size_t n) const;  // counted ops among the first n
  void switch_counting();  // at the op boundary ns_.size(): open or close the counters
  void open_counters();
  void close_counters();  // adds what the block counted to the totals

  const core::Clock& clock_;
  double overhead_ns_;
  double last_ = 0;
  double bytes_ = 0, timed_bytes_ = 0;
  double setup_ns_ = 0;
  std::size_t passes_ = 0;
  std::size_t pass_first_op_ = 0;
  std::size_t block_ = 1;
  std::size_t next_switch_ = 0;
  std::vector<double> ns_;
  std::unique_ptr<core::CounterWindow> window_;  // only while a counted block runs
  bool window_running_ = false;
  // Totals over the counted blocks by counter name; nullopt once any block could not count.
  std::vector<core::CounterValue> totals_;
  std::vector<std::string> count_warnings_;
};

// GB/s (1e9 bytes per second) from bytes and nanoseconds: bytes per ns is GB/s.
inline double gb_per_s(double bytes, double ns) {
  return ns > 0 ? bytes / ns : 0;
}

// Passes per row: a cold pass of a 1 GiB file takes most of a second here, a warm one a tenth.
std::size_t passes_for(core::Profile p, bool cold);

}  // namespace illusion::labs::mmap_vs_read
