// The timed part of a write row: 4 KiB ops of the pattern, sequential from offset 0, until the
// file's capacity or the row's time share is used up, whichever comes first.
//
// Each op is timed on its own, two clock readings around it (the clock's own cost, measured at
// start-up, subtracted once): a durable op waits milliseconds for the device, so the readings
// cost nothing that matters, and the pattern for the next ops is generated outside them. The
// pattern is generated 1 MiB at a time with the counter window paused, so the counters (and
// the getrusage voluntary switches, which show the waits for the device) cover the ops only.
#pragma once

#include <algorithm>
#include <cstdint>
#include <functional>
#include <numeric>
#include <vector>

#include "core/clock.h"
#include "core/counters.h"
#include "mmap_vs_read/write_file.h"

namespace illusion::labs::mmap_vs_read::writes {

struct TimedWrites {
  std::vector<double> op_ns;  // one value per op, clock overhead subtracted
  std::uint64_t bytes = 0;    // written, from offset 0: [0, bytes)
  bool hit_cap = false;       // stopped at the capacity (else at the time share)

  double busy_ns() const { return std::accumulate(op_ns.begin(), op_ns.end(), 0.0); }
  double ops() const { return static_cast<double>(op_ns.size()); }
};

// `op(block, offset)` writes kWriteBlock bytes from `block` at `offset` (and whatever else the
// row adds to make it durable); it throws on failure. `progress` hears the fraction done.
template <class Op>
TimedWrites timed_writes(const core::Clock& clock, std::uint64_t capacity, double share_ns,
                         core::CounterWindow& window, Op&& op,
                         const std::function<void(double)>& progress = {}) {
  TimedWrites out;
  out.op_ns.reserve(capacity / kWriteBlock);
  AlignedBuffer chunk(kWriteChunk);
  const double overhead_ns = clock.info().overhead_ns;
  const double start = clock.now_ns();
  bool out_of_time = false;
  for (std::uint64_t base = 0; base < capacity && !out_of_time; base += kWriteChunk) {
    const std::size_t len =
        static_cast<std::size_t>(std::min<std::uint64_t>(kWriteChunk, capacity - base));
    fill_pattern(chunk.data(), base, len);
    if (base == 0)
      window.start();
    else
      window.resume();
    for (std::size_t i = 0; i + kWriteBlock <= len; i += kWriteBlock) {
      const double t0 = clock.now_ns();
      op(static_cast<const char*>(chunk.data() + i), base + i);
      const double t1 = clock.now_ns();
      out.op_ns.push_back(t1 - t0 - overhead_ns);
      out.bytes += kWriteBlock;
      if (t1 - start >= share_ns) {
        out_of_time = true;
        break;
      }
    }
    window.stop();
    if (progress) {
      const double by_bytes = static_cast<double>(out.bytes) / static_cast<double>(capacity);
      progress(std::min(1.0, std::max(by_bytes, (clock.now_ns() - start) / share_ns)));
    }
  }
  out.hit_cap = out.bytes >= capacity;
  return out;
}

}  // namespace illusion::labs::mmap_vs_read::writes
