// Sequential scans of the whole test file through a fresh mapping per pass, warm and cold: plain
// MAP_SHARED, the same with madvise(MADV_SEQUENTIAL), and MAP_POPULATE. One op is the scan
// (sum_words) of one 64 KiB chunk, the size of read_64k_*'s op, so the rows compare line by
// line; what read() pays in syscalls and copies, mmap pays in page faults, and the counters per
// op show how many (fault-around and large folios map many pages per fault, so far fewer than
// the 16 pages of a chunk). mmap(2) and munmap(2) are timed too and go into the throughput.
#include <sys/mman.h>

#include <optional>
#include <stdexcept>
#include <string>

#include <fmt/format.h>

#include "core/barrier.h"
#include "core/counters.h"
#include "core/format.h"
#include "core/syscall_count.h"
#include "core/scratch_file.h"
#include "mmap_vs_read/io_file.h"
#include "mmap_vs_read/io_pass.h"
#include "mmap_vs_read/rows.h"

namespace illusion::labs::mmap_vs_read {
namespace {

constexpr std::size_t kChunk = 64 * kKiB;
constexpr double kPagesPerChunk = static_cast<double>(kChunk) / 4096.0;
constexpr double kChunksPerMiB = static_cast<double>(kMiB) / static_cast<double>(kChunk);

enum class Style { plain, sequential, populate };

int map_flags(Style s) {
  return MAP_SHARED | (s == Style::populate ? MAP_POPULATE : 0);
}

std::string flags_words(Style s) {
  switch (s) {
    case Style::sequential:
      return "MAP_SHARED, PROT_READ, madvise(MADV_SEQUENTIAL)";
    case Style::populate:
      return "MAP_SHARED | MAP_POPULATE, PROT_READ";
    case Style::plain:
      break;
  }
  return "MAP_SHARED, PROT_READ";
}

std::string style_words(Style s) {
  switch (s) {
    case Style::sequential:
      return "mmap + MADV_SEQUENTIAL";
    case Style::populate:
      return "mmap + MAP_POPULATE";
    case Style::plain:
      break;
  }
  return "mmap";
}

// Faults the kernel took inside the mmap(2) call (MAP_POPULATE faults the whole range in
// there), from both sources: populate goes through get_user_pages, whose faults the kernel adds
// to the thread's counters (getrusage) but, having no user registers to attribute them to, does
// not report to perf's page-faults event (mm_account_fault in mm/memory.c).
struct SetupFaults {
  core::CounterSet perf = core::CounterSet::open({.hardware = false});
  double perf_faults = 0, rusage_faults = 0;
  bool perf_available = true;
  std::string perf_reason;
  core::RusageSnapshot before;

