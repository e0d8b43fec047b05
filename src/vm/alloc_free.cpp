// What free(3) gives back to the system, and what malloc_trim(3) adds.
//
// A block glibc mmap'ed for itself is munmap'ed by free at once. Heap blocks are only returned
// to glibc's free lists: the heap shrinks (brk) only when free space at its very top exceeds
// M_TRIM_THRESHOLD (mallopt(3)), so one live block near the top keeps everything below it
// resident. malloc_trim(3) (glibc >= 2.8) also releases whole free pages in the middle of the
// heap, with madvise(MADV_DONTNEED). RSS is read from VmRSS in /proc/self/status (proc(5)).
#include <malloc.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <new>
#include <optional>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "core/barrier.h"
#include "core/counters.h"
#include "core/format.h"
#include "core/measure.h"
#include "core/resources.h"
#include "vm/alloc.h"
#include "vm/alloc_probe.h"

namespace illusion::labs::vm::alloc {
namespace {

// Above tcache's 1032-byte limit and below the mmap threshold: an ordinary heap block.
constexpr std::size_t kBlockBytes = 4096;
constexpr std::size_t kFreeBatch = 256;

// nullopt when VmRSS cannot be read (never 0: a 0 would pass for memory given back).
std::optional<double> rss_kib() { return status_kib("VmRSS"); }

// The blocks still allocated, freed on every exit path.
struct Blocks {
  std::vector<char*> live;
  ~Blocks() {
    for (char* b : live) std::free(b);
  }
};

}  // namespace

std::uint64_t heap_churn_bytes(core::Profile p) {
  return p == core::Profile::quick ? 16 * kMiB : 64 * kMiB;
}

core::Result run_free_returns_memory(core::RunContext& ctx, core::Result r) {
  const std::size_t total = heap_churn_bytes(ctx.profile);
  const std::size_t count = total / kBlockBytes;
  core::require_free_memory(total + kLargeBlockBytes, "vm.free_returns_memory");
  const core::Clock& clock = *ctx.clock;
  if (!status_kib("VmRSS")) {
    r.status = core::Status::skipped;
    r.reason = "VmRSS is missing from /proc/self/status: RSS cannot be followed";
    return r;
  }
  // The large block first, while the heap holds no free chunk that large: glibc searches its
  // free lists before it maps (mallopt(3): the threshold applies to requests the heap cannot
  // serve), so after the churn below a 64 MiB request could be carved from the freed heap.
  // mallinfo2(3) `hblks` says which it was.
  const std::optional<double> rss_large0 = rss_kib();
  const std::size_t hblks0 = ::mallinfo2().hblks;
  char* big = static_cast<char*>(std::malloc(kLargeBlockBytes));
  if (!big) throw std::bad_alloc();
  const bool large_by_mmap = ::mallinfo2().hblks > hblks0;
  std::memset(big, 1, kLargeBlockBytes);
  core::do_not_optimize(big);
  const std::optional<double> rss_large_touched = rss_kib();
  const double free0 = clock.now_ns();
  std::free(big);
  const double free_large_ns = clock.now_ns() - free0;
  const std::optional<double> rss_large_freed = rss_kib();
  ctx.report_progress(0.3);

  Blocks held;
  std::vector<char*>& blocks = held.live;
  blocks.reserve(count);
  std::vector<double> per_free_ns;
  per_free_ns.reserve(count / kFreeBatch + 1);

  const std::optional<double> rss_start = rss_kib();
  for (std::size_t i = 0; i < count; ++i) {
    char* p = static_cast<char*>(std::malloc(kBlockBytes));
    if (!p) throw std::bad_alloc();
    std::memset(p, 1, kBlockBytes);
    blocks.push_back(p);
  }
  const std::optional<double> rss_touched = rss_kib();
  ctx.report_progress(0.6);

  // Keep the block at the highest address: it borders the heap's top chunk, so free cannot
  // shrink the heap beneath it, as in any long-running program with one live block up there.
  const auto pin = std::max_element(blocks.begin(), blocks.end());
  char* pinned = *pin;
  std::iter_swap(pin, blocks.end() - 1);  // the pinned block is freed last, by the guard if need be

  core::CounterWindow window(true);
  window.start();
  const std::size_t to_free = blocks.size() - 1;
  for (std::size_t i = 0; i < to_free; i += kFreeBatch) {
    const std::size_t end = std::min(to_free, i + kFreeBatch);
    const double t0 = clock.now_ns();
    for (std::size_t k = i; k < end; ++k) std::free(blocks[k]);
    const double t1 = clock.now_ns();
    per_free_ns.push_back((t1 - t0) / static_cast<double>(end - i));
  }
  window.stop();
  const double frees = static_cast<double>(to_free);
  blocks.assign(1, pinned);
  const std::optional<double> rss_freed = rss_kib();

  const double trim0 = clock.now_ns();
  const int trim_released = ::malloc_trim(0);
  const double trim_ns = clock.now_ns() - trim0;
  const std::optional<double> rss_trimmed = rss_kib();
  std::free(pinned);
  blocks.clear();

  ctx.report_progress(1.0);

  core::finish_result(r, std::move(per_free_ns), frees, &window);
  const std::optional<double> small_kib = difference(rss_start, rss_touched);
  const std::optional<double> retained_kib = difference(rss_start, rss_freed);
  const std::optional<double> trim_kib = difference(rss_trimmed, rss_freed);
  const std::optional<double> large_kib = difference(rss_large0, rss_large_touched);
  const std::optional<double> large_returned_kib = difference(rss_large_freed, rss_large_touched);

  r.add_param("small_block_bytes", static_cast<double>(kBlockBytes));
  r.add_param("small_blocks", static_cast<double>(count));
  r.add_param("large_block_bytes", static_cast<double>(kLargeBlockBytes));
  r.add_param("stats_per", fmt::format("one free() of a {}-byte heap block (batches of {})",
                                       kBlockBytes, kFreeBatch));
  r.add_param("rss_steps",
              "0 large block written, 1 large block freed, 2 small blocks written, 3 all but "
              "the top one freed, 4 malloc_trim(0)");
  // A reading that failed is left out of the series and its metrics (null, "—"), never 0.
  core::Series steps{"rss_steps", "step", "KiB", {}};
  const std::optional<double> step_kib[] = {rss_large_touched, rss_large_freed, rss_touched,
                                            rss_freed, rss_trimmed};
  int unreadable = 0;
  for (int i = 0; i < 5; ++i) {
    if (step_kib[i])
      steps.points.emplace_back(i, *step_kib[i]);
    else
      ++unreadable;
  }
  r.series.push_back(std::move(steps));
  if (unreadable > 0 || !rss_start || !rss_large0)
    r.warnings.push_back(
        "VmRSS could not be read from /proc/self/status at every step: the figures that need "
        "a missing reading are not reported");
  auto add_kib = [&](const char* name, std::optional<double> v) {
    if (v) r.add_metric(name, *v, "KiB");
  };
  add_kib("rss_start_kib", rss_start);
  add_kib("rss_small_written_kib", rss_touched);
  add_kib("rss_small_freed_kib", rss_freed);
  add_kib("rss_after_trim_kib", rss_trimmed);
  add_kib("rss_large_written_kib", rss_large_touched);
  add_kib("rss_large_freed_kib", rss_large_freed);
  add_kib("small_allocated_kib", small_kib);
  add_kib("retained_after_free_kib", retained_kib);
  add_kib("returned_by_trim_kib", trim_kib);
  add_kib("large_returned_kib", large_returned_kib);
  if (small_kib && retained_kib && *small_kib > 0)
    r.add_metric("retained_fraction", *retained_kib / *small_kib, "fraction");
  if (large_kib && large_returned_kib && *large_kib > 0)
    r.add_metric("large_returned_fraction", *large_returned_kib / *large_kib, "fraction");
  r.add_metric("malloc_trim_released", trim_released, "bool");
  r.add_metric("large_served_by_mmap", large_by_mmap ? 1 : 0, "bool");
  r.add_metric("malloc_trim_ns", trim_ns, "ns");
  r.add_metric("free_large_ns", free_large_ns, "ns");
  if (small_kib && *small_kib < 0.5 * static_cast<double>(total) / 1024)
    r.warnings.push_back(fmt::format(
        "writing {} of small blocks grew VmRSS by only {:.0f} KiB: the heap reused memory it "
        "already held, so the retained figure is understated",
        core::format_size(total), *small_kib));

  if (!large_by_mmap)
    r.warnings.push_back(fmt::format(
        "the {} block was carved from free heap space, not mmap'ed: its free could not return "
        "it at once",
        core::format_size(kLargeBlockBytes)));

  r.meaning = free_words({.total_bytes = total,
                          .block_bytes = kBlockBytes,
                          .large_bytes = kLargeBlockBytes,
                          .small_kib = small_kib,
                          .retained_kib = retained_kib,
                          .trim_kib = trim_kib,
                          .large_kib = large_kib,
                          .large_returned_kib = large_returned_kib,
                          .trim_ns = trim_ns,
                          .free_large_ns = free_large_ns,
                          .large_by_mmap = large_by_mmap});
  return r;
}

std::string free_words(const FreeFigures& f) {
  std::string small;
  if (f.small_kib && f.retained_kib) {
    // Whether the heap kept the memory is read from the figures, not assumed.
    const bool kept = *f.small_kib > 0 && *f.retained_kib >= 0.5 * *f.small_kib;
    small = fmt::format("RSS +{:.0f} KiB; after freeing all but the top block it was still "
                        "+{:.0f} KiB ({})",
                        *f.small_kib, *f.retained_kib,
                        kept ? "the heap kept it" : "most of it went back without a trim");
  } else {
    small = "RSS could not be followed through the frees";
  }
  const std::string trim = f.trim_kib
                               ? fmt::format("malloc_trim(0) returned {:.0f} KiB in {}",
                                             *f.trim_kib, core::format_ns(f.trim_ns))
                               : fmt::format("malloc_trim(0) took {} (what it returned is unknown)",
                                             core::format_ns(f.trim_ns));
  const std::string large =
      f.large_kib && f.large_returned_kib
          ? fmt::format("returned {:.0f} of {:.0f} KiB on free ({})", *f.large_returned_kib,
                        *f.large_kib, core::format_ns(f.free_large_ns))
          : fmt::format("was freed in {} (what it returned is unknown)",
                        core::format_ns(f.free_large_ns));
  return fmt::format("{} in {}-byte blocks: {}, {}; a {} block ({}) {}",
                     core::format_size(f.total_bytes), f.block_bytes, small, trim,
                     core::format_size(f.large_bytes),
                     f.large_by_mmap ? "mmap'ed: free is munmap" : "from the heap", large);
}

}  // namespace illusion::labs::vm::alloc
