// Commentary rules for Lab 3.4 (mmap vs read() IO). Each is pure and silent when an input is
// missing; each quotes the figures it was given. Throughput is the rows' throughput_gbps
// metric (GB/s, 1e9 bytes per second); latencies are the rows' p50 per op.
#include <fmt/format.h>

#include "core/resources.h"
#include "report/commentary.h"
#include "report/commentary_lookup.h"
#include "report/format.h"

namespace illusion::report::rules {

using Results = std::vector<core::Result>;
using namespace lookup;

namespace {

constexpr const char* kLab = "mmap_vs_read.";

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

}  // namespace

std::optional<Insight> page_cache_illusion(const Results& results) {
  const auto warm = gbps(results, "read_1m_warm");
  const auto cold = gbps(results, "read_1m_cold");
  if (!warm || !cold) return std::nullopt;
  Insight in{"page_cache_illusion", "", {{"warm_gbps", *warm}, {"cold_gbps", *cold}}};
  in.text = fmt::format(
      "The page cache is why file IO usually looks like memory: read() of 1 MiB delivered {} "
      "from cached pages and {} from the disk with the file evicted ({} slower), with the same "
      "code and the same syscalls.",
      format_gbps(*warm), format_gbps(*cold), format_ratio(*warm / *cold));
  const auto cold_4k = p50_of(results, id("rand_pread_cold"));
  const auto warm_4k = p50_of(results, id("rand_pread_warm"));
  if (cold_4k && warm_4k) {
    in.values.emplace_back("rand_pread_cold_ns", *cold_4k);
    in.values.emplace_back("rand_pread_warm_ns", *warm_4k);
    in.text += fmt::format(
        " For random 4 KiB reads the gap is wider: {} from the cache against {} from the disk "
        "({}); readahead cannot help a pattern it cannot predict.",
        format_ns(*warm_4k), format_ns(*cold_4k), format_ratio(*cold_4k / *warm_4k));
  }
  return in;
}

std::optional<Insight> read_buffer_size(const Results& results) {
  const auto small = gbps(results, "read_4k_warm");
  const auto large = gbps(results, "read_1m_warm");
  if (!small || !large) return std::nullopt;
  Insight in{"read_buffer_size", "", {{"read_4k_gbps", *small}, {"read_1m_gbps", *large}}};
  in.text = fmt::format(
      "Buffer size is the cheapest IO optimisation: from the page cache, 4 KiB read() calls "
      "gave {} and 1 MiB calls {} ({}), because each call pays the syscall boundary once "
      "(256 calls per MiB against 1).",
      format_gbps(*small), format_gbps(*large), format_ratio(*large / *small));
  if (const auto best = best_point(results, "read_sweep_warm", "throughput_vs_buffer")) {
    in.values.emplace_back("sweep_best_buffer_kib", best->first);
    in.values.emplace_back("sweep_best_gbps", best->second);
    in.text += fmt::format(
        " Across the sweep of buffer sizes the best was {} ({}); past a few hundred KiB the "
        "copy, not the syscall, is the cost.",
        core::format_size(static_cast<std::uint64_t>(best->first * 1024)),
        format_gbps(best->second));
  }
  return in;
}

std::optional<Insight> mmap_streaming(const Results& results) {
  const auto mmap = gbps(results, "mmap_warm");
  const auto read = gbps(results, "read_64k_warm");
  const auto faults = counter_of(results, id("mmap_warm"), "page_faults");
  if (!mmap || !read) return std::nullopt;
  Insight in{"mmap_streaming", "", {{"mmap_warm_gbps", *mmap}, {"read_64k_warm_gbps", *read}}};
  const bool mmap_wins = *mmap > *read;
  in.text = fmt::format(
      "Streaming a cached file: scanning a fresh mapping gave {}, read() of 64 KiB into a "
      "reused buffer {} ({} {}).",
      format_gbps(*mmap), format_gbps(*read),
      format_ratio(mmap_wins ? *mmap / *read : *read / *mmap),
      mmap_wins ? "in mmap's favour: no copy" : "in read()'s favour, despite its copy");
  if (faults) {
    in.values.emplace_back("mmap_faults_per_64k", *faults);
    in.text += fmt::format(
        " mmap paid {} page faults per 64 KiB where read() paid one syscall: fault-around and "
        "large folios map many pages per fault, or it would be 16.",
        format_count(*faults));
  }
  const auto mmap_cold = gbps(results, "mmap_cold");
  const auto read_cold = gbps(results, "read_1m_cold");
  if (mmap_cold && read_cold) {
    in.values.emplace_back("mmap_cold_gbps", *mmap_cold);
    in.values.emplace_back("read_1m_cold_gbps", *read_cold);
    in.text += fmt::format(
        " From the disk, mmap reached {} against {} for 1 MiB read() calls: both ride "
        "readahead, but the mapping's reader waits inside page faults (counted as minor when "
        "they find the readahead IO already in flight), with no way to overlap that wait with "
        "its own work.",
        format_gbps(*mmap_cold), format_gbps(*read_cold));
  }
  return in;
}

std::optional<Insight> mmap_random_access(const Results& results) {
  const auto mapped = p50_of(results, id("rand_mmap_warm"));
  const auto pread = p50_of(results, id("rand_pread_warm"));
  if (!mapped || !pread) return std::nullopt;
  Insight in{
      "mmap_random_access", "", {{"rand_mmap_warm_ns", *mapped}, {"rand_pread_warm_ns", *pread}}};
  in.text = fmt::format(
      "Where mmap wins: random 4 KiB reads of cached data took {} through an already-mapped "
      "file against {} with pread() ({}): no syscall and no copy, just loads.",
      format_ns(*mapped), format_ns(*pread), format_ratio(*pread / *mapped));
  const auto mapped_gbps = gbps(results, "rand_mmap_warm");
  const auto fresh_gbps = gbps(results, "rand_mmap_warm_fresh");
  const auto fresh_faults = metric_of(results, id("rand_mmap_warm_fresh"), "faults_per_op");
  if (mapped_gbps && fresh_gbps && fresh_faults) {
    in.values.emplace_back("rand_mmap_warm_gbps", *mapped_gbps);
    in.values.emplace_back("rand_mmap_warm_fresh_gbps", *fresh_gbps);
    in.values.emplace_back("rand_mmap_warm_fresh_faults_per_op", *fresh_faults);
    in.text += fmt::format(
        " A fresh mapping of the same cached file took {} faults per read (each fault maps "
        "every cached neighbour it can) and, counting the mmap and munmap, delivered {} "
        "against {} for the reused mapping: mmap pays off when the mapping lives long.",
        format_count(*fresh_faults), format_gbps(*fresh_gbps), format_gbps(*mapped_gbps));
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
  in.text = fmt::format(
      "Cold random 4 KiB reads with io_uring: {} IOPS with one request in flight, {} with 32 "
      "({}): the device works on many requests at once only if it is given many. A thread "
      "reading through mmap has one major fault in flight at a time.",
      format_whole(iops1), format_whole(iops32), format_ratio(iops32 / iops1));
  return in;
}

std::optional<Insight> read_around(const Results& results) {
  const auto amplification =
      metric_of(results, id("rand_mmap_cold_readaround"), "pages_cached_per_major_fault");
  const auto random_advice = p50_of(results, id("rand_mmap_cold"));
  const auto readaround = p50_of(results, id("rand_mmap_cold_readaround"));
  if (!amplification || *amplification <= 0) return std::nullopt;
  Insight in{"read_around", "", {{"pages_cached_per_major_fault", *amplification}}};
  in.text = fmt::format(
      "A major fault on a mapping without MADV_RANDOM reads around the page: each one brought "
      "{} pages into the page cache for the 1 page touched, so random access through a "
      "default mapping reads far more than it uses (and caches the rest for later touches).",
      format_sig3(*amplification));
  if (random_advice && readaround) {
    in.values.emplace_back("rand_mmap_cold_ns", *random_advice);
    in.values.emplace_back("rand_mmap_cold_readaround_ns", *readaround);
    in.text += fmt::format(
        " Later touches often found their page already read in: the median touch took {}, "
        "against {} with MADV_RANDOM, where every touch waits for its own read.",
        format_ns(*readaround), format_ns(*random_advice));
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
  // Within a tenth either way the two medians say no more than "about the same".
  const std::string verdict =
      ratio >= 1.1   ? fmt::format("Unmapping is not free once other threads have used a mapping: "
                                   "munmap of 64 KiB took {} in a single-threaded process and {} "
                                   "while another thread ran on another CPU ({})",
                                   format_ns(*alone), format_ns(*shared), format_ratio(ratio))
      : ratio > 0.91 ? fmt::format("munmap of 64 KiB took {} in a single-threaded process and {} "
                                   "while another thread ran on another CPU ({}): about the same "
                                   "here",
                                   format_ns(*alone), format_ns(*shared), format_ratio(ratio))
                     : fmt::format("munmap of 64 KiB took {} in a single-threaded process and "
                                   "less, {}, while another thread ran on another CPU ({})",
                                   format_ns(*alone), format_ns(*shared), format_ratio(ratio));
  const auto ipis = metric_of(results, id("munmap_shootdown"), "tlb_shootdowns_per_op");
  // The row quotes the environment's fact as "yes (...)", "no (...)" or "unknown (...)".
  const bool no_ipis_here =
      param_text_of(results, id("munmap_shootdown"), "remote_tlb_flush_ipis").rfind("no", 0) == 0;
  std::string how;
  if (ipis && *ipis >= 0.9) {
    in.values.emplace_back("tlb_shootdowns_per_op", *ipis);
    how = fmt::format(
        ", and /proc/interrupts counted {} TLB shootdown IPIs per munmap: every CPU that may "
        "cache the translations was interrupted to flush them.",
        format_count(*ipis));
  } else if (ipis) {
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
  in.text = fmt::format(
      "A write() that returns has only reached the page cache: a buffered 4 KiB write took {}, "
      "the same write followed by fdatasync {} ({}).",
      format_ns(*buffered), format_ns(*synced), format_ratio(*synced / *buffered));
  if (const auto later = metric_of(results, id("write_buffered"), "fsync_after_ns")) {
    in.values.emplace_back("fsync_after_ns", *later);
    in.text += fmt::format(
        " The buffered data became durable only at the final fsync, which took {}: the cost "
        "was deferred, not avoided.",
        format_ns(*later));
  }
  return in;
}

std::optional<Insight> direct_io(const Results& results) {
  const auto direct = gbps(results, "direct_1m");
  const auto cold = gbps(results, "read_1m_cold");
  if (!direct || !cold) return std::nullopt;
  Insight in{"direct_io", "", {{"direct_1m_gbps", *direct}, {"read_1m_cold_gbps", *cold}}};
  in.text = fmt::format(
      "O_DIRECT skips the page cache: 1 MiB direct reads gave {} against {} for buffered reads "
      "of an evicted file, and left nothing cached for the next reader; databases use it "
      "because they keep their own cache.",
      format_gbps(*direct), format_gbps(*cold));
  return in;
}

}  // namespace illusion::report::rules
