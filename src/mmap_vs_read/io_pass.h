// Timing the ops of passes over the test file, and turning them into a result.
//
// One clock reading per op: each reading ends one op and starts the next, so a pass of n ops
// costs n+1 readings and the op times add up to the pass's wall time. The clock's own cost
// (measured at start-up, ~30 ns on the dev VM) is subtracted from every op, so a 4 KiB read's
// figure is the read's, not the read's plus the clock's. Counters (perf software events and
// getrusage) count only while a pass runs: the warming or eviction between passes stays out.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "core/clock.h"
#include "core/counters.h"
#include "core/profile.h"
#include "core/result.h"

namespace illusion::labs::mmap_vs_read {

class PassTimer {
 public:
  // `ops_hint`: the number of ops all passes will time (allocated and written up front, so
  // that recording an op never allocates or faults inside a pass).
  PassTimer(const core::Clock& clock, std::size_t ops_hint);

  void begin_pass();  // counters on, first reading
  // Ends the op that began at the previous reading.
  void op_done() {
    const double t = clock_.now_ns();
    ns_.push_back(t - last_ - overhead_ns_);
    last_ = t;
  }
  // Counters off; `bytes` is what the pass delivered to the reader.
  void end_pass(std::uint64_t bytes);
  // Time a pass spent outside its ops that still belongs to the reader's cost (mmap(2) with
  // MAP_POPULATE, munmap(2) at the end): counted in the throughput, not in the op stats, and
  // reported as the metric setup_ns (total over passes).
  void add_setup_ns(double ns) { setup_ns_ += ns; }

  std::size_t ops() const { return ns_.size(); }
  std::size_t passes() const { return passes_; }
  double bytes() const { return bytes_; }
  double busy_ns() const;  // sum of the op times (overhead subtracted) plus setup time
  const std::vector<double>& op_ns() const { return ns_; }

  // Stats (ns per op), counters per op, and: metrics throughput_gbps (bytes / busy time,
  // 1 GB = 1e9 bytes), bytes_per_op, ops, setup_ns (when any); params op (what one op is, in
  // words), passes, clock_overhead_subtracted_ns.
  void finish(core::Result& r, const std::string& op_words) const;

 private:
  const core::Clock& clock_;
  double overhead_ns_;
  double last_ = 0;
  double bytes_ = 0;
  double setup_ns_ = 0;
  std::size_t passes_ = 0;
  std::vector<double> ns_;
  core::CounterWindow window_;
};

// GB/s (1e9 bytes per second) from bytes and nanoseconds: bytes per ns is GB/s.
inline double gb_per_s(double bytes, double ns) {
  return ns > 0 ? bytes / ns : 0;
}

// Passes per row: a cold pass of a 1 GiB file takes most of a second here, a warm one a tenth.
std::size_t passes_for(core::Profile p, bool cold);

}  // namespace illusion::labs::mmap_vs_read
