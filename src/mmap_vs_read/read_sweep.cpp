// Sequential read(2) passes with buffers of 4 KiB, 16 KiB, 64 KiB, 256 KiB, 1 MiB and 4 MiB.
//
// Warm: the whole file per pass, warmed before the first pass and checked (mincore) before each
// later size, warmed again only if pages went missing: every pass reads the whole file, so it
// leaves it cached for the next, and warming per pass would double the row's time. Cold: the
// first min(file, 128 MiB), evicted before every pass: enough to reach readahead's steady state
// (its window grows to a few hundred KiB within the first MiB) within the lab's budget.
//
// A pass is timed a span at a time (4 MiB warm, 16 MiB cold), each span one sample in ns/KiB, so
// samples of different buffer sizes compare; counters are per KiB too. Small buffers pay the
// syscall's fixed cost more often; buffers beyond the L2 cache turn the copy into a trip to
// memory and back, so the curve usually peaks in between.
//
// The row's stats are those of its fastest buffer size (the curve's peak, named in the params):
// a median over all six sizes would be a number no reader could use, and it moved from run to
// run with the mix rather than with any one size. Every size's throughput is in the metrics
// gbps_<size> and the series.
#include "mmap_vs_read/read_sweep.h"

#include <algorithm>
#include <array>
#include <cstdint>
#include <vector>

#include <fmt/format.h>

#include "core/counters.h"
#include "core/format.h"
#include "core/measure.h"
#include "core/resources.h"
#include "core/scratch_file.h"
#include "mmap_vs_read/io_pass.h"
#include "mmap_vs_read/read_common.h"
#include "mmap_vs_read/rows.h"

namespace illusion::labs::mmap_vs_read {
namespace {

constexpr std::array<std::size_t, 6> kBuffers = {4 * kKiB,   16 * kKiB, 64 * kKiB,
                                                 256 * kKiB, kMiB,      4 * kMiB};
constexpr std::uint64_t kColdBytesCap = 128 * kMiB;
// The bytes one sample covers: a whole number of calls for every buffer size. Cold spans are
// longer: a 4 MiB span either found readahead done or waited for the disk, so their median
// was far from the throughput; 16 MiB spans each cover many readahead windows.
constexpr std::uint64_t kWarmSpanBytes = kBuffers.back();
constexpr std::uint64_t kColdSpanBytes = 4 * kBuffers.back();

std::uint64_t span_bytes(Cache cache) {
  return cache == Cache::cold ? kColdSpanBytes : kWarmSpanBytes;
}

// Passes per buffer size. Six sizes give six times a row's samples, so the warm sweep takes one
// pass fewer per size than a warm row (1 in the default profile) to stay within the budget.
std::size_t sweep_passes(core::Profile p, Cache cache) {
  const std::size_t rows = passes_for(p, cache == Cache::cold);
  return cache == Cache::cold ? rows : std::max<std::size_t>(1, rows - 1);
}

// The state a pass starts from: cold evicts before every pass; warm warms before the very first
// pass and afterwards only when mincore finds pages missing.
CacheSnapshot prepare_pass(const IoFile& f, Cache cache, bool first_pass, core::Result& r) {
  if (cache == Cache::warm && !first_pass) {
    const CacheSnapshot now = cache_snapshot(f);
    if (now.resident && *now.resident >= 1.0) return now;
  }
  return prepare(f, cache, r);
}

// "4k", "256k", "1m": the suffix of the per-size metrics.
std::string size_tag(std::size_t bytes) {
  return bytes >= kMiB ? fmt::format("{}m", bytes / kMiB) : fmt::format("{}k", bytes / kKiB);
}

struct SizeFigures {
  std::size_t buffer = 0;
  double gbps = 0;
};

// The passes of one row: timing, counters, and the samples of each buffer size.
class SweepTimer {
 public:
  SweepTimer(const core::Clock& clock, std::uint64_t span_bytes)
      : clock_(clock), span_bytes_(span_bytes), window_(/*enabled=*/true) {}

  // The passes that follow use the next buffer size.
  void next_size() { samples_.emplace_back(); }

