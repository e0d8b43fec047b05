#include "mmap_vs_read/io_pass.h"

#include <algorithm>
#include <numeric>

#include <fmt/format.h>

#include "core/measure.h"

namespace illusion::labs::mmap_vs_read {

PassTimer::PassTimer(const core::Clock& clock, std::size_t ops_hint)
    : clock_(clock),
      overhead_ns_(clock.info().overhead_ns),
      block_(std::max<std::size_t>(1, ops_hint / (8 * kCountEvery))) {
  // Written once, not just reserved: the vector's own first-touch faults would otherwise land
  // inside the ops (128 faults for 65,536 ops) and be counted as the reader's.
  ns_.resize(ops_hint);
  ns_.clear();
  next_switch_ = block_;  // op 0 starts a counted block
}

PassTimer::~PassTimer() = default;

std::size_t PassTimer::counted_below(std::size_t n) const {
  const std::size_t period = block_ * kCountEvery;
  return n / period * block_ + std::min(n % period, block_);
}

void PassTimer::open_counters() {
  window_ = std::make_unique<core::CounterWindow>(/*enabled=*/true);
  window_->start();
  window_running_ = true;
}

void PassTimer::close_counters() {
  if (!window_) return;
  if (window_running_) window_->stop();
  window_running_ = false;
  // Per op 1 gives the block's totals, which add up over the blocks.
  core::Result block;
  window_->write_per_op(block, 1.0);
  window_.reset();
  for (const core::CounterValue& c : block.counters) {
    auto it = std::find_if(totals_.begin(), totals_.end(),
                           [&](const core::CounterValue& t) { return t.name == c.name; });
    if (it == totals_.end()) {
      totals_.push_back(c);
    } else if (it->per_op && c.per_op) {
      *it->per_op += *c.per_op;
    } else {
      it->per_op.reset();  // a block that could not count makes the total unknown, not low
    }
  }
  for (std::string& w : block.warnings)
    if (std::find(count_warnings_.begin(), count_warnings_.end(), w) == count_warnings_.end())
      count_warnings_.push_back(std::move(w));
}

void PassTimer::switch_counting() {
  const std::size_t next = ns_.size();
  const std::size_t period = block_ * kCountEvery;
  if (counted(next)) {
    open_counters();
    next_switch_ = next / period * period + block_;
  } else {
    close_counters();
    next_switch_ = (next / period + 1) * period;
  }
  // The counters' own set-up and reading are no op's time.
  last_ = clock_.now_ns();
}

void PassTimer::begin_pass() {
  pass_first_op_ = ns_.size();
  if (counted(ns_.size())) {
    if (!window_)
      open_counters();
    else if (!window_running_) {
      window_->resume();
      window_running_ = true;
    }
  }
  last_ = clock_.now_ns();
}

void PassTimer::end_pass(std::uint64_t bytes) {
  if (window_ && window_running_) {
    window_->stop();
    window_running_ = false;
  }
  const double all = static_cast<double>(ns_.size() - pass_first_op_);
  const double in_counted =
      static_cast<double>(counted_below(ns_.size()) - counted_below(pass_first_op_));
  const auto b = static_cast<double>(bytes);
  bytes_ += b;
  // The pass's bytes shared over its ops: the timed ones' share goes into the throughput.
  timed_bytes_ += all > 0 ? b * (all - in_counted) / all : 0;
  ++passes_;
}

double PassTimer::busy_ns() const {
  double timed = 0;
  for (std::size_t i = 0; i < ns_.size(); ++i)
    if (!counted(i)) timed += ns_[i];
  const double all = static_cast<double>(ns_.size());
  const double share = all > 0 ? (all - static_cast<double>(counted_ops())) / all : 0;
  return timed + setup_ns_ * share;
}

void PassTimer::finish(core::Result& r, const std::string& op_words) {
  close_counters();

  std::vector<double> timed;
  timed.reserve(ns_.size());
  for (std::size_t i = 0; i < ns_.size(); ++i)
    if (!counted(i)) timed.push_back(ns_[i]);
  const double counted_n = static_cast<double>(counted_ops());
  double bytes = timed_bytes_;
  double busy = busy_ns();
  if (timed.empty() && !ns_.empty()) {
    // The row ended inside its first counted block: its ops were all timed with the counters
    // open. Kept, and said, rather than reporting no time at all.
    timed = ns_;
    bytes = bytes_;
    busy = std::accumulate(ns_.begin(), ns_.end(), 0.0) + setup_ns_;
    r.warnings.push_back(fmt::format(
        "all {} ops fell in the first counted block, so they were timed with the perf counters "
        "open (which add to faults and switches)",
        ns_.size()));
  }
  const double ops = static_cast<double>(timed.size());
  core::finish_result(r, std::move(timed), ops, nullptr);
  for (const core::CounterValue& c : totals_) {
    std::optional<double> per_op;
    if (c.per_op && counted_n > 0) per_op = *c.per_op / counted_n;
    r.counters.push_back({c.name, per_op});
  }
  for (const std::string& w : count_warnings_) r.warnings.push_back(w);
  if (counted_n == 0) r.warnings.push_back("no op was counted: counters are not reported per op");
  r.add_param("op", op_words);
  r.add_param("passes", static_cast<double>(passes_));
  r.add_param("clock_overhead_subtracted_ns", overhead_ns_);
  r.add_param("counted_ops", counted_n);
  r.add_param("counters",
              fmt::format("counted on one block of {} ops in every {} blocks (counted_ops ops "
                          "in all), spread over the passes and left out of the stats: no perf "
                          "event is open while an op is timed",
                          block_, kCountEvery));
  r.add_metric("throughput_gbps", gb_per_s(bytes, busy), "GB/s");
  if (ops > 0) r.add_metric("bytes_per_op", bytes / ops, "B");
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
  // Two passes either way: a 512 MiB file read in 4 KiB calls is ~130,000 ops a pass, far more
  // than a median to ±1% needs; a third warm pass cost ~0.9 s of the headline run.
  return 2;
}

}  // namespace illusion::labs::mmap_vs_read
