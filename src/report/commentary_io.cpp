// Commentary rules for Lab 3.4 (mmap vs read() IO). Each is pure and silent when an input is
// missing; each quotes the figures it was given. Throughput is the rows' throughput_gbps
// metric (GB/s, 1e9 bytes per second); latencies are the rows' p50 per op.
//
// Every direction ("faster", "in mmap's favour", "wider") is said only when the figures differ
// beyond a named bound, and turned around or called "within noise" otherwise. A cause is stated
// as fact only when the run counted it (shootdown IPIs, faults, pages cached); otherwise the
// sentence says it is the likely one.
#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "core/resources.h"
#include "core/stats.h"
#include "report/commentary.h"
#include "report/commentary_lookup.h"
#include "report/format.h"

namespace illusion::report::rules {

using Results = std::vector<core::Result>;
using namespace lookup;

namespace {

constexpr const char* kLab = "mmap_vs_read.";

// Pages a 64 KiB read covers: mmap taking this many faults per 64 KiB took one per page.
constexpr double kPagesPer64k = 16;
// Pages per major fault at or above this mean read-around brought in neighbours (1 = only the
// page touched).
constexpr double kReadAroundPages = 2;
// Fewer faults per read than this on a fresh mapping mean some reads found their page already
// mapped by an earlier fault.
constexpr double kOneFaultPerRead = 1;
// A file at most this fraction cached after the direct reads: they left (almost) nothing in the
// page cache.
constexpr double kNothingCached = 0.05;
// From this buffer size up, a flat sweep means the syscall no longer limits throughput.
constexpr double kSweepPlateauKiB = 256;

std::string id(const char* name) {
  return std::string(kLab) + name;
}

std::optional<double> gbps(const Results& results, const char* name) {
  const auto v = metric_of(results, id(name), "throughput_gbps");
  if (!v || *v <= 0) return std::nullopt;
  return v;
}

std::string format_gbps(double v) {
  return format_sig3(v) + " GB/s";
}

std::string within_ns(double bound) {
  return fmt::format("within noise (±{})", format_ns(bound));
}

std::string within_ratio() {
  return fmt::format("within {} of each other", format_percent(kClearlyDifferent - 1));
}

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
        format_gbps(*warm), format_gbps(*cold), format_ratio(ratio));
  } else if (seq < 0) {
    in.text = fmt::format(
        "read() of 1 MiB delivered {} from cached pages and {} with the file evicted: the "
        "evicted reads were faster ({}), so something below the page cache served them, likely "
        "a cache behind the disk (the host's, on a virtual disk).",
        format_gbps(*warm), format_gbps(*cold), format_ratio(1 / ratio));
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
          format_ns(*warm_4k), format_ns(*cold_4k), format_ratio(gap));
    } else if (rand > 0) {
      in.text += fmt::format(" Random 4 KiB reads took {} from the cache against {} from the disk ({}).",
                             format_ns(*warm_4k), format_ns(*cold_4k), format_ratio(gap));
    } else if (rand < 0) {
      in.text += fmt::format(
          " Random 4 KiB reads were faster with the file evicted ({} against {} from the "
          "cache): likely a cache below the page cache served them.",
          format_ns(*cold_4k), format_ns(*warm_4k));
    } else {
      in.text += fmt::format(
          " Random 4 KiB reads took {} from the cache and {} with the file evicted: {}.",
          format_ns(*warm_4k), format_ns(*cold_4k), within_ns(bound));
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
        format_gbps(*small), format_gbps(*large), format_ratio(*large / *small));
  } else if (d < 0) {
    in.text = fmt::format(
        "From the page cache, 4 KiB read() calls gave {} and 1 MiB calls {}: the small calls "
        "were faster here ({}), despite 256 times more kernel entries per MiB.",
        format_gbps(*small), format_gbps(*large), format_ratio(*small / *large));
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

std::optional<Insight> mmap_streaming(const Results& results) {
  const auto mmap = gbps(results, "mmap_warm");
  const auto read = gbps(results, "read_64k_warm");
  const auto faults = counter_of(results, id("mmap_warm"), "page_faults");
  if (!mmap || !read) return std::nullopt;
  Insight in{"mmap_streaming", "", {{"mmap_warm_gbps", *mmap}, {"read_64k_warm_gbps", *read}}};
  const int d = positive_direction(*read, *mmap, ratio_bound(*read, *mmap));
  const std::string verdict =
      d > 0   ? fmt::format("{} in mmap's favour, likely because it makes no copy",
                            format_ratio(*mmap / *read))
      : d < 0 ? fmt::format("{} in read()'s favour, despite its copy", format_ratio(*read / *mmap))
              : within_ratio();
  in.text = fmt::format(
      "Streaming a cached file: scanning a fresh mapping gave {}, read() of 64 KiB into a "
      "reused buffer {} ({}).",
      format_gbps(*mmap), format_gbps(*read), verdict);
  if (faults && *faults >= 0) {
    in.values.emplace_back("mmap_faults_per_64k", *faults);
    // The count is the fact; fault-around and large folios are the known mechanism for fewer
    // faults than pages, named as the likely one.
    if (*faults < kPagesPer64k / 2)
      in.text += fmt::format(
          " mmap paid {} page faults per 64 KiB where read() paid one syscall: each fault mapped "
          "several pages (likely fault-around over the page cache's large folios), or it would "
          "be 16.",
          format_count(*faults));
    else
      in.text += fmt::format(
          " mmap paid {} page faults per 64 KiB (16 pages) where read() paid one syscall.",
          format_count(*faults));
  }
  const auto mmap_cold = gbps(results, "mmap_cold");
  const auto read_cold = gbps(results, "read_1m_cold");
  if (mmap_cold && read_cold) {
    in.values.emplace_back("mmap_cold_gbps", *mmap_cold);
    in.values.emplace_back("read_1m_cold_gbps", *read_cold);
    const int cold = positive_direction(*read_cold, *mmap_cold, ratio_bound(*read_cold, *mmap_cold));
    in.text += fmt::format(" From the disk, mmap reached {} against {} for 1 MiB read() calls",
                           format_gbps(*mmap_cold), format_gbps(*read_cold));
    if (cold < 0)
      in.text +=
          ": both ride readahead, but the mapping's reader likely waits inside page faults "
          "(counted as minor when they find the readahead IO already in flight), with no way to "
          "overlap that wait with its own work.";
    else if (cold > 0)
      in.text += fmt::format(": mmap was faster from the disk too ({}).",
                             format_ratio(*mmap_cold / *read_cold));
    else
      in.text += fmt::format(", {}.", within_ratio());
  }
  return in;
}

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
        format_ns(*mapped), format_ns(*pread), format_ratio(*pread / *mapped));
  } else if (d > 0) {
    in.text = fmt::format(
        "Random 4 KiB reads of cached data took {} through an already-mapped file against {} "
        "with pread(): the mapping was slower here ({}), though it makes no syscall and no copy.",
        format_ns(*mapped), format_ns(*pread), format_ratio(*mapped / *pread));
  } else {
    in.text = fmt::format(
        "Random 4 KiB reads of cached data took {} through an already-mapped file against {} "
        "with pread(), {}: skipping the syscall and the copy saved nothing measurable here.",
        format_ns(*mapped), format_ns(*pread), within_ns(bound));
  }
  const auto mapped_gbps = gbps(results, "rand_mmap_warm");
  const auto fresh_gbps = gbps(results, "rand_mmap_warm_fresh");
  const auto fresh_faults = metric_of(results, id("rand_mmap_warm_fresh"), "faults_per_op");
  if (mapped_gbps && fresh_gbps && fresh_faults && *fresh_faults >= 0) {
    in.values.emplace_back("rand_mmap_warm_gbps", *mapped_gbps);
    in.values.emplace_back("rand_mmap_warm_fresh_gbps", *fresh_gbps);
    in.values.emplace_back("rand_mmap_warm_fresh_faults_per_op", *fresh_faults);
    in.text += fmt::format(" A fresh mapping of the same cached file took {} faults per read{}",
                           format_count(*fresh_faults),
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
  const std::string opening =
      fmt::format("Cold random 4 KiB reads with io_uring: {} IOPS with one request in flight, {} "
                  "with 32",
                  format_whole(iops1), format_whole(iops32));
  if (d > 0)
    in.text = fmt::format(
        "{} ({}): the device works on many requests at once only if it is given many. A thread "
        "reading through mmap has one major fault in flight at a time.",
        opening, format_ratio(iops32 / iops1));
  else if (d < 0)
    in.text = fmt::format("{} ({} fewer): more requests in flight did not help this device.",
                          opening, format_ratio(iops1 / iops32));
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
        format_sig3(*amplification));
  else
    in.text = fmt::format(
        "A major fault on a mapping without MADV_RANDOM brought {} pages into the page cache "
        "for the 1 page touched: no read-around showed here.",
        format_sig3(*amplification));
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
          reads_around ? "" : "likely ", format_ns(*readaround), format_ns(*random_advice));
    else if (d > 0)
      in.text += fmt::format(
          " The median touch took {}, more than the {} with MADV_RANDOM: reading around cost "
          "more than it saved here.",
          format_ns(*readaround), format_ns(*random_advice));
    else
      in.text += fmt::format(
          " The median touch took {} against {} with MADV_RANDOM, {}: the extra pages did not "
          "make later touches cheaper here.",
          format_ns(*readaround), format_ns(*random_advice), within_ns(bound));
  }
  return in;
}

