// Commentary rules for Lab 3.4 (mmap vs read() IO): random reads. An already-mapped file
// against pread(), what a major fault reads around the page it was taken for, and how many
// requests the device serves at once (io_uring queue depth).
// Each is pure and silent when an input is missing; each quotes the figures it was given.
// Throughput is the rows' throughput_gbps metric (GB/s, 1e9 bytes per second); latencies are
// the rows' p50 per op.
//
// Every direction ("faster", "in mmap's favour", "wider") is said only when the figures differ
// beyond a named bound, and turned around or called "within noise" otherwise. A cause is stated
// as fact only when the run counted it (shootdown IPIs, faults, pages cached); otherwise the
// sentence says it is the likely one.
#include <fmt/format.h>

#include <string>

#include "core/format.h"
#include "report/commentary.h"
#include "report/commentary_io_rows.h"
#include "report/commentary_lookup.h"

namespace illusion::report::rules {

using Results = std::vector<core::Result>;
using namespace lookup;
using namespace io_rows;

namespace {

// Pages per major fault at or above this mean read-around brought in neighbours (1 = only the
// page touched).
constexpr double kReadAroundPages = 2;
// Fewer faults per read than this on a fresh mapping mean some reads found their page already
// mapped by an earlier fault.
constexpr double kOneFaultPerRead = 1;

}  // namespace

std::optional<Insight> mmap_random_access(const Results& results) {
  const auto mapped = p50_of(results, id("rand_mmap_warm"));
  const auto pread = p50_of(results, id("rand_pread_warm"));
  if (!mapped || !pread) return std::nullopt;
  Insight in{
      "mmap_random_access", "", {{"rand_mmap_warm_ns", *mapped}, {"rand_pread_warm_ns", *pread}}};
  const double bound =
      noise_bound(results, id("rand_mmap_warm"), *mapped, id("rand_pread_warm"), *pread);
  const int d = positive_direction(*pread, *mapped, bound);
  if (d < 0) {
    in.text = fmt::format(
        "Where mmap wins: random 4 KiB reads of cached data took {} through an already-mapped "
        "file against {} with pread() ({}): the mapped read makes no syscall and no copy, just "
        "loads.",
        core::format_ns(*mapped), core::format_ns(*pread), core::format_ratio(*pread / *mapped));
  } else if (d > 0) {
    in.text = fmt::format(
        "Random 4 KiB reads of cached data took {} through an already-mapped file against {} "
        "with pread(): the mapping was slower here ({}), though it makes no syscall and no copy.",
        core::format_ns(*mapped), core::format_ns(*pread), core::format_ratio(*mapped / *pread));
  } else {
    in.text = fmt::format(
        "Random 4 KiB reads of cached data took {} through an already-mapped file against {} "
        "with pread(), {}: skipping the syscall and the copy saved nothing measurable here.",
        core::format_ns(*mapped), core::format_ns(*pread), within_ns(bound));
  }
  const auto mapped_gbps = gbps(results, "rand_mmap_warm");
  const auto fresh_gbps = gbps(results, "rand_mmap_warm_fresh");
  const auto fresh_faults = metric_of(results, id("rand_mmap_warm_fresh"), "faults_per_op");
  if (mapped_gbps && fresh_gbps && fresh_faults && *fresh_faults >= 0) {
    in.values.emplace_back("rand_mmap_warm_gbps", *mapped_gbps);
    in.values.emplace_back("rand_mmap_warm_fresh_gbps", *fresh_gbps);
    in.values.emplace_back("rand_mmap_warm_fresh_faults_per_op", *fresh_faults);
    in.text += fmt::format(" A fresh mapping of the same cached file took {} faults per read{}",
                           core::format_count(*fresh_faults),
                           *fresh_faults < kOneFaultPerRead
                               ? " (fewer than one: a fault likely maps cached neighbours too)"
                               : "");
    const int fresh = positive_direction(*mapped_gbps, *fresh_gbps, ratio_bound(*mapped_gbps, *fresh_gbps));
    in.text += fmt::format(
        " and, counting the mmap and munmap, delivered {} against {} for the reused mapping",
        format_gbps(*fresh_gbps), format_gbps(*mapped_gbps));
    in.text += fresh < 0   ? ": mmap pays off when the mapping lives long."
               : fresh > 0 ? ": the fresh mapping was faster here."
                           : fmt::format(", {}: here mapping afresh cost little.", within_ratio());
  }
  return in;
}

std::optional<Insight> async_io_depth(const Results& results) {
  const auto qd1 = gbps(results, "rand_uring_qd1_cold");
  const auto qd32 = gbps(results, "rand_uring_qd32_cold");
  if (!qd1 || !qd32) return std::nullopt;
  constexpr double kOpBytes = 4096;
  const double iops1 = *qd1 * 1e9 / kOpBytes, iops32 = *qd32 * 1e9 / kOpBytes;
  Insight in{"async_io_depth", "", {{"qd1_iops", iops1}, {"qd32_iops", iops32}}};
  const int d = positive_direction(iops1, iops32, ratio_bound(iops1, iops32));
  const std::string opening = fmt::format(
      "Cold random 4 KiB reads with io_uring: {} IOPS with one request in flight, {} "
      "with 32",
      core::format_whole(iops1), core::format_whole(iops32));
  if (d > 0)
    in.text = fmt::format(
        "{} ({}): the device works on many requests at once only if it is given many. A thread "
        "reading through mmap has one major fault in flight at a time.",
        opening, core::format_ratio(iops32 / iops1));
  else if (d < 0)
    in.text = fmt::format("{} ({} fewer): more requests in flight did not help this device.",
                          opening, core::format_ratio(iops1 / iops32));
  else
    in.text = fmt::format(
        "{}, {}: this device did not serve more requests at once when given more (likely one "
        "queue behind it, or a host that serialises them).",
        opening, within_ratio());
  return in;
}

std::optional<Insight> read_around(const Results& results) {
  const auto amplification =
      metric_of(results, id("rand_mmap_cold_readaround"), "pages_cached_per_major_fault");
  const auto random_advice = p50_of(results, id("rand_mmap_cold"));
  const auto readaround = p50_of(results, id("rand_mmap_cold_readaround"));
  if (!amplification || *amplification <= 0) return std::nullopt;
  Insight in{"read_around", "", {{"pages_cached_per_major_fault", *amplification}}};
  const bool reads_around = *amplification >= kReadAroundPages;
  if (reads_around)
    in.text = fmt::format(
        "A major fault on a mapping without MADV_RANDOM reads around the page: each one brought "
        "{} pages into the page cache for the 1 page touched, so random access through a "
        "default mapping reads far more than it uses (and caches the rest for later touches).",
        core::format_sig3(*amplification));
  else
    in.text = fmt::format(
        "A major fault on a mapping without MADV_RANDOM brought {} pages into the page cache "
        "for the 1 page touched: no read-around showed here.",
        core::format_sig3(*amplification));
  if (random_advice && readaround) {
    in.values.emplace_back("rand_mmap_cold_ns", *random_advice);
    in.values.emplace_back("rand_mmap_cold_readaround_ns", *readaround);
    const double bound = noise_bound(results, id("rand_mmap_cold"), *random_advice,
                                      id("rand_mmap_cold_readaround"), *readaround);
    const int d = positive_direction(*random_advice, *readaround, bound);
    if (d < 0)
      in.text += fmt::format(
          " Later touches {}found their page already read in: the median touch took {}, "
          "against {} with MADV_RANDOM, where every touch waits for its own read.",
          reads_around ? "" : "likely ", core::format_ns(*readaround),
          core::format_ns(*random_advice));
    else if (d > 0)
      in.text += fmt::format(
          " The median touch took {}, more than the {} with MADV_RANDOM: reading around cost "
          "more than it saved here.",
          core::format_ns(*readaround), core::format_ns(*random_advice));
    else
      in.text += fmt::format(
          " The median touch took {} against {} with MADV_RANDOM, {}: the extra pages did not "
          "make later touches cheaper here.",
          core::format_ns(*readaround), core::format_ns(*random_advice), within_ns(bound));
  }
  return in;
}

}  // namespace illusion::report::rules
