// A MAP_PRIVATE mapping of a file: reads share the page cache, the first write to each page
// takes a copy-on-write fault that gives this process its own anonymous copy (mmap(2):
// "updates to the mapping are not visible to other processes mapping the same file, and are
// not carried through to the underlying file").
//
// Counted, not assumed: a read fault maps a whole fault-around window of cached pages
// (fault_around_bytes, 64 KiB by default), so reads take fewer faults than pages, while a
// write fault copies exactly one page, so writes take one fault per page.
#include <sys/mman.h>

#include <optional>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "core/counters.h"
#include "core/format.h"
#include "core/measure.h"
#include "core/resources.h"
#include "core/scratch_file.h"
#include "core/stats.h"
#include "vm/alloc.h"
#include "vm/alloc_probe.h"

namespace illusion::labs::vm::alloc {

core::Result run_private_file_cow(core::RunContext& ctx, core::Result r) {
  const std::uint64_t bytes = kCowFileBytes;
  const std::size_t pages = bytes / page_bytes();
  const FsInfo fs = filesystem_of(ctx.temp_dir);
  ScratchFile file(ctx.temp_dir, "vm-private-cow", bytes);
  std::vector<std::size_t> offsets(pages);
  for (std::size_t i = 0; i < pages; ++i) offsets[i] = i * page_bytes();
  std::vector<double> read_ns(pages, 0.0), write_ns(pages, 0.0), write_first_ns(pages, 0.0);

  FaultCount read_faults, write_first_faults;
  std::optional<double> anon_growth_kib;
  bool copies_hold_writes = true;
  std::optional<double> resident;
  core::CounterWindow window(true);
  {
    // Warm is an action: read the file now and check right before measuring that it is cached,
    // so the read faults below are minor (page cache hits), not disk reads.
    file.warm();
    FileMapping map(file, PROT_READ | PROT_WRITE, MAP_PRIVATE);
    resident = resident_fraction(map.data(), map.size());

    FaultWindow reads;
    reads.start();
    timed_touches(*ctx.clock, map.data(), offsets.data(), pages, Touch::read, read_ns.data());
    reads.stop();
    read_faults = reads.read();
    ctx.report_progress(0.3);

    const std::optional<double> anon0 = status_kib("RssAnon");
    window.start();
    timed_touches(*ctx.clock, map.data(), offsets.data(), pages, Touch::write, write_ns.data());
    window.stop();
    anon_growth_kib = difference(anon0, status_kib("RssAnon"));
    for (std::size_t i = 0; i < pages && copies_hold_writes; ++i)
      copies_hold_writes = map.data()[offsets[i]] == static_cast<char>(i | 1);
    ctx.report_progress(0.6);

    // A write to a page never read: the fault reads the page cache page and copies it in one
    // go (no read-only mapping first), and write faults never fault around.
    FileMapping fresh(file, PROT_READ | PROT_WRITE, MAP_PRIVATE);
    FaultWindow writes;
    writes.start();
    timed_touches(*ctx.clock, fresh.data(), offsets.data(), pages, Touch::write,
                  write_first_ns.data());
    writes.stop();
    write_first_faults = writes.read();
  }
  ctx.report_progress(0.9);
  // Both mappings are gone: what the file holds now is what any other reader would see.
  const bool unchanged = file.contents_unchanged();

  const double n = static_cast<double>(pages);
  core::finish_result(r, write_ns, n, &window);
  r.add_param("size_bytes", static_cast<double>(bytes));
  r.add_param("pages", n);
  r.add_param("filesystem", fs.name);
  r.add_param("mapping", "MAP_PRIVATE, PROT_READ|PROT_WRITE");
  r.add_param("stats_per", "first write to a page already mapped by a read (one CoW fault)");
  r.add_param("fault_count_source", read_faults.source);
  core::add_fault_warnings(r, read_faults);
  core::add_fault_warnings(r, write_first_faults);
  if (resident) r.add_metric("resident_fraction", *resident, "fraction");
  r.add_metric("read_faults_per_page", read_faults.faults / n, "faults/page");
  if (read_faults.faults > 0)
    r.add_metric("pages_per_read_fault", n / read_faults.faults, "pages/fault");
  r.add_metric("read_ns_per_page", core::median(read_ns), "ns");
  std::optional<double> write_fpp;
  if (const auto f = core::faults_per_op(r)) write_fpp = f->value;
  if (write_fpp) r.add_metric("write_faults_per_page", *write_fpp, "faults/page");
  r.add_metric("write_first_faults_per_page", write_first_faults.faults / n, "faults/page");
  r.add_metric("write_first_ns", core::median(write_first_ns), "ns");
  if (anon_growth_kib)
    r.add_metric("rss_anon_growth_kib", *anon_growth_kib, "KiB");
  else
    r.warnings.push_back(
        "RssAnon could not be read from /proc/self/status around the writes: the private "
        "copies' RSS growth is not reported");
  r.add_metric("file_unchanged", unchanged ? 1 : 0, "bool");

  if (!resident)
    r.warnings.push_back("mincore on the mapping failed: whether the file was cached is unknown");
  else if (*resident < 0.99)
    r.warnings.push_back(fmt::format(
        "only {:.1f}% of the file was cached right before the reads: some read faults went to "
        "disk",
        *resident * 100));
  if (read_faults.major > 0 || write_first_faults.major > 0)
    r.warnings.push_back(fmt::format("{:.0f} major faults (disk reads) while touching the file",
                                     read_faults.major + write_first_faults.major));
  if (!copies_hold_writes) {
    r.status = core::Status::failed;
    r.reason = "a written byte did not read back from the private mapping";
    return r;
  }
  if (!unchanged) {
    r.status = core::Status::failed;
    r.reason = "writes to a MAP_PRIVATE mapping reached the file";
    return r;
  }
  r.meaning = cow_words({.size_bytes = bytes,
                         .pages = n,
                         .read_faults_per_page = read_faults.faults / n,
                         .write_p50_ns = r.stats->p50,
                         .write_faults_per_page = write_fpp,
                         .rss_anon_growth_kib = anon_growth_kib});
  return r;
}

std::string cow_words(const CowFigures& f) {
  const std::string around =
      f.read_faults_per_page > 0
          ? fmt::format("one fault maps ~{:.0f} cached pages", 1 / f.read_faults_per_page)
          : std::string("no fault: the pages were mapped already");
  // "per copy-on-write fault" only where the count says each timed write was one.
  std::string writes;
  if (!f.write_faults_per_page)
    writes = fmt::format("the first write to each page took {} (its faults could not be counted)",
                         core::format_ns(f.write_p50_ns));
  else if (*f.write_faults_per_page >= 0.9 && *f.write_faults_per_page <= 1.1)
    writes = fmt::format(
        "the first write to each page took {:.2f} faults/page, {} per copy-on-write fault",
        *f.write_faults_per_page, core::format_ns(f.write_p50_ns));
  else
    writes = fmt::format("the first write to each page took {:.2f} faults/page, {} per write",
                         *f.write_faults_per_page, core::format_ns(f.write_p50_ns));
  const std::string rss = f.rss_anon_growth_kib
                              ? fmt::format(", RssAnon +{:.0f} KiB", *f.rss_anon_growth_kib)
                              : std::string();
  return fmt::format(
      "{} MAP_PRIVATE file: reading one byte per page took {:.3f} faults/page ({}); {}{}; the "
      "file read back unchanged",
      core::format_size(f.size_bytes), f.read_faults_per_page, around, writes, rss);
}

}  // namespace illusion::labs::vm::alloc
