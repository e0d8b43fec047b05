// Random 4 KiB reads, warm and cold: pread(2), touching a page of a mapping (populated, fresh,
// fresh with MADV_RANDOM, fresh with the default read-around), a memcpy of the page out of a
// populated mapping (pread's copy without the syscall), and io_uring at queue depth 1 and 32. Every
// row reads the same distinct pages in the same random order (a prefix of one fixed shuffle), sums
// every word of each page and checks the total against the file's pattern.
//
// What the rows show: from the cache, a page already mapped costs no syscall, no copy and no
// fault (mmap wins); a fresh mapping pays a minor fault per page instead; from the disk, every
// reader waits for the device once per page, except that a mapping without MADV_RANDOM reads a
// whole window around each faulting page (read-around), and io_uring overlaps 32 such waits.
#include <sys/mman.h>

#include <algorithm>
#include <cstring>
#include <limits>
#include <numeric>
#include <optional>
#include <stdexcept>
#include <string>
#include <variant>
#include <vector>

#include <fmt/format.h>

#include "core/barrier.h"
#include "core/counters.h"
#include "core/format.h"
#include "core/measure.h"
#include "core/syscall_count.h"
#include "mmap_vs_read/io_file.h"
#include "mmap_vs_read/io_pass.h"
#include "mmap_vs_read/random_io.h"
#include "mmap_vs_read/rows.h"

