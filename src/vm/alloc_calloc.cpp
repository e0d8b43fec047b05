// What calloc(3) saves over malloc+memset on a large block (vm.calloc_vs_memset): calloc may
// leave a fresh mmap'ed chunk unwritten (mmap(2) memory is already zero), so its pages are
// allocated only at their first touch. What it did is read back from the RSS it added and the
// block's residency, not assumed; how glibc served the block, and the huge pages behind it, as
// in alloc_malloc.cpp (whose comment says why).
#include <malloc.h>
#include <sys/mman.h>

#include <cstdlib>
#include <cstring>
#include <new>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "core/format.h"
#include "core/barrier.h"
#include "core/counters.h"
#include "core/mapping.h"
#include "core/measure.h"
#include "core/resources.h"
#include "core/stats.h"
#include "vm/alloc.h"
#include "vm/alloc_probe.h"
#include "vm/faults_probe.h"

namespace illusion::labs::vm::alloc {
namespace {

// Residency of the pages a block spans (mincore(2) wants a page-aligned start).
std::optional<double> block_resident(const char* p, std::size_t bytes) {
  const auto [lo, hi] = page_span(p, bytes);
  return resident_fraction(reinterpret_cast<const void*>(lo), hi - lo);
}

// GCC folds malloc followed by memset(p, 0, n) into calloc (its malloc/memset builtins), which
// would measure calloc twice; a call through a volatile pointer cannot be folded.
void* (*volatile g_memset)(void*, int, std::size_t) = std::memset;

}  // namespace

core::Result run_calloc_vs_memset(core::RunContext& ctx, core::Result r) {
  const std::size_t bytes = kLargeBlockBytes;
  const double pages = static_cast<double>(bytes / page_bytes());
  core::require_free_memory(bytes, "vm.calloc_vs_memset");
  const std::size_t samples = ctx.profile == core::Profile::quick      ? 3
                              : ctx.profile == core::Profile::standard ? 8
                                                                       : 24;
  const core::Clock& clock = *ctx.clock;

  // An RSS growth or a residency is known only if every sample could read it: one unreadable
  // sample makes the whole figure unknown (nullopt), never a 0 averaged in.
  struct Phase {
    std::vector<double> ns, rss_growth_kib;
    double faults = 0, resident = 0, huge_bytes = 0;
    bool rss_readable = true, resident_readable = true;
    std::string source;
    std::optional<double> rss_median() const {
      if (!rss_readable || rss_growth_kib.empty()) return std::nullopt;
      return core::median(rss_growth_kib);
    }
    std::optional<double> resident_mean() const {
      if (!resident_readable || ns.empty()) return std::nullopt;
      return resident / static_cast<double>(ns.size());
    }
  };
  // Each variant allocates, is timed (with its faults counted), then its residency and the RSS
  // growth are read, untimed, before the free.
  auto sample = [&](Phase& ph, auto&& allocate) {
    FaultWindow window;
    const std::optional<double> rss0 = status_kib("VmRSS");
    window.start();
    const double t0 = clock.now_ns();
    char* p = allocate();
    core::clobber_memory();
    const double t1 = clock.now_ns();
    window.stop();
    const std::optional<double> rss_growth = difference(rss0, status_kib("VmRSS"));
    const std::optional<double> resident = block_resident(p, bytes);
    ph.huge_bytes += huge_bytes_in(p, bytes);
    std::free(p);
    const FaultCount c = window.read();
    core::add_fault_warnings(r, c);
    ph.ns.push_back(t1 - t0);
    if (rss_growth)
      ph.rss_growth_kib.push_back(*rss_growth);
    else
      ph.rss_readable = false;
    if (resident)
      ph.resident += *resident;
    else
      ph.resident_readable = false;
    ph.faults += c.faults;
    ph.source = c.source;
  };

  const bool by_mmap = served_by_mmap(bytes);
  Phase calloc_only, memset_all, calloc_touch;
  for (std::size_t i = 0; i < samples; ++i) {
    // calloc(3) may skip zeroing a fresh mmap'ed chunk: mmap(2) MAP_ANONYMOUS memory is
    // already zero, and its pages stay unallocated until touched.
    sample(calloc_only, [&] {
      char* p = static_cast<char*>(std::calloc(1, bytes));
      if (!p) throw std::bad_alloc();
      core::do_not_optimize(p);
      return p;
    });
    sample(memset_all, [&] {
      char* p = checked_malloc(bytes);
      g_memset(p, 0, bytes);
      core::do_not_optimize(p);
      return p;
    });
    // The saving is deferred, not removed: the first write to each page (each huge page, where
    // THP backs the chunk) still faults.
    sample(calloc_touch, [&] {
      char* p = static_cast<char*>(std::calloc(1, bytes));
      if (!p) throw std::bad_alloc();
      touch_pages(p, bytes, Touch::write);
      return p;
    });
    ctx.report_progress(static_cast<double>(i + 1) / static_cast<double>(samples));
  }

  const double n = static_cast<double>(samples);
  const double calloc_faults = calloc_only.faults / n;
  core::finish_result(r, calloc_only.ns, n, nullptr);
  r.counters.push_back(
      {calloc_only.source == "perf" ? "page_faults" : "rusage_minor_faults", calloc_faults});
  const double memset_ns = core::median(memset_all.ns);
  const double touch_ns = core::median(calloc_touch.ns);
  const std::optional<double> calloc_rss = calloc_only.rss_median();
  const std::optional<double> memset_rss = memset_all.rss_median();
  const std::optional<double> calloc_resident = calloc_only.resident_mean();
  const std::optional<double> memset_resident = memset_all.resident_mean();

  r.add_param("size_bytes", static_cast<double>(bytes));
  r.add_param("samples_per_variant", n);
  r.add_param("stats_per", "one calloc(1, size) call (free not timed)");
  r.add_param("fault_count_source", calloc_only.source);
  r.add_metric("served_by_mmap", by_mmap ? 1 : 0, "bool");
  r.add_metric("calloc_ns", r.stats->p50, "ns");
  r.add_metric("malloc_memset_ns", memset_ns, "ns");
  r.add_metric("calloc_touch_ns", touch_ns, "ns");
  if (r.stats->p50 > 0) r.add_metric("memset_vs_calloc", memset_ns / r.stats->p50, "x");
  r.add_metric("calloc_faults_per_page", calloc_faults / pages, "faults/page");
  r.add_metric("memset_faults_per_page", memset_all.faults / n / pages, "faults/page");
  r.add_metric("calloc_touch_faults_per_page", calloc_touch.faults / n / pages, "faults/page");
  // Unreadable residency or RSS: the metric is left out (null, "—") and a warning says why.
  if (calloc_resident) r.add_metric("calloc_resident_fraction", *calloc_resident, "fraction");
  if (memset_resident) r.add_metric("memset_resident_fraction", *memset_resident, "fraction");
  if (!calloc_resident || !memset_resident)
    r.warnings.push_back("mincore(2) failed on a block: its resident fraction is not reported");
  if (calloc_rss) r.add_metric("calloc_rss_growth_kib", *calloc_rss, "KiB");
  if (memset_rss) r.add_metric("memset_rss_growth_kib", *memset_rss, "KiB");
  if (!calloc_rss || !memset_rss)
    r.warnings.push_back(
        "VmRSS could not be read from /proc/self/status around every sample: the RSS growth is "
        "not reported, and whether calloc wrote the pages is not concluded");
  const std::uint64_t huge_page = faults::thp_pmd_bytes();
  r.add_param("huge_page_bytes", static_cast<double>(huge_page));
  const double size = static_cast<double>(bytes);
  const double memset_huge = memset_all.huge_bytes / n / size;
  const double touch_huge = calloc_touch.huge_bytes / n / size;
  r.add_metric("calloc_huge_fraction", calloc_only.huge_bytes / n / size, "fraction");
  r.add_metric("memset_huge_fraction", memset_huge, "fraction");
  r.add_metric("calloc_touch_huge_fraction", touch_huge, "fraction");
  if (!by_mmap)
    r.warnings.push_back(fmt::format(
        "the {} block came from the heap, where calloc must clear memory that may have been "
        "used: the saving shown is not the fresh-mmap case",
        core::format_size(bytes)));

  r.meaning = calloc_words({.size_bytes = bytes,
                            .huge_page_bytes = huge_page,
                            .calloc_ns = r.stats->p50,
                            .memset_ns = memset_ns,
                            .touch_ns = touch_ns,
                            .calloc_faults_per_page = calloc_faults / pages,
                            .memset_faults_per_page = memset_all.faults / n / pages,
                            .touch_faults_per_page = calloc_touch.faults / n / pages,
                            .memset_huge_fraction = memset_huge,
                            .touch_huge_fraction = touch_huge,
                            .calloc_rss_kib = calloc_rss,
                            .memset_rss_kib = memset_rss,
                            .calloc_resident_fraction = calloc_resident});
  return r;
}

// What calloc did with the pages is read from the RSS it added, not assumed: from a fresh mmap
// it can leave them unwritten (already zero, allocated at first touch); from the heap it must
// clear them itself, which makes them resident as memset does. Without both RSS growths (or
// when memset's did not grow, so there is nothing to compare with) no verdict is drawn.
std::string calloc_words(const CallocFigures& f) {
  std::string calloc_detail;
  auto add = [&](const std::string& part) {
    calloc_detail += (calloc_detail.empty() ? "" : ", ") + part;
  };
  if (f.calloc_rss_kib) add(fmt::format("RSS +{:.0f} KiB", *f.calloc_rss_kib));
  if (f.calloc_resident_fraction)
    add(fmt::format("{:.0f}% of its pages resident", 100 * *f.calloc_resident_fraction));
  add(per_page(f.calloc_faults_per_page));
  std::string verdict, deferred_tail;
  if (f.calloc_rss_kib && f.memset_rss_kib && *f.memset_rss_kib > 0) {
    const bool deferred = *f.calloc_rss_kib < 0.5 * *f.memset_rss_kib;
    verdict = deferred ? ": calloc left the fresh mapping (already zero) unwritten, so its pages "
                         "are allocated only when first touched"
                       : ": calloc cleared the pages itself, so they became resident as with "
                         "memset";
    if (deferred) deferred_tail = ", so the saving is deferred to first use";
  } else {
    verdict = ": whether calloc wrote the pages is not shown (no RSS growth to compare)";
  }
  const std::string memset_rss =
      f.memset_rss_kib ? fmt::format("RSS +{:.0f} KiB, ", *f.memset_rss_kib) : std::string();
  return fmt::format(
      "calloc({}) took {} ({}){}; malloc+memset took {} ({}{}{}); touching the "
      "calloc'ed block later cost {} ({}{}){}",
      core::format_size(f.size_bytes), core::format_ns(f.calloc_ns), calloc_detail, verdict,
      core::format_ns(f.memset_ns),
      memset_rss, per_page(f.memset_faults_per_page),
      huge_note(f.memset_huge_fraction, "; ", "", f.huge_page_bytes), core::format_ns(f.touch_ns),
      per_page(f.touch_faults_per_page),
      huge_note(f.touch_huge_fraction, "; ", "", f.huge_page_bytes), deferred_tail);
}

}  // namespace illusion::labs::vm::alloc