std::optional<Insight> tlb_shootdown(const Results& results) {
  const auto alone = p50_of(results, id("munmap_1thread"));
  const auto shared = p50_of(results, id("munmap_shootdown"));
  if (!alone || !shared) return std::nullopt;
  Insight in{
      "tlb_shootdown", "", {{"munmap_1thread_ns", *alone}, {"munmap_shootdown_ns", *shared}}};
  const double ratio = *shared / *alone;
  const double bound =
      noise_bound(results, id("munmap_1thread"), *alone, id("munmap_shootdown"), *shared);
  const int d = positive_direction(*alone, *shared, bound);
  const std::string verdict =
      d > 0   ? fmt::format("Unmapping is not free once other threads have used a mapping: "
                            "munmap of 64 KiB took {} in a single-threaded process and {} "
                            "while another thread ran on another CPU ({})",
                            format_ns(*alone), format_ns(*shared), format_ratio(ratio))
      : d == 0 ? fmt::format("munmap of 64 KiB took {} in a single-threaded process and {} "
                             "while another thread ran on another CPU ({}): about the same "
                             "here, {}",
                             format_ns(*alone), format_ns(*shared), format_ratio(ratio),
                             within_ns(bound))
               : fmt::format("munmap of 64 KiB took {} in a single-threaded process and "
                             "less, {}, while another thread ran on another CPU ({})",
                             format_ns(*alone), format_ns(*shared), format_ratio(ratio));
  const auto ipis = metric_of(results, id("munmap_shootdown"), "tlb_shootdowns_per_op");
  // The row quotes the environment's fact as "yes (...)", "no (...)" or "unknown (...)".
  const bool no_ipis_here =
      param_text_of(results, id("munmap_shootdown"), "remote_tlb_flush_ipis").rfind("no", 0) == 0;
  std::string how;
  if (ipis && *ipis >= kIpiPerMunmap) {
    in.values.emplace_back("tlb_shootdowns_per_op", *ipis);
    how = fmt::format(
        ", and /proc/interrupts counted {} TLB shootdown IPIs per munmap: every CPU that may "
        "cache the translations was interrupted to flush them{}.",
        format_count(*ipis), d > 0 ? "" : ", though the munmap took no longer for it here");
  } else if (ipis && *ipis >= 0) {
    in.values.emplace_back("tlb_shootdowns_per_op", *ipis);
    how = fmt::format(
        "; the other CPU must still flush the translations, but /proc/interrupts counted {} "
        "shootdown IPIs per munmap: {}.",
        format_count(*ipis),
        no_ipis_here ? "this host flushes other CPUs without IPIs (likely through the hypervisor)"
                     : "likely because the other CPU was not running the process at that moment "
                       "(or its vCPU was preempted by the host), which then needs none");
  } else {
    how = "; the other CPU must flush the translations too, likely by an IPI (not counted on "
          "this machine).";
  }
  in.text = verdict + how;
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
  const std::string both = fmt::format(
      "a buffered 4 KiB write took {}, the same write followed by fdatasync {}",
      format_ns(*buffered), format_ns(*synced));
  if (d > 0)
    in.text = fmt::format("A write() that returns has only reached the page cache: {} ({}).", both,
                          format_ratio(*synced / *buffered));
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
          format_ns(*later));
    else
      in.text += fmt::format(" The final fsync of the buffered data took {}.", format_ns(*later));
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
      d > 0   ? fmt::format(", {} faster", format_ratio(*direct / *cold))
      : d < 0 ? fmt::format(", {} slower (likely because no readahead runs ahead of them)",
                            format_ratio(*cold / *direct))
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
                                 format_percent(*cached))
                   : fmt::format(", and {} of the file was cached afterwards (cached before, "
                                 "or by another reader)",
                                 format_percent(*cached));
  }
  in.text += "; databases use it because they keep their own cache.";
  return in;
}

}  // namespace illusion::report::rules