  // Runs one pass over [0, limit) with `buf`, returns its sum; every span of it is a sample
  // (ns/KiB) of the current size.
  PassSum pass(int fd, std::uint64_t limit, const AlignedBuffer& buf) {
    if (passes_++ == 0)
      window_.start();
    else
      window_.resume();
    PassSum whole;
    for (std::uint64_t begin = 0; begin < limit; begin += span_bytes_) {
      const std::uint64_t end = std::min(limit, begin + span_bytes_);
      const double t0 = clock_.now_ns();
      const PassSum got = read_span(fd, Call::read, begin, end, buf);
      const double ns = clock_.now_ns() - t0 - clock_.info().overhead_ns;
      samples_.back().push_back(ns / (static_cast<double>(got.bytes) / kKiB));
      ns_ += ns;
      whole.sum += got.sum;
      whole.bytes += got.bytes;
    }
    window_.stop();
    bytes_ += static_cast<double>(whole.bytes);
    return whole;
  }
  double ns() const { return ns_; }
  double bytes() const { return bytes_; }

  // Stats in ns/KiB of the samples of size `index` (one per span of its passes), counters per
  // KiB over every pass, throughput_gbps over all passes.
  void finish(core::Result& r, std::size_t index) const {
    const std::vector<double>& chosen = samples_.at(index);
    const double kib_per_sample = static_cast<double>(span_bytes_) / static_cast<double>(kKiB);
    core::finish_result(r, chosen, static_cast<double>(chosen.size()) * kib_per_sample, nullptr);
    window_.write_per_op(r, bytes_ / static_cast<double>(kKiB));
    r.add_metric("throughput_gbps", gb_per_s(bytes_, ns_), "GB/s");
    r.add_param("passes", static_cast<double>(passes_));
    r.add_param("clock_overhead_subtracted_ns", clock_.info().overhead_ns);
  }

