// Random 4 KiB touches of a mapping of the test file: populated (warm), copied out with memcpy
// (warm: pread's copy without the syscall), fresh (warm: minor faults), fresh with MADV_RANDOM and
// fresh with the default read-around (cold: major faults).
#include <sys/mman.h>

#include <cstring>
#include <optional>
#include <string>
#include <variant>

#include <fmt/format.h>

#include "core/barrier.h"
#include "core/format.h"
#include "core/syscall_count.h"
#include "mmap_vs_read/io_file.h"
#include "mmap_vs_read/io_pass.h"
#include "mmap_vs_read/random_common.h"
#include "mmap_vs_read/random_io.h"

namespace illusion::labs::mmap_vs_read::random_common {
namespace {

Cache cache_of(MapStyle s) {
  return s == MapStyle::random || s == MapStyle::readaround ? Cache::cold : Cache::warm;
}

bool populated(MapStyle s) {
  return s == MapStyle::populated || s == MapStyle::copied;
}

std::string mapping_words(MapStyle s) {
  switch (s) {
    case MapStyle::populated:
    case MapStyle::copied:
      return "MAP_SHARED | MAP_POPULATE, PROT_READ, mapped before timing";
    case MapStyle::random:
      return "MAP_SHARED, PROT_READ, madvise(MADV_RANDOM), fresh";
    case MapStyle::readaround:
      return "MAP_SHARED, PROT_READ, default advice (read-around), fresh";
    case MapStyle::fresh:
      break;
  }
  return "MAP_SHARED, PROT_READ, fresh";
}

// What the mapping held after the pass: its resident size, the share mapped by 2 MiB entries,
// and (fresh mappings) the pages each fault mapped, which is why most touches take none.
void record_mapped(core::Result& r, const std::optional<random_io::ReadMapping::Mapped>& m,
                   MapStyle style, std::size_t ops) {
  if (!m) {
    warn_once(r,
              "this row's mapping was not found in /proc/self/smaps: pages mapped per fault "
              "not measured");
    return;
  }
  const double rss = static_cast<double>(m->rss_bytes);
  r.add_metric("mapped_mib", rss / static_cast<double>(kMiB), "MiB");
  if (rss > 0)
    r.add_metric("pmd_mapped_share", static_cast<double>(m->pmd_mapped_bytes) / rss, "fraction");
  const core::Metric* faults = r.metric("faults_per_op");
  const double fault_count = faults ? faults->value * static_cast<double>(ops) : 0;
  if (!populated(style) && fault_count > 0)
    r.add_metric("pages_mapped_per_fault", rss / kPageBytes / fault_count, "pages/fault");
}

// Cold read-around: pages each major fault brought into the cache (the windows overlap more as
// the cache fills, and stop at the file's end).
void record_pages_per_major_fault(core::Result& r, const IoFile& f, const CacheSnapshot& prepared,
                                  const CacheSnapshot& after, std::size_t ops) {
  const core::Metric* major = r.metric("major_faults_per_op");
  if (!major || major->value <= 0 || !prepared.resident || !after.resident) return;
  const double cached_pages =
      (*after.resident - *prepared.resident) * static_cast<double>(f.size()) / kPageBytes;
  r.add_metric("pages_cached_per_major_fault",
               cached_pages / (major->value * static_cast<double>(ops)), "pages/fault");
}

std::string pmd_text(const core::Result& r) {
  const core::Metric* pmd = r.metric("pmd_mapped_share");
  return pmd ? fmt::format(", {} of the mapped bytes by 2 MiB entries",
                           core::format_percent(pmd->value))
             : std::string();
}

// " (window: read_ahead_kb 8192 = 2048 pages)"
std::string ra_window_text(const core::Result& r) {
  for (const core::Param& p : r.params)
    if (p.name == "read_ahead_kb")
      if (const double* kib = std::get_if<double>(&p.value))
        return fmt::format(" (window: read_ahead_kb {} = {} pages)", core::format_whole(*kib),
                           core::format_whole(*kib * 1024 / kPageBytes));
  return "";
}

std::string mmap_meaning(const core::Result& r, MapStyle style) {
  const std::string faults = metric_text(r, "faults_per_op", "faults per page");
  switch (style) {
    case MapStyle::populated:
      return fmt::format(
          "summing a 4 KiB page of a populated mapping, warm: {}{}{}: no copy, "
          "no kernel entry{}",
          figures(r), faults, syscall_text(r), pmd_text(r));
    case MapStyle::copied:
      return fmt::format(
          "memcpy of a 4 KiB page out of a populated mapping into a buffer, then its sum, warm: "
          "{}{}{}: pread's copy and sum without the syscall and the page-cache lookup",
          figures(r), faults, syscall_text(r));
    case MapStyle::fresh:
      return fmt::format(
          "touching 4 KiB of a fresh mapping, warm: {}{}{}{}: fault-around maps "
          "cached neighbours (whole large folios), so most touches take no fault",
          figures(r), faults, metric_text(r, "pages_mapped_per_fault", "pages mapped per fault"),
          pmd_text(r));
    case MapStyle::random:
      return fmt::format("touching 4 KiB of a fresh MADV_RANDOM mapping, cold: {}{}{}", figures(r),
                         metric_text(r, "major_faults_per_op", "major faults per page"),
                         metric_text(r, "read_amplification",
                                     "pages brought into the cache per "
                                     "page touched"));
    case MapStyle::readaround:
      break;
  }
  std::string text = fmt::format(
      "touching 4 KiB of a fresh mapping with read-around, cold: {}{}{}{}{}", figures(r),
      metric_text(r, "major_faults_per_op", "major faults per page"),
      metric_text(r, "pages_cached_per_major_fault", "pages read per major fault"),
      ra_window_text(r),
      metric_text(r, "read_amplification", "pages brought into the cache per page touched"));
  if (const core::Metric* resident = r.metric("resident_after"))
    text += fmt::format(" (the file ended {} cached)", core::format_percent(resident->value));
  return text;
}

core::Result run_mmap(core::RunContext& ctx, core::Result r, MapStyle style) {
  const Cache cache = cache_of(style);
  const IoFile& f = shared_file(ctx);
  if (std::string why = unavailable_reason(f, cache); !why.empty())
    return core::skipped(std::move(r), why);
  if (std::string why = mapping_unavailable_reason(f); !why.empty())
    return core::skipped(std::move(r), why);
  const random_io::RowFd fd(f.fd());
  if (!fd.warning().empty()) warn_once(r, fd.warning());
  const Plan plan = plan_for(ctx, f, cache);
  PassTimer timer(*ctx.clock, plan.offsets.size());
  const core::Clock& clock = *ctx.clock;
  const CacheSnapshot before = cache_snapshot(f);
  // Prepared while unmapped: eviction cannot drop pages a mapping holds.
  const CacheSnapshot prepared = prepare(f, cache, r);

  const double t0 = clock.now_ns();
  std::optional<random_io::ReadMapping> map;
  map.emplace(fd.get(), static_cast<std::size_t>(f.size()), populated(style) ? MAP_POPULATE : 0);
  if (style == MapStyle::random) map->advise(MADV_RANDOM, "MADV_RANDOM");
  const double map_ns = clock.now_ns() - t0;

  const char* data = map->data();
  random_io::PageBuffer buf(1);  // the copy's destination, like pread's: one reused page
  const Pass pass = style == MapStyle::copied
                        ? timed_pass(timer, plan,
                                     [data, &buf](std::uint64_t offset) {
                                       std::memcpy(buf.page(0), data + offset, kPage);
                                       core::clobber_memory();  // the copy must happen
                                       return sum_words(buf.page(0), kPage);
                                     })
                        : timed_pass(timer, plan, [data](std::uint64_t offset) {
                            return sum_words(data + offset, kPage);
                          });
  const CacheSnapshot after = cache_snapshot(f);
  const std::optional<random_io::ReadMapping::Mapped> mapped = map->mapped();

  // Pages the pass touched are mapped now: the count is what a touch costs in syscalls.
  std::size_t next = 0;
  std::uint64_t count_sum = 0;
  core::count_syscalls(r, kSyscallCountOps, [&] {
    count_sum += sum_words(data + plan.offsets[next++ % pass.ops], kPage);
    core::do_not_optimize(count_sum);
  });
  const double t1 = clock.now_ns();
  map.reset();
  const double unmap_ns = clock.now_ns() - t1;
  ctx.report_progress(1.0);

  if (populated(style)) {
    // Faulting in was done before timing on purpose: this row is the mapping already paid for.
    r.add_metric("populate_ns", map_ns, "ns");
    r.add_metric("munmap_ns", unmap_ns, "ns");
  } else {
    timer.add_setup_ns(map_ns + unmap_ns);  // a fresh mapping's set-up belongs to its reads
  }
  timer.finish(r, style == MapStyle::copied
                      ? "a memcpy of one 4 KiB page of a mapping whose pages are all mapped "
                        "already into a buffer, then a sum of every word of the buffer"
                  : style == MapStyle::populated
                      ? "the sum of every word of one 4 KiB page of a mapping whose pages are "
                        "all mapped already"
                      : "the first touch (sum of every word) of one 4 KiB page of a fresh "
                        "mapping; mmap and munmap counted in the throughput");
  finish_row(r, f, plan, 1, pass, before, after);
  record_faults(r);
  record_mapped(r, mapped, style, pass.ops);
  if (cache == Cache::cold) record_amplification(r, f, prepared, after, pass.ops);
  if (style == MapStyle::readaround) {
    record_pages_per_major_fault(r, f, prepared, after, pass.ops);
    // The read-around window is this many KiB (ra_pages), centred on the faulting page.
    if (const std::optional<double> ra = random_io::read_ahead_kib(fd.get()))
      r.add_param("read_ahead_kb", *ra);
  }
  r.add_param("mapping", mapping_words(style));
  if (populated(style))
    if (const core::Metric* faults = r.metric("faults_per_op"); faults && faults->value > 0.01)
      warn_once(r, fmt::format("the populated mapping still took {} faults per page: some pages "
                               "were unmapped or reclaimed between populating and reading",
                               core::format_count(faults->value)));
  r.meaning = mmap_meaning(r, style);
  return r;
}

}  // namespace

core::ExperimentBody mmap_body(MapStyle style) {
  return
      [style](core::RunContext& ctx, core::Result r) { return run_mmap(ctx, std::move(r), style); };
}

}  // namespace illusion::labs::mmap_vs_read::random_common
