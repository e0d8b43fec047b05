// Commentary rules for Lab 3.4 (mmap vs read() IO): what a mapping costs over its life beside
// read(). The page faults of streaming through a fresh mapping, and the TLB shootdown of
// unmapping it once another thread has run.
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

// Pages a 64 KiB read covers: mmap taking this many faults per 64 KiB took one per page.
constexpr double kPagesPer64k = 16;

}  // namespace

std::optional<Insight> mmap_streaming(const Results& results) {
  const auto mmap = gbps(results, "mmap_warm");
  const auto read = gbps(results, "read_64k_warm");
  const auto faults = counter_of(results, id("mmap_warm"), "page_faults");
  if (!mmap || !read) return std::nullopt;
  Insight in{"mmap_streaming", "", {{"mmap_warm_gbps", *mmap}, {"read_64k_warm_gbps", *read}}};
  const int d = positive_direction(*read, *mmap, ratio_bound(*read, *mmap));
  const std::string verdict =
      d > 0   ? fmt::format("{} in mmap's favour, likely because it makes no copy",
                            core::format_ratio(*mmap / *read))
      : d < 0 ? fmt::format("{} in read()'s favour, despite its copy",
                            core::format_ratio(*read / *mmap))
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
          core::format_count(*faults));
    else
      in.text += fmt::format(
          " mmap paid {} page faults per 64 KiB (16 pages) where read() paid one syscall.",
          core::format_count(*faults));
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
                             core::format_ratio(*mmap_cold / *read_cold));
    else
      in.text += fmt::format(", {}.", within_ratio());
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
      d > 0 ? fmt::format(
                  "Unmapping is not free once other threads have used a mapping: "
                  "munmap of 64 KiB took {} in a single-threaded process and {} "
                  "while another thread ran on another CPU ({})",
                  core::format_ns(*alone), core::format_ns(*shared), core::format_ratio(ratio))
      : d == 0 ? fmt::format(
                     "munmap of 64 KiB took {} in a single-threaded process and {} "
                     "while another thread ran on another CPU ({}): about the same "
                     "here, {}",
                     core::format_ns(*alone), core::format_ns(*shared), core::format_ratio(ratio),
                     within_ns(bound))
               : fmt::format(
                     "munmap of 64 KiB took {} in a single-threaded process and "
                     "less, {}, while another thread ran on another CPU ({})",
                     core::format_ns(*alone), core::format_ns(*shared), core::format_ratio(ratio));
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
        core::format_count(*ipis), d > 0 ? "" : ", though the munmap took no longer for it here");
  } else if (ipis && *ipis >= 0) {
    in.values.emplace_back("tlb_shootdowns_per_op", *ipis);
    how = fmt::format(
        "; the other CPU must still flush the translations, but /proc/interrupts counted {} "
        "shootdown IPIs per munmap: {}.",
        core::format_count(*ipis),
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

}  // namespace illusion::report::rules
