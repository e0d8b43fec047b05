#include "mmap_vs_read/io_pass.h"

#include <numeric>

#include <fmt/format.h>

#include "core/measure.h"

namespace illusion::labs::mmap_vs_read {

PassTimer::PassTimer(const core::Clock& clock, std::size_t ops_hint)
    : clock_(clock), overhead_ns_(clock.info().overhead_ns), window_(/*enabled=*/true) {
  // Written once, not just reserved: the vector's own first-touch faults would otherwise land
  // inside the timed ops (128 faults for 65,536 ops) and be counted as the reader's.
  ns_.resize(ops_hint);
  ns_.clear();
}

void PassTimer::begin_pass() {
  if (passes_ == 0)
    window_.start();
  else
    window_.resume();
  last_ = clock_.now_ns();
}

void PassTimer::end_pass(std::uint64_t bytes) {
  window_.stop();
  bytes_ += static_cast<double>(bytes);
  ++passes_;
}

double PassTimer::busy_ns() const {
  return std::accumulate(ns_.begin(), ns_.end(), 0.0) + setup_ns_;
}

void PassTimer::finish(core::Result& r, const std::string& op_words) const {
  const double ops = static_cast<double>(ns_.size());
  core::finish_result(r, ns_, ops, &window_);
  r.add_param("op", op_words);
  r.add_param("passes", static_cast<double>(passes_));
  r.add_param("clock_overhead_subtracted_ns", overhead_ns_);
  r.add_metric("throughput_gbps", gb_per_s(bytes_, busy_ns()), "GB/s");
  if (ops > 0) r.add_metric("bytes_per_op", bytes_ / ops, "B");
  r.add_metric("ops", ops, "ops");
  if (setup_ns_ > 0) r.add_metric("setup_ns", setup_ns_, "ns");
}

std::size_t passes_for(core::Profile p, bool cold) {
  switch (p) {
    case core::Profile::quick:
      return 1;
    case core::Profile::thorough:
      return cold ? 4 : 8;
    case core::Profile::standard:
      break;
  }
  return cold ? 2 : 3;
}

}  // namespace illusion::labs::mmap_vs_read
