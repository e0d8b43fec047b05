// Commentary rules for Lab 3.4 (mmap vs read() IO): what the page cache does for read() and
// write(). Cached against evicted reads, the read() buffer size, what a write() that returns
// has reached (fdatasync), and reading past the cache with O_DIRECT.
// Each is pure and silent when an input is missing; each quotes the figures it was given.
// Throughput is the rows' throughput_gbps metric (GB/s, 1e9 bytes per second); latencies are
// the rows' p50 per op.
//
// Every direction ("faster", "in mmap's favour", "wider") is said only when the figures differ
// beyond a named bound, and turned around or called "within noise" otherwise. A cause is stated
// as fact only when the run counted it (shootdown IPIs, faults, pages cached); otherwise the
// sentence says it is the likely one.
#include <fmt/format.h>

#include <algorithm>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>

#include "core/format.h"
#include "core/result.h"
#include "core/sizes.h"
#include "report/commentary.h"
#include "report/commentary_io_rows.h"
#include "report/commentary_lookup.h"

namespace illusion::report::rules {

using Results = std::vector<core::Result>;
using namespace lookup;
using namespace io_rows;

namespace {

// A file at most this fraction cached after the direct reads: they left (almost) nothing in the
// page cache.
constexpr double kNothingCached = 0.05;
// From this buffer size up, a flat sweep means the syscall no longer limits throughput.
constexpr double kSweepPlateauKiB = 256;

// The point of a result's series with the largest y: the best buffer size of a sweep.
std::optional<std::pair<double, double>> best_point(const Results& results, const char* name,
                                                    const std::string& series) {
  const core::Result* r = core::find_result(results, id(name));
  if (!r) return std::nullopt;
  std::optional<std::pair<double, double>> best;
  for (const core::Series& s : r->series) {
    if (s.name != series) continue;
    for (const auto& p : s.points)
      if (p.first > 0 && p.second > 0 && (!best || p.second > best->second)) best = p;
  }
  return best;
}

// The lowest and highest y of the series' points at x >= `from_x`, when there are two or more.
std::optional<std::pair<double, double>> range_from(const Results& results, const char* name,
                                                    const std::string& series, double from_x) {
  const core::Result* r = core::find_result(results, id(name));
  if (!r) return std::nullopt;
  std::optional<std::pair<double, double>> range;
  int n = 0;
  for (const core::Series& s : r->series) {
    if (s.name != series) continue;
    for (const auto& [x, y] : s.points) {
      if (!(x >= from_x) || !(y > 0)) continue;
      ++n;
      range = range ? std::pair{std::min(range->first, y), std::max(range->second, y)}
                    : std::pair{y, y};
    }
  }
  if (n < 2) return std::nullopt;
  return range;
}

}  // namespace

std::optional<Insight> page_cache_illusion(const Results& results) {
  const auto warm = gbps(results, "read_1m_warm");
  const auto cold = gbps(results, "read_1m_cold");
  if (!warm || !cold) return std::nullopt;
  Insight in{"page_cache_illusion", "", {{"warm_gbps", *warm}, {"cold_gbps", *cold}}};
  const double ratio = *warm / *cold;
  const int seq = positive_direction(*cold, *warm, ratio_bound(*warm, *cold));
  if (seq > 0) {
    in.text = fmt::format(
        "The page cache is why file IO usually looks like memory: read() of 1 MiB delivered {} "
        "from cached pages and {} from the disk with the file evicted ({} slower), with the same "
        "code and the same syscalls.",
        format_gbps(*warm), format_gbps(*cold), core::format_ratio(ratio));
  } else if (seq < 0) {
    in.text = fmt::format(
        "read() of 1 MiB delivered {} from cached pages and {} with the file evicted: the "
        "evicted reads were faster ({}), so something below the page cache served them, likely "
        "a cache behind the disk (the host's, on a virtual disk).",
        format_gbps(*warm), format_gbps(*cold), core::format_ratio(1 / ratio));
  } else {
    in.text = fmt::format(
        "read() of 1 MiB delivered {} from cached pages and {} with the file evicted, {}: this "
        "run shows no page-cache advantage for large sequential reads (likely readahead kept "
        "the device streaming, or a cache behind the disk served them).",
        format_gbps(*warm), format_gbps(*cold), within_ratio());
  }
  const auto cold_4k = p50_of(results, id("rand_pread_cold"));
  const auto warm_4k = p50_of(results, id("rand_pread_warm"));
  if (cold_4k && warm_4k) {
    in.values.emplace_back("rand_pread_cold_ns", *cold_4k);
    in.values.emplace_back("rand_pread_warm_ns", *warm_4k);
    const double bound =
        noise_bound(results, id("rand_pread_warm"), *warm_4k, id("rand_pread_cold"), *cold_4k);
    const double gap = *cold_4k / *warm_4k;
    const int rand = positive_direction(*warm_4k, *cold_4k, bound);
    if (rand > 0 && seq > 0 && gap > ratio * kClearlyDifferent) {
      in.text += fmt::format(
          " For random 4 KiB reads the gap is wider: {} from the cache against {} from the disk "
          "({}); readahead cannot predict random offsets, so each read likely waits for the "
          "device.",
          core::format_ns(*warm_4k), core::format_ns(*cold_4k), core::format_ratio(gap));
    } else if (rand > 0) {
      in.text += fmt::format(
          " Random 4 KiB reads took {} from the cache against {} from the disk ({}).",
          core::format_ns(*warm_4k), core::format_ns(*cold_4k), core::format_ratio(gap));
    } else if (rand < 0) {
      in.text += fmt::format(
          " Random 4 KiB reads were faster with the file evicted ({} against {} from the "
          "cache): likely a cache below the page cache served them.",
          core::format_ns(*cold_4k), core::format_ns(*warm_4k));
    } else {
      in.text += fmt::format(
          " Random 4 KiB reads took {} from the cache and {} with the file evicted: {}.",
          core::format_ns(*warm_4k), core::format_ns(*cold_4k), within_ns(bound));
    }
  }
  return in;
}

std::optional<Insight> read_buffer_size(const Results& results) {
  const auto small = gbps(results, "read_4k_warm");
  const auto large = gbps(results, "read_1m_warm");
  if (!small || !large) return std::nullopt;
  Insight in{"read_buffer_size", "", {{"read_4k_gbps", *small}, {"read_1m_gbps", *large}}};
  const int d = positive_direction(*small, *large, ratio_bound(*small, *large));
  if (d > 0) {
    in.text = fmt::format(
        "Buffer size is the cheapest IO optimisation: from the page cache, 4 KiB read() calls "
        "gave {} and 1 MiB calls {} ({}), with 256 times fewer kernel entries per MiB.",
        format_gbps(*small), format_gbps(*large), core::format_ratio(*large / *small));
  } else if (d < 0) {
    in.text = fmt::format(
        "From the page cache, 4 KiB read() calls gave {} and 1 MiB calls {}: the small calls "
        "were faster here ({}), despite 256 times more kernel entries per MiB.",
        format_gbps(*small), format_gbps(*large), core::format_ratio(*small / *large));
  } else {
    in.text = fmt::format(
        "From the page cache, 4 KiB read() calls gave {} and 1 MiB calls {}, {}: the 256 times "
        "more kernel entries per MiB of the small calls did not show in throughput here.",
        format_gbps(*small), format_gbps(*large), within_ratio());
  }
  if (const auto best = best_point(results, "read_sweep_warm", "throughput_vs_buffer")) {
    in.values.emplace_back("sweep_best_buffer_kib", best->first);
    in.values.emplace_back("sweep_best_gbps", best->second);
    in.text += fmt::format(" Across the sweep of buffer sizes the best was {} ({}).",
                           core::format_size(static_cast<std::uint64_t>(best->first * 1024)),
                           format_gbps(best->second));
    // The plateau is read off the sweep: flat from kSweepPlateauKiB up means larger buffers
    // stopped helping, whatever the reason.
    const auto range =
        range_from(results, "read_sweep_warm", "throughput_vs_buffer", kSweepPlateauKiB);
    if (range && range->second <= range->first * kClearlyDifferent) {
      in.values.emplace_back("sweep_plateau_min_gbps", range->first);
      in.text += fmt::format(
          " From {} up throughput stayed {} ({} to {}): past that, larger buffers did not help.",
          core::format_size(static_cast<std::uint64_t>(kSweepPlateauKiB * 1024)), within_ratio(),
          format_gbps(range->first), format_gbps(range->second));
    }
  }
  return in;
}

std::optional<Insight> write_durability(const Results& results) {
  const auto buffered = p50_of(results, id("write_buffered"));
  const auto synced = p50_of(results, id("write_fsync"));
  if (!buffered || !synced) return std::nullopt;
  Insight in{
      "write_durability", "", {{"write_buffered_ns", *buffered}, {"write_fsync_ns", *synced}}};
  const double bound =
      noise_bound(results, id("write_buffered"), *buffered, id("write_fsync"), *synced);
  const int d = positive_direction(*buffered, *synced, bound);
  const std::string both =
      fmt::format("a buffered 4 KiB write took {}, the same write followed by fdatasync {}",
                  core::format_ns(*buffered), core::format_ns(*synced));
  if (d > 0)
    in.text = fmt::format("A write() that returns has only reached the page cache: {} ({}).", both,
                          core::format_ratio(*synced / *buffered));
  else if (d == 0)
    in.text = fmt::format(
        "A write() that returns has only reached the page cache, yet here {}, {}: the device "
        "acknowledged the flush at once (likely a volatile write cache, or a filesystem in "
        "memory).",
        both, within_ns(bound));
  else
    in.text = fmt::format(
        "A write() that returns has only reached the page cache; here {}, less: this run shows "
        "no cost for fdatasync.",
        both);
  if (const auto later = metric_of(results, id("write_buffered"), "fsync_after_ns");
      later && *later > 0) {
    in.values.emplace_back("fsync_after_ns", *later);
    // "Deferred, not avoided" needs the final fsync to cost at least about one synced write.
    if (*later * kClearlyDifferent >= *synced && d > 0)
      in.text += fmt::format(
          " The buffered data became durable only at the final fsync, which took {}: the cost "
          "was deferred, not avoided.",
          core::format_ns(*later));
    else
      in.text +=
          fmt::format(" The final fsync of the buffered data took {}.", core::format_ns(*later));
  }
  return in;
}

std::optional<Insight> direct_io(const Results& results) {
  const auto direct = gbps(results, "direct_1m");
  const auto cold = gbps(results, "read_1m_cold");
  if (!direct || !cold) return std::nullopt;
  Insight in{"direct_io", "", {{"direct_1m_gbps", *direct}, {"read_1m_cold_gbps", *cold}}};
  const int d = positive_direction(*cold, *direct, ratio_bound(*cold, *direct));
  const std::string versus =
      d > 0   ? fmt::format(", {} faster", core::format_ratio(*direct / *cold))
      : d < 0 ? fmt::format(", {} slower (likely because no readahead runs ahead of them)",
                            core::format_ratio(*cold / *direct))
              : ", " + within_ratio();
  in.text = fmt::format(
      "O_DIRECT skips the page cache: 1 MiB direct reads gave {} against {} for buffered reads "
      "of an evicted file{}",
      format_gbps(*direct), format_gbps(*cold), versus);
  // What the direct reads left cached is measured (mincore after the row), not assumed.
  if (const auto cached = metric_of(results, id("direct_1m"), "resident_after");
      cached && *cached >= 0) {
    in.values.emplace_back("direct_resident_after", *cached);
    in.text += *cached <= kNothingCached
                   ? fmt::format(", and left {} of the file cached for the next reader",
                                 core::format_percent(*cached))
                   : fmt::format(
                         ", and {} of the file was cached afterwards (cached before, "
                         "or by another reader)",
                         core::format_percent(*cached));
  }
  in.text += "; databases use it because they keep their own cache.";
  return in;
}

}  // namespace illusion::report::rules