  void start() {
    before = core::RusageSnapshot::now();
    perf.start();
  }
  void stop() {
    perf.stop();
    const core::RusageSnapshot after = core::RusageSnapshot::now();
    rusage_faults += static_cast<double>((after.minor_faults - before.minor_faults) +
                                         (after.major_faults - before.major_faults));
    for (const core::CounterReading& c : perf.read()) {
      if (c.name != "page_faults") continue;
      if (c.value) {
        perf_faults += *c.value;
      } else {
        perf_available = false;
        perf_reason = c.reason;
      }
    }
  }
};

// What one pass learned besides its op times.
struct PassOutcome {
  std::uint64_t sum = 0;
  double populate_ns = 0;  // the mmap call alone (MAP_POPULATE: the whole file faulted in)
};

// mmap (timed, setup), scan chunk by chunk (one op each), munmap (timed, setup).
PassOutcome scan_pass(const IoFile& f, Style style, PassTimer& timer, const core::Clock& clock,
                      SetupFaults& setup_faults) {
  PassOutcome out;
  std::optional<core::FileMapping> map;
  setup_faults.start();
  const double t0 = clock.now_ns();
  map.emplace(*f.file, PROT_READ, map_flags(style));
  const double t1 = clock.now_ns();
  setup_faults.stop();
  // Advice is part of the set-up cost; it only sets a flag on the VMA (readahead doubles,
  // pages behind the reader may be reclaimed first).
  if (style == Style::sequential && ::madvise(map->data(), map->size(), MADV_SEQUENTIAL) != 0)
    throw std::runtime_error("madvise(MADV_SEQUENTIAL) on the test file's mapping failed");
  const double t2 = clock.now_ns();
  out.populate_ns = t1 - t0;

  const char* data = map->data();
  const std::size_t size = map->size();
  timer.begin_pass();
  for (std::size_t off = 0; off < size; off += kChunk) {
    out.sum += sum_words(data + off, std::min(kChunk, size - off));
    timer.op_done();
  }
  timer.end_pass(size);

  const double t3 = clock.now_ns();
  map.reset();
  const double t4 = clock.now_ns();
  timer.add_setup_ns((t2 - t0) + (t4 - t3));
  return out;
}

// Syscalls per op in an untimed pass: chunk scans of a mapping already faulted in, so the
// count is what mmap's ops cost at the boundary once the faults are paid (none expected).
void count_scan_syscalls(core::Result& r, const IoFile& f) {
  constexpr std::size_t kChunks = 64;
  const std::size_t chunks = std::min<std::size_t>(kChunks, f.size() / kChunk);
  core::FileMapping map(*f.file, PROT_READ, MAP_SHARED);
  std::uint64_t sum = 0;
  for (std::size_t i = 0; i < chunks; ++i) sum += sum_words(map.data() + i * kChunk, kChunk);
  std::size_t next = 0;
  core::count_syscalls(r, chunks, [&] {
    sum += sum_words(map.data() + (next++ % chunks) * kChunk, kChunk);
    core::do_not_optimize(sum);
  });
}

// Faults per op from the pass counters, by core::faults_per_op's perf-else-getrusage rule.
void record_faults(core::Result& r, Cache cache) {
  const std::optional<core::FaultsPerOp> counted = core::faults_per_op(r);
  if (!counted) {
    warn_once(r,
              "no fault counter (perf page-faults nor getrusage) was available: faults per "
              "MiB not measured");
    return;
  }
  const double faults = counted->value;
  r.add_metric("faults_per_mib", faults * kChunksPerMiB, "faults/MiB");
  // No faults in the ops (MAP_POPULATE): pages per fault has no value to report.
  if (faults > 0) r.add_metric("pages_per_fault", kPagesPerChunk / faults, "pages/fault");
  if (cache == Cache::cold)
    if (const auto major = core::faults_per_op(r, core::FaultKind::major))
      r.add_metric("major_faults_per_mib", major->value * kChunksPerMiB, "faults/MiB");
}

void record_populate(core::Result& r, const SetupFaults& setup, double populate_ns,
                     std::size_t passes) {
  const double n = static_cast<double>(passes);
  r.add_metric("populate_ns", populate_ns / n, "ns");
  r.add_metric("populate_faults_rusage", setup.rusage_faults / n, "faults");
  if (!setup.perf_available) {
    r.add_param("populate_faults_perf", "unavailable: " + setup.perf_reason);
    return;
  }
  r.add_metric("populate_faults_perf", setup.perf_faults / n, "faults");
  if (setup.perf_faults != setup.rusage_faults)
    warn_once(
        r, fmt::format("the MAP_POPULATE mmap call took {} faults per pass by getrusage but {} by "
                       "perf's page-faults event: the kernel faults the range in on its own behalf "
                       "(get_user_pages), which the thread's counters see and perf does not",
                       core::format_count(setup.rusage_faults / n),
                       core::format_count(setup.perf_faults / n)));
}

std::string meaning_of(const core::Result& r, Style style, Cache cache) {
  const core::Metric* per_mib = r.metric("faults_per_mib");
  const core::Metric* per_fault = r.metric("pages_per_fault");
  std::string faults = "faults not counted";
  if (per_mib)
    faults =
        fmt::format("{} faults per 64 KiB", core::format_count(per_mib->value / kChunksPerMiB));
  if (per_fault)
    faults += fmt::format(" ({} pages per fault)", core::format_count(per_fault->value));
  std::string text = fmt::format("{} {}: {:.2f} GB/s, {} per 64 KiB at p50, {}", style_words(style),
                                 cache_name(cache), r.metric("throughput_gbps")->value,
                                 core::format_ns(r.stats->p50), faults);
  if (const core::Metric* major = r.metric("major_faults_per_mib"))
    text += fmt::format(", {} major faults per MiB", core::format_count(major->value));
  if (const core::Metric* populate = r.metric("populate_ns"))
    text += fmt::format("; the MAP_POPULATE mmap call itself took {} per pass",
                        core::format_ns(populate->value));
  return text;
}

core::Result run_mmap_scan(core::RunContext& ctx, core::Result r, Style style, Cache cache) {
  const IoFile& f = shared_file(ctx);
  if (cache == Cache::cold)
    if (std::string why = cold_unavailable_reason(f); !why.empty())
      return core::skipped(std::move(r), why);
  if (std::string why = mapping_unavailable_reason(f); !why.empty())
    return core::skipped(std::move(r), why);
  const std::size_t passes = passes_for(ctx.profile, cache == Cache::cold);
  PassTimer timer(*ctx.clock, passes * (f.size() / kChunk + 1));
  SetupFaults setup_faults;
  double populate_ns = 0;
  const CacheSnapshot before = cache_snapshot(f);
  for (std::size_t p = 0; p < passes; ++p) {
    // The file is not mapped here: eviction cannot be kept from mapped pages.
    prepare(f, cache, r);
    const PassOutcome pass = scan_pass(f, style, timer, *ctx.clock, setup_faults);
    if (pass.sum != f.checksum)
      throw std::runtime_error(
          "the bytes scanned through the mapping differ from the bytes written");
    populate_ns += pass.populate_ns;
    ctx.report_progress(static_cast<double>(p + 1) / static_cast<double>(passes));
  }
  const CacheSnapshot after = cache_snapshot(f);
  timer.finish(r,
               "the scan (sum of every word) of one 64 KiB chunk of a fresh mapping of the "
               "whole file; mmap and munmap counted in the throughput");
  count_scan_syscalls(r, f);
  record_cache(r, before, after);
  record_faults(r, cache);
  if (style == Style::populate) record_populate(r, setup_faults, populate_ns, passes);
  r.add_param("cache", cache_name(cache));
  r.add_param("file_bytes", static_cast<double>(f.size()));
  r.add_param("filesystem", f.fs.name);
  r.add_param("mapping", flags_words(style));
  r.meaning = meaning_of(r, style, cache);
  return r;
}

core::ExperimentBody body(Style style, Cache cache) {
  return [style, cache](core::RunContext& ctx, core::Result r) {
    return run_mmap_scan(ctx, std::move(r), style, cache);
  };
}

}  // namespace

std::vector<core::Experiment> mmap_rows() {
  const core::DurationHint warm{0.3, 1.2, 3.0}, cold{0.5, 2.5, 6.0};
  return {
      experiment("mmap_warm", "mmap scan, warm",
                 "Sequential scan of a fresh mapping of the cached file, per 64 KiB: no copy "
                 "and no syscall, but page faults (fault-around maps several pages per fault)",
                 "ns/op", warm, body(Style::plain, Cache::warm)),
      experiment("mmap_cold", "mmap scan, cold",
                 "Sequential scan of a fresh mapping with the file evicted: faults wait for the "
                 "readahead's IO (only a fault that finds no page at all counts as major)",
                 "ns/op", cold, body(Style::plain, Cache::cold)),
      experiment("mmap_seq_warm", "mmap + MADV_SEQUENTIAL, warm",
                 "The warm scan with madvise(MADV_SEQUENTIAL): the advice only changes "
                 "readahead, so from the cache it should change little",
                 "ns/op", warm, body(Style::sequential, Cache::warm)),
      experiment("mmap_seq_cold", "mmap + MADV_SEQUENTIAL, cold",
                 "The cold scan with madvise(MADV_SEQUENTIAL): more aggressive readahead for "
                 "the faults to wait on",
                 "ns/op", cold, body(Style::sequential, Cache::cold)),
      experiment("mmap_populate_warm", "mmap MAP_POPULATE, warm",
                 "MAP_POPULATE maps the whole cached file inside mmap(2): the scan takes no "
                 "faults, the mmap call pays them all up front",
                 "ns/op", warm, body(Style::populate, Cache::warm)),
      experiment("mmap_populate_cold", "mmap MAP_POPULATE, cold",
                 "MAP_POPULATE with the file evicted: mmap(2) itself reads the whole file from "
                 "the disk before returning",
                 "ns/op", cold, body(Style::populate, Cache::cold)),
  };
}

}  // namespace illusion::labs::mmap_vs_read