 private:
  const core::Clock& clock_;
  const std::uint64_t span_bytes_;
  core::CounterWindow window_;
  std::vector<std::vector<double>> samples_;
  std::size_t passes_ = 0;
  double ns_ = 0, bytes_ = 0;
};

// Syscalls per MiB read with `buf`, counted untimed, as the metric syscalls_per_mib_<tag>.
void count_sweep_syscalls(core::Result& r, const IoFile& f, const AlignedBuffer& buf) {
  core::Result scratch;
  count_call_syscalls(scratch, f.fd(), Call::read, f.size(), buf,
                      static_cast<double>(buf.size()) / static_cast<double>(kMiB));
  const core::CounterValue* c = scratch.counter("syscalls");
  if (c && c->per_op)
    r.add_metric("syscalls_per_mib_" + size_tag(buf.size()), *c->per_op, "syscalls/MiB");
  for (const std::string& w : scratch.warnings) warn_once(r, w);
}

void sweep_meaning(core::Result& r, Cache cache, const std::vector<SizeFigures>& sizes) {
  const auto [worst, best] = std::minmax_element(
      sizes.begin(), sizes.end(),
      [](const SizeFigures& a, const SizeFigures& b) { return a.gbps < b.gbps; });
  r.meaning = fmt::format(
      "read() {} by buffer size: best {} at {:.2f} GB/s, worst {} at {:.2f} GB/s ({:.1f}x); "
      "p50 at the best size {}",
      cache_name(cache), core::format_size(best->buffer), best->gbps,
      core::format_size(worst->buffer), worst->gbps, best->gbps / worst->gbps,
      core::format_value(r.stats->p50, "ns/KiB"));
}

// What every pass of a sweep shares.
struct SweepPlan {
  const IoFile& file;
  Cache cache;
  std::uint64_t bytes_per_pass;
  std::uint64_t expected_sum;  // the pattern's sum over [0, bytes_per_pass)
  std::size_t passes_per_size;
};

// The passes of one buffer size; returns its throughput over those passes.
SizeFigures sweep_size(core::RunContext& ctx, core::Result& r, const SweepPlan& plan,
                       std::size_t size, std::size_t sizes_done, SweepTimer& timer,
                       StartResidency& start) {
  AlignedBuffer buf(size);
  timer.next_size();
  const double ns0 = timer.ns(), bytes0 = timer.bytes();
  const double total_passes = static_cast<double>(plan.passes_per_size * kBuffers.size());
  for (std::size_t p = 0; p < plan.passes_per_size; ++p) {
    if (plan.cache == Cache::cold || p == 0)
      start.add(prepare_pass(plan.file, plan.cache, /*first_pass=*/sizes_done == 0, r));
    check_pass(timer.pass(plan.file.fd(), plan.bytes_per_pass, buf), plan.expected_sum,
               plan.bytes_per_pass);
    ctx.report_progress(static_cast<double>(sizes_done * plan.passes_per_size + p + 1) /
                        total_passes);
  }
  count_sweep_syscalls(r, plan.file, buf);
  return {size, gb_per_s(timer.bytes() - bytes0, timer.ns() - ns0)};
}

core::Result run_sweep(core::RunContext& ctx, core::Result r, Cache cache) {
  const IoFile& f = shared_file(ctx);
  if (cache == Cache::cold)
    if (std::string why = cold_unavailable_reason(f); !why.empty())
      return core::skipped(std::move(r), why);
  const std::uint64_t limit = cache == Cache::cold ? std::min(f.size(), kColdBytesCap) : f.size();
  const SweepPlan plan{f, cache, limit,
                       limit == f.size() ? f.checksum : core::ScratchFile::pattern_sum(0, limit),
                       sweep_passes(ctx.profile, cache)};

  SweepTimer timer(*ctx.clock, span_bytes(cache));
  StartResidency start(cache);
  core::Series curve{"throughput_vs_buffer", "KiB", "GB/s", {}};
  std::vector<SizeFigures> sizes;
  const CacheSnapshot before = cache_snapshot(f);
  for (const std::size_t size : kBuffers) {
    const SizeFigures got = sweep_size(ctx, r, plan, size, sizes.size(), timer, start);
    sizes.push_back(got);
    curve.points.emplace_back(static_cast<double>(size) / static_cast<double>(kKiB), got.gbps);
    r.add_metric("gbps_" + size_tag(size), got.gbps, "GB/s");
  }
  const CacheSnapshot after = cache_snapshot(f);
  const auto fastest = static_cast<std::size_t>(
      std::max_element(sizes.begin(), sizes.end(),
                       [](const SizeFigures& a, const SizeFigures& b) { return a.gbps < b.gbps; }) -
      sizes.begin());
  timer.finish(r, fastest);
  r.series.push_back(std::move(curve));
  record_cache(r, before, after);
  start.record(r);
  add_file_params(r, f, cache_name(cache));
  r.add_param("op",
              "one KiB of a pass of sequential read(2) calls, each followed by a sum of "
              "every word it delivered");
  r.add_param("stats_buffer_bytes", static_cast<double>(sizes[fastest].buffer));
  r.add_param("stats_per",
              fmt::format("the fastest buffer size ({}): one sample per {} of its passes, the "
                          "span's time over the KiB it read; {} buffer sizes x {} passes, every "
                          "size's throughput in the metrics gbps_<size>",
                          core::format_size(sizes[fastest].buffer),
                          core::format_size(span_bytes(cache)),
                          kBuffers.size(), plan.passes_per_size));
  r.add_param("bytes_per_pass", static_cast<double>(limit));
  sweep_meaning(r, cache, sizes);
  return r;
}

}  // namespace

core::Experiment sweep_row(std::string id, Cache cache) {
  // Warm: 6 sizes x 1 pass over 1 GiB at 5-11 GB/s plus one warming (from the disk when
  // the row before it left the file evicted); cold: 6 x 2 passes over 128 MiB at 1-2.5 GB/s.
  const bool cold = cache == Cache::cold;
  const core::DurationHint hint =
      cold ? core::DurationHint{0.3, 1.0, 3.6} : core::DurationHint{0.4, 0.8, 9.0};
  return experiment(
      std::move(id), fmt::format("read() buffer sweep, {}", cache_name(cache)),
      fmt::format("Sequential read() throughput {} with buffers from 4 KiB to 4 MiB: the "
                  "syscall's fixed cost against the copy's cache footprint",
                  cold ? "with the file evicted" : "from the page cache"),
      "ns/KiB", hint, [cache](core::RunContext& ctx, core::Result r) {
        return run_sweep(ctx, std::move(r), cache);
      });
}

}  // namespace illusion::labs::mmap_vs_read