namespace illusion::labs::mmap_vs_read {
namespace {

using random_io::kPage;

constexpr double kPageBytes = static_cast<double>(kPage);
constexpr std::size_t kSyscallCountOps = 64;        // pread and mmap: exact, so few suffice
constexpr std::size_t kUringSyscallCountOps = 256;  // qd32: eight refills of the whole ring

// Reads per row. Cold reads cost ~60-150 µs each here, warm ones ~1 µs: the cold counts keep a
// row well under a second, the warm ones give the tail percentiles enough samples.
std::size_t planned_ops(core::Profile p, Cache cache) {
  const bool cold = cache == Cache::cold;
  switch (p) {
    case core::Profile::quick:
      return cold ? 512 : 4096;
    case core::Profile::thorough:
      return cold ? 16384 : std::numeric_limits<std::size_t>::max();
    case core::Profile::standard:
      break;
  }
  return cold ? 4096 : 65536;
}

// Timed seconds one row may spend before it stops early (a slower disk than planned for).
double time_share_s(core::Profile p) {
  switch (p) {
    case core::Profile::quick:
      return 0.4;
    case core::Profile::thorough:
      return 5.0;
    case core::Profile::standard:
      break;
  }
  return 1.2;
}

struct Plan {
  Cache cache = Cache::warm;
  std::vector<std::uint64_t> offsets;  // the pages to read, in order
  double share_ns = 0;
};

Plan plan_for(const core::RunContext& ctx, const IoFile& f, Cache cache) {
  return {cache, random_io::random_page_offsets(f.size(), planned_ops(ctx.profile, cache)),
          time_share_s(ctx.profile) * 1e9};
}

// What a timed pass did: the sum of the pages read and how many it read (a prefix of the plan).
struct Pass {
  std::uint64_t sum = 0;
  std::size_t ops = 0;
  bool stopped_early = false;
};

// One timed op per offset: `read_page(offset)` returns the sum of the page's words. The row's
// time share is checked against the op times already measured, so it costs no clock reading.
template <class ReadPage>
Pass timed_pass(PassTimer& timer, const Plan& plan, ReadPage&& read_page) {
  Pass pass;
  double spent_ns = 0;
  timer.begin_pass();
  for (std::uint64_t offset : plan.offsets) {
    pass.sum += read_page(offset);
    timer.op_done();
    ++pass.ops;
    spent_ns += timer.op_ns().back();
    if (spent_ns > plan.share_ns && pass.ops < plan.offsets.size()) {
      pass.stopped_early = true;
      break;
    }
  }
  timer.end_pass(pass.ops * kPage);
  return pass;
}

// The reason a row cannot run here, "" when it can.
std::string unavailable_reason(const IoFile& f, Cache cache) {
  return cache == Cache::cold ? cold_unavailable_reason(f) : std::string();
}

void record_faults(core::Result& r) {
  const auto faults = core::faults_per_op(r);
  const auto major = core::faults_per_op(r, core::FaultKind::major);
  if (faults) r.add_metric("faults_per_op", faults->value, "faults/op");
  if (major) r.add_metric("major_faults_per_op", major->value, "faults/op");
  if (!faults || !major)
    warn_once(r,
              "no fault counter (perf page-faults nor getrusage) was available: faults per "
              "read not measured");
}

// Pages the page cache gained per op during a cold pass: 1 when each read brought in only its
// own page, more when the kernel read around it. From the file's mincore residency, and from
// the system-wide Cached figure (which anything else running also moves).
void record_amplification(core::Result& r, const IoFile& f, const CacheSnapshot& prepared,
                          const CacheSnapshot& after, std::size_t ops) {
  if (ops == 0) return;
  const double n = static_cast<double>(ops);
  const double file_pages = static_cast<double>(f.size()) / kPageBytes;
  if (prepared.resident && after.resident)
    r.add_metric("read_amplification", (*after.resident - *prepared.resident) * file_pages / n,
                 "pages/op");
  if (prepared.cached_kib && after.cached_kib)
    r.add_metric("read_amplification_meminfo",
                 (*after.cached_kib - *prepared.cached_kib) / (kPageBytes / 1024.0) / n,
                 "pages/op");
}

// The sum check, the params and metrics every row carries, the cache record.
void finish_row(core::Result& r, const IoFile& f, const Plan& plan, unsigned queue_depth,
                const Pass& pass, const CacheSnapshot& before, const CacheSnapshot& after) {
  if (pass.sum != random_io::expected_sum(plan.offsets, pass.ops))
    throw std::runtime_error("the 4 KiB pages read differ from the bytes written");
  record_cache(r, before, after);
  r.add_param("cache", cache_name(plan.cache));
  r.add_param("file_bytes", static_cast<double>(f.size()));
  r.add_param("filesystem", f.fs.name);
  r.add_param("queue_depth", static_cast<double>(queue_depth));
  r.add_param("offsets", static_cast<double>(pass.ops));
  r.add_param("offsets_planned", static_cast<double>(plan.offsets.size()));
  r.add_param("offset_order",
              fmt::format("distinct 4 KiB pages of the file, std::shuffle with "
                          "std::mt19937_64(0x{:x}), the first {} taken; the same for every row",
                          random_io::kOffsetSeed, plan.offsets.size()));
  r.add_param("time_share_s", plan.share_ns / 1e9);
  r.add_param("stopped_early",
              pass.stopped_early
                  ? fmt::format("yes: after {} of {} reads the row's time share ({:.1f} s) ran out",
                                pass.ops, plan.offsets.size(), plan.share_ns / 1e9)
                  : std::string("no"));
  if (const core::Metric* gbps = r.metric("throughput_gbps"))
    r.add_metric("iops", gbps->value * 1e9 / kPageBytes, "ops/s");
}

// "12.3 µs per read at p50 (p99 40.1 µs), 0.33 GB/s = 80.1k IOPS"
std::string figures(const core::Result& r) {
  return fmt::format("{} per read at p50 (p99 {}), {:.2f} GB/s = {} IOPS",
                     core::format_ns(r.stats->p50), core::format_ns(r.stats->p99),
                     r.metric("throughput_gbps")->value,
                     core::format_count(r.metric("iops")->value));
}

std::string metric_text(const core::Result& r, const char* name, const char* words) {
  const core::Metric* m = r.metric(name);
  return m ? fmt::format(", {} {}", core::format_count(m->value), words) : std::string();
}

std::string syscall_text(const core::Result& r) {
  const core::CounterValue* c = r.counter("syscalls");
  return c && c->per_op ? fmt::format(", {} syscalls per read", core::format_count(*c->per_op))
                        : std::string();
}

// ---- pread(2) ----

core::Result run_pread(core::RunContext& ctx, core::Result r, Cache cache) {
  const IoFile& f = shared_file(ctx);
  if (std::string why = unavailable_reason(f, cache); !why.empty())
    return core::skipped(std::move(r), why);
  const random_io::RowFd fd(f.fd());
  if (!fd.warning().empty()) warn_once(r, fd.warning());
  const Plan plan = plan_for(ctx, f, cache);
  random_io::PageBuffer buf(1);
  PassTimer timer(*ctx.clock, plan.offsets.size());
  const CacheSnapshot before = cache_snapshot(f);
  const CacheSnapshot prepared = prepare(f, cache, r);
  const Pass pass = timed_pass(timer, plan, [&](std::uint64_t offset) {
    random_io::pread_page(fd.get(), offset, buf.page(0));
    return sum_words(buf.page(0), kPage);
  });
  const CacheSnapshot after = cache_snapshot(f);
  ctx.report_progress(1.0);

  timer.finish(r,
               "one pread(2) of 4 KiB at a random page offset into a buffer, then a sum of "
               "every word");
  std::size_t next = 0;
  core::count_syscalls(r, kSyscallCountOps, [&] {
    random_io::pread_page(fd.get(), plan.offsets[next++ % pass.ops], buf.page(0));
  });
  finish_row(r, f, plan, 1, pass, before, after);
  record_faults(r);
  if (cache == Cache::cold) record_amplification(r, f, prepared, after, pass.ops);
  r.meaning = fmt::format("random pread(2) of 4 KiB, {}: {}{}{}", cache_name(cache), figures(r),
                          syscall_text(r),
                          metric_text(r, "read_amplification",
                                      "pages brought into the cache "
                                      "per read"));
  return r;
}

// ---- touching a page of a mapping ----

enum class MapStyle {
  populated,   // warm: MAP_POPULATE, every page mapped before timing
  copied,      // warm: populated, and each page memcpy'd to a buffer first: pread minus the kernel
  fresh,       // warm: a fresh mapping, a minor fault per page not yet mapped
  random,      // cold: a fresh mapping with MADV_RANDOM, a major fault per page
  readaround,  // cold: a fresh mapping with the default advice, a major fault reads around
};

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

// ---- io_uring ----

core::Result run_uring(core::RunContext& ctx, core::Result r, unsigned depth, Cache cache) {
  const IoFile& f = shared_file(ctx);
  if (std::string why = unavailable_reason(f, cache); !why.empty())
    return core::skipped(std::move(r), why);
  random_io::UringReader reader(depth);
  if (!reader.unavailable().empty()) return core::skipped(std::move(r), reader.unavailable());
  const random_io::RowFd fd(f.fd());
  if (!fd.warning().empty()) warn_once(r, fd.warning());
  const Plan plan = plan_for(ctx, f, cache);
  const core::Clock& clock = *ctx.clock;
  std::vector<double> latency_ns;
  // Written once now, so that recording a latency never takes a first-touch fault in the run.
  latency_ns.resize(plan.offsets.size());
  latency_ns.clear();
  Pass pass;
  const auto sink = [&](const random_io::PageRead& p) {
    pass.sum += sum_words(p.page, kPage);
    latency_ns.push_back(p.latency_ns);
  };

  const CacheSnapshot before = cache_snapshot(f);
  const CacheSnapshot prepared = prepare(f, cache, r);
  core::CounterWindow window(/*enabled=*/true);
  window.start();
  const random_io::UringRun run = reader.read(fd.get(), plan.offsets, plan.offsets.size(), clock,
                                              clock.now_ns() + plan.share_ns, sink);
  window.stop();
  const CacheSnapshot after = cache_snapshot(f);
  pass.ops = run.ops;
  pass.stopped_early = run.stopped_early;
  ctx.report_progress(1.0);

  const double ops = static_cast<double>(run.ops);
  const double bytes = ops * kPageBytes;
  const double latency_total = std::accumulate(latency_ns.begin(), latency_ns.end(), 0.0);
  core::finish_result(r, std::move(latency_ns), ops, &window);
  r.add_param("op", fmt::format("one IORING_OP_READ of 4 KiB at a random page offset, {} in "
                                "flight at most; per-op time from its submission to the reaping "
                                "of its completion (the sum of its words comes after, counted "
                                "in the throughput only)",
                                depth));
  r.add_param("passes", 1.0);
  r.add_param("clock_overhead_subtracted_ns", clock.info().overhead_ns);
  r.add_param("buffers", "plain (not registered)");
  r.add_metric("throughput_gbps", gb_per_s(bytes, run.wall_ns), "GB/s");
  if (ops > 0) r.add_metric("bytes_per_op", kPageBytes, "B");
  r.add_metric("ops", ops, "ops");
  // Little's law: the reads in flight on average over the run.
  if (run.wall_ns > 0) r.add_metric("mean_in_flight", latency_total / run.wall_ns, "reads");

  // Syscalls per read depend on whether reads complete inline (cached) or later (from the
  // device), so a cold row counts on evicted pages again.
  if (cache == Cache::cold) prepare(f, Cache::cold, r);
  const std::size_t count_ops = std::min(kUringSyscallCountOps, plan.offsets.size());
  std::uint64_t count_sum = 0;
  core::count_syscalls(
      r, 1,
      [&] {
        reader.read(fd.get(), plan.offsets, count_ops, clock,
                    std::numeric_limits<double>::infinity(),
                    [&](const random_io::PageRead& p) { count_sum += sum_words(p.page, kPage); });
      },
      static_cast<double>(count_ops));
  if (count_sum != random_io::expected_sum(plan.offsets, count_ops))
    throw std::runtime_error("the 4 KiB pages read by io_uring differ from the bytes written");

  finish_row(r, f, plan, depth, pass, before, after);
  record_faults(r);
  if (cache == Cache::cold) record_amplification(r, f, prepared, after, pass.ops);
  r.meaning = fmt::format(
      "io_uring 4 KiB reads at queue depth {}, {}: {} (submission to "
      "reaping){}{}",
      depth, cache_name(cache), figures(r),
      metric_text(r, "mean_in_flight", "in flight on average"), syscall_text(r));
  return r;
}

core::ExperimentBody pread_body(Cache cache) {
  return [cache](core::RunContext& ctx, core::Result r) {
    return run_pread(ctx, std::move(r), cache);
  };
}

core::ExperimentBody mmap_body(MapStyle style) {
  return
      [style](core::RunContext& ctx, core::Result r) { return run_mmap(ctx, std::move(r), style); };
}

core::ExperimentBody uring_body(unsigned depth, Cache cache) {
  return [depth, cache](core::RunContext& ctx, core::Result r) {
    return run_uring(ctx, std::move(r), depth, cache);
  };
}

}  // namespace

std::vector<core::Experiment> random_rows() {
  // Warm rows first: each warms the file from the cache, not from the disk a cold row left it on.
  const core::DurationHint warm{0.1, 0.5, 3.0}, cold{0.15, 0.8, 4.0};
  return {
      experiment("rand_pread_warm", "pread 4 KiB random, warm",
                 "pread(2) of 4 KiB at random pages of the cached file: a syscall and a 4 KiB "
                 "copy per read",
                 "ns/op", warm, pread_body(Cache::warm)),
      experiment("rand_mmap_warm", "mmap touch 4 KiB random, warm",
                 "Summing random 4 KiB pages of a mapping populated before timing: no syscall, "
                 "no copy, no fault; where mmap wins",
                 "ns/op", warm, mmap_body(MapStyle::populated)),
      experiment("rand_copy_warm", "memcpy 4 KiB random, warm",
                 "memcpy of random 4 KiB pages out of a populated mapping into a buffer: "
                 "pread's copy with no syscall and no page-cache lookup, what kernel bypass "
                 "leaves",
                 "ns/op", warm, mmap_body(MapStyle::copied)),
      experiment("rand_mmap_warm_fresh", "mmap touch 4 KiB random, warm, fresh mapping",
                 "First touches of random pages of a fresh mapping of the cached file: a minor "
                 "fault per page not yet mapped by fault-around",
                 "ns/op", warm, mmap_body(MapStyle::fresh)),
      experiment("rand_uring_qd1_warm", "io_uring 4 KiB random, qd1, warm",
                 "io_uring reads of 4 KiB one at a time from the cache: they complete inside "
                 "the submitting io_uring_enter",
                 "ns/op", warm, uring_body(1, Cache::warm)),
      experiment("rand_uring_qd32_warm", "io_uring 4 KiB random, qd32, warm",
                 "io_uring reads of 4 KiB, 32 in flight, from the cache: one enter per 32 reads, "
                 "each read's latency includes waiting behind the batch",
                 "ns/op", warm, uring_body(32, Cache::warm)),
      experiment("rand_pread_cold", "pread 4 KiB random, cold",
                 "pread(2) of 4 KiB at random pages of the evicted file: one device read per "
                 "call, no readahead for a random read",
                 "ns/op", cold, pread_body(Cache::cold)),
      experiment("rand_mmap_cold", "mmap touch 4 KiB random, cold, MADV_RANDOM",
                 "First touches of random pages of an MADV_RANDOM mapping of the evicted file: "
                 "one major fault, one device read per page",
                 "ns/op", cold, mmap_body(MapStyle::random)),
      experiment("rand_mmap_cold_readaround", "mmap touch 4 KiB random, cold, read-around",
                 "The same without MADV_RANDOM: each major fault reads a window around its page "
                 "(read-around), filling the cache with pages nobody asked for",
                 "ns/op", cold, mmap_body(MapStyle::readaround)),
      experiment("rand_uring_qd1_cold", "io_uring 4 KiB random, qd1, cold",
                 "io_uring reads of 4 KiB one at a time from the disk: the device's latency, "
                 "like pread",
                 "ns/op", cold, uring_body(1, Cache::cold)),
      experiment("rand_uring_qd32_cold", "io_uring 4 KiB random, qd32, cold",
                 "io_uring reads of 4 KiB, 32 in flight, from the disk: the device works on "
                 "many at once, so IOPS rise while each read waits longer",
                 "ns/op", cold, uring_body(32, Cache::cold)),
  };
}

}  // namespace illusion::labs::mmap_vs_read
