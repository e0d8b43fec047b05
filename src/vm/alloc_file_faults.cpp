// Faults on a file mapping: minor when the page is in the page cache, major when it must be
// read from disk first.
//
// Both mappings get madvise(MADV_RANDOM) (madvise(2): "expect page references in random
// order; read ahead may be less useful"), which turns off the fault path's readahead, so a
// major fault reads just its own page. It does not turn off fault-around, which maps the
// neighbours that are already cached: on an evicted file there are none, on a cached one a
// fault maps a whole window, and on recent kernels a whole large folio of the page cache. So the
// minor-fault row counts pages per fault, then times only touches of pages the page table shows
// unmapped (each one fault, verified by counting), instead of dividing by pages.
#include <sys/mman.h>

#include <algorithm>
#include <cmath>
#include <numeric>
#include <optional>
#include <random>
#include <span>
#include <string>
#include <system_error>
#include <vector>

#include <fmt/format.h>

#include "core/counters.h"
#include "core/format.h"
#include "core/measure.h"
#include "core/resources.h"
#include "core/sample_each.h"
#include "core/sampler.h"
#include "core/scratch_file.h"
#include "vm/alloc.h"
#include "vm/alloc_probe.h"

namespace illusion::labs::vm::alloc {
namespace {

constexpr double kEvictedMax = 0.10;  // at most this fraction cached counts as evicted

void advise_random(const FileMapping& m) {
  if (::madvise(m.data(), m.size(), MADV_RANDOM) != 0)
    throw std::system_error(errno, std::generic_category(), "madvise(MADV_RANDOM)");
}

// Per-op fault counters from an untimed-phase count (the names CounterWindow would use).
void add_fault_counters(core::Result& r, const FaultCount& c, double ops) {
  if (c.source == "perf") {
    r.counters.push_back({"page_faults", c.faults / ops});
    r.counters.push_back({"major_faults", c.major / ops});
  } else {
    r.counters.push_back({"rusage_minor_faults", (c.faults - c.major) / ops});
    r.counters.push_back({"rusage_major_faults", c.major / ops});
  }
}

// The core's one perf-else-getrusage rule (core::faults_per_op), NaN when neither counted.
double per_op(const core::Result& r, core::FaultKind kind) {
  const auto f = core::faults_per_op(r, kind);
  return f ? f->value : std::nan("");
}

// Up to `points` points of the empirical CDF of `v`, for charts.
core::Series cdf(std::vector<double> v, const std::string& unit, std::size_t points = 64) {
  core::Series s{"cdf", unit, "fraction", {}};
  std::sort(v.begin(), v.end());
  if (v.empty()) return s;
  const std::size_t n = v.size();
  const std::size_t step = std::max<std::size_t>(1, n / points);
  for (std::size_t i = 0; i < n; i += step)
    s.points.emplace_back(v[i], static_cast<double>(i + 1) / static_cast<double>(n));
  s.points.emplace_back(v.back(), 1.0);
  return s;
}

// Touches of the major-fault row's untimed counting pass: an eighth of the file's pages, at
// most 256 (a few tens of ms of disk reads), at least one.
std::size_t counted_touches(std::size_t pages) {
  return std::clamp<std::size_t>(pages / 8, 1, 256);
}

std::string percent(std::optional<double> f) {
  return f ? fmt::format("{:.1f}%", *f * 100) : std::string("unknown");
}

}  // namespace

std::uint64_t fault_file_bytes(core::Profile p) {
  return p == core::Profile::quick ? 16 * kMiB : 64 * kMiB;
}

core::Result run_minor_fault_file(core::RunContext& ctx, core::Result r) {
  const std::uint64_t bytes = fault_file_bytes(ctx.profile);
  const std::size_t pages = bytes / page_bytes();
  const FsInfo fs = filesystem_of(ctx.temp_dir);
  ScratchFile file(ctx.temp_dir, "vm-minor-fault", bytes);
  const core::Clock& clock = *ctx.clock;
  file.warm();

  // Pass 1: every page once, on a fresh mapping: how many pages does one fault map?
  std::vector<std::size_t> all(pages);
  for (std::size_t i = 0; i < pages; ++i) all[i] = i * page_bytes();
  std::vector<double> all_ns(pages, 0.0);
  std::optional<double> resident;
  FaultCount every;
  {
    FileMapping map(file, PROT_READ, MAP_SHARED);
    advise_random(map);
    resident = resident_fraction(map.data(), map.size());
    FaultWindow w;
    w.start();
    timed_touches(clock, map.data(), all.data(), pages, Touch::read, all_ns.data());
    w.stop();
    every = w.read();
  }
  core::add_fault_warnings(r, every);
  const double faults_per_page = every.faults / static_cast<double>(pages);
  const double ppf = every.faults > 0 ? static_cast<double>(pages) / every.faults : 1.0;
  ctx.report_progress(0.2);

  // Rounds 2..: on a fresh mapping each time, touch only pages that no fault has mapped yet
  // (read from the page table), so every timed touch is exactly one fault, whatever the size
  // of the window or folio each fault maps. Until the sampling budget is spent.
  PageTable table;
  if (!table.ok()) {
    r.status = core::Status::skipped;
    r.reason = table.reason() + ": cannot tell which touches fault, so no per-fault figure";
    return r;
  }
  // A sample is a round: at least one, at most 1000, until the profile's budget is spent.
  core::SampleLimits limits;
  limits.budget_s = core::sampler_config_for(ctx.profile).budget_s;
  limits.min_samples = 1;
  limits.max_samples = 1000;
  std::vector<double> round_ns(pages, 0.0);
  FaultCount total;
  core::SampleLoop loop(clock, limits);
  while (loop.more()) {
    FileMapping map(file, PROT_READ, MAP_SHARED);
    advise_random(map);
    std::size_t n = 0;
    FaultWindow w;
    w.start();
    for (std::size_t i = table.next_unmapped(map.data(), 0, pages); i < pages;
         i = table.next_unmapped(map.data(), i + 1, pages)) {
      const std::size_t off = all[i];
      timed_touches(clock, map.data(), &off, 1, Touch::read, &round_ns[n++]);
    }
    w.stop();
    const FaultCount c = w.read();
    core::add_fault_warnings(r, c);
    total.faults += c.faults;
    total.major += c.major;
    total.source = c.source;
    const double end = clock.now_ns();
    loop.add(std::span<const double>(round_ns.data(), n), end);
    const double spent = (end - loop.start_ns()) / (limits.budget_s * 1e9);
    ctx.report_progress(0.2 + 0.8 * std::min(1.0, spent));
  }
  const std::size_t rounds = loop.samples();
  const std::vector<double> ns = loop.take_values();
  const std::optional<double> resident_after = file.resident_fraction();

  const double touches = static_cast<double>(ns.size());
  const double all_total = std::accumulate(all_ns.begin(), all_ns.end(), 0.0);
  core::finish_result(r, ns, touches, nullptr);
  add_fault_counters(r, total, touches);
  const double faults_per_touch = total.faults / touches;

  r.add_param("size_bytes", static_cast<double>(bytes));
  r.add_param("pages", static_cast<double>(pages));
  r.add_param("filesystem", fs.name);
  r.add_param("mapping", "MAP_SHARED, PROT_READ, MADV_RANDOM");
  r.add_param("rounds", static_cast<double>(rounds));
  r.add_param("stats_per",
              "one read touch of a page no fault had mapped yet (one fault each; "
              "a fresh mapping per round)");
  r.add_param("fault_count_source", total.source);
  if (resident) r.add_metric("resident_fraction", *resident, "fraction");
  if (resident_after) r.add_metric("resident_fraction_after", *resident_after, "fraction");
  r.add_metric("faults_per_page", faults_per_page, "faults/page");
  r.add_metric("pages_per_fault", ppf, "pages/fault");
  r.add_metric("faults_per_touch", faults_per_touch, "faults/touch");
  r.add_metric("major_faults_per_touch", total.major / touches, "faults/touch");
  // What dividing a whole-file pass by pages gives (lmbench's lat_pagefault method).
  r.add_metric("ns_per_page_all_pages", all_total / static_cast<double>(pages), "ns/page");
  r.series.push_back(cdf(ns, "ns"));

  if (!resident || *resident < 0.99)
    r.warnings.push_back(fmt::format(
        "{} of the file was cached right before the first pass: some faults read from disk",
        percent(resident)));
  if (resident_after && *resident_after < 0.99)
    r.warnings.push_back(fmt::format(
        "only {} of the file was still cached after the passes: pages were reclaimed while "
        "measuring (memory pressure or DAMON)",
        percent(resident_after)));
  if (faults_per_touch < 0.9 || faults_per_touch > 1.1)
    r.warnings.push_back(fmt::format(
        "{:.2f} faults per timed touch (expected 1): the stats are not exactly per fault",
        faults_per_touch));
  if (total.major > 0)
    r.warnings.push_back(
        fmt::format("{:.0f} of the faults were major (read from disk)", total.major));

  r.meaning = fmt::format(
      "a minor fault on a cached file: {}, and one fault maps ~{:.0f} pages "
      "(fault-around maps the cached neighbours: {:.3f} faults per page read), so dividing a "
      "pass by pages would say {} per page",
      core::format_ns(r.stats->p50), ppf, faults_per_page,
      core::format_ns(all_total / static_cast<double>(pages)));
  return r;
}

core::Result run_major_fault(core::RunContext& ctx, core::Result r) {
  const FsInfo fs = filesystem_of(ctx.temp_dir);
  r.add_param("filesystem", fs.name);
  if (fs.memory_backed) {
    r.status = core::Status::skipped;
    r.reason = fmt::format(
        "the run's temporary directory {} is on {}: its pages are the file, there is no disk "
        "to evict them to, so no fault can be major; point TMPDIR at a disk filesystem",
        ctx.temp_dir, fs.name);
    return r;
  }
  const std::uint64_t bytes = fault_file_bytes(ctx.profile);
  const std::size_t pages = bytes / page_bytes();
  ScratchFile file(ctx.temp_dir, "vm-major-fault", bytes);
  const core::Clock& clock = *ctx.clock;

  // posix_fadvise(2) DONTNEED drops clean pages only and is advice: check it worked, and try
  // once more (writeback may still have been finishing) before giving up.
  file.evict();
  std::optional<double> resident = file.resident_fraction();
  int evictions = 1;
  if (!resident || *resident >= kEvictedMax) {
    file.evict();
    ++evictions;
    resident = file.resident_fraction();
  }
  ctx.report_progress(0.2);

  FileMapping map(file, PROT_READ, MAP_SHARED);
  advise_random(map);
  // Right before measuring, on the mapping itself.
  resident = resident_fraction(map.data(), map.size());
  if (!resident || *resident >= kEvictedMax) {
    r.status = core::Status::skipped;
    r.reason = fmt::format(
        "fsync + posix_fadvise(POSIX_FADV_DONTNEED) left {} of the {} file in the page cache "
        "on {} (needed < {:.0f}%): this filesystem does not evict on advice",
        percent(resident), core::format_size(bytes), fs.name, kEvictedMax * 100);
    return r;
  }

  // Random order, so neither the guest nor the host can stream the file in ahead of us.
  std::vector<std::size_t> order(pages);
  for (std::size_t i = 0; i < pages; ++i) order[i] = i * page_bytes();
  std::shuffle(order.begin(), order.end(), std::mt19937_64(0x1ee7));
  // A sample is a chunk of touches, each timed alone: at least one chunk, however long the
  // counting below took (the budget runs from before it), at most the pages left after it.
  constexpr std::size_t kChunkTouches = 128;
  const std::size_t counted = counted_touches(pages);
  core::SampleLimits limits;
  limits.budget_s = ctx.profile == core::Profile::quick      ? 0.3
                    : ctx.profile == core::Profile::standard ? 1.5
                                                             : 6;
  limits.min_samples = 1;
  limits.max_samples = (pages - std::min(counted, pages) + kChunkTouches - 1) / kChunkTouches;
  core::SampleLoop loop(clock, limits);

  // Counting first, untimed: the same touches on the same evicted mapping, on the first pages
  // of the random order (MADV_RANDOM: no readahead, so they bring no timed page into the
  // cache). An open perf event adds work to every fault and to the switches a disk wait
  // causes, so the timed touches below run with every event closed.
  std::vector<double> counted_ns(counted, 0.0);  // written now: no fault of its own inside
  core::Result counts;
  {
    core::CounterWindow window(true);
    window.start();
    timed_touches(clock, map.data(), order.data(), counted, Touch::read, counted_ns.data());
    window.stop();
    window.write_per_op(counts, static_cast<double>(counted));
  }

  // The timed touches follow the counted ones in the order.
  std::size_t touched = counted;
  std::vector<double> chunk_ns(kChunkTouches, 0.0);
  while (loop.more()) {
    const std::size_t n = std::min(kChunkTouches, pages - touched);
    timed_touches(clock, map.data(), order.data() + touched, n, Touch::read, chunk_ns.data());
    touched += n;
    loop.add(std::span<const double>(chunk_ns.data(), n), clock.now_ns());
  }
  ctx.report_progress(0.95);
  const std::optional<double> resident_after = resident_fraction(map.data(), map.size());
  const std::vector<double> ns = loop.take_values();
  if (ns.empty())
    return core::skipped(std::move(r),
                         fmt::format("the {} file has too few pages to count and time apart",
                                     core::format_size(bytes)));

  const double t = static_cast<double>(ns.size());
  const double all_touched = static_cast<double>(touched);
  core::finish_result(r, ns, t, nullptr);
  for (core::CounterValue& c : counts.counters) r.counters.push_back(std::move(c));
  for (std::string& w : counts.warnings) r.warnings.push_back(std::move(w));
  const double major_pp = per_op(r, core::FaultKind::major);
  const double faults_pp = per_op(r, core::FaultKind::all);
  r.add_param("size_bytes", static_cast<double>(bytes));
  r.add_param("pages", static_cast<double>(pages));
  r.add_param("pages_touched", all_touched);
  r.add_param("counted_ops", static_cast<double>(counted));
  r.add_param("counters",
              "counted over a separate untimed pass: the first counted_ops touches "
              "of the random order, before the timed ones; no perf event was open "
              "while timing");
  r.add_param("evictions", static_cast<double>(evictions));
  r.add_param("mapping", "MAP_SHARED, PROT_READ, MADV_RANDOM, pages in random order");
  r.add_param("stats_per", "one read touch of an evicted page");
  r.add_metric("resident_fraction_before", *resident, "fraction");
  if (resident_after) r.add_metric("resident_fraction_after", *resident_after, "fraction");
  r.add_metric("touched_fraction", all_touched / static_cast<double>(pages), "fraction");
  if (!std::isnan(major_pp)) r.add_metric("major_faults_per_page", major_pp, "faults/page");
  if (!std::isnan(faults_pp)) r.add_metric("faults_per_page", faults_pp, "faults/page");
  r.series.push_back(cdf(ns, "ns"));

  // Pages cached beyond those touched (or there before): what readahead added.
  if (resident_after) {
    const double extra = *resident_after - *resident - all_touched / static_cast<double>(pages);
    r.add_metric("extra_resident_fraction", extra, "fraction");
    if (extra > 0.05)
      r.warnings.push_back(fmt::format(
          "{:.1f}% of the file was cached beyond the pages touched: readahead ran despite "
          "MADV_RANDOM",
          extra * 100));
  }
  if (std::isnan(major_pp))
    r.warnings.push_back("major faults could not be counted: the figure may not be per fault");
  else if (major_pp < 0.9)
    r.warnings.push_back(fmt::format(
        "only {:.2f} major faults per page touched (counted touches): some pages came from the "
        "cache (readahead or pages not evicted), so the figure mixes minor and major faults",
        major_pp));

  // Run alone (no earlier results), the row says its own figures without the comparison.
  std::string vs;
  const core::Result* minor =
      ctx.earlier ? core::find_result(*ctx.earlier, "vm.minor_fault_file") : nullptr;
  if (minor && minor->stats && minor->stats->p50 > 0)
    vs =
        fmt::format(", {:.0f}x a minor fault on the cached file", r.stats->p50 / minor->stats->p50);
  const std::string majors = std::isnan(major_pp)
                                 ? std::string("major faults not counted")
                                 : fmt::format("{:.2f} major faults per page touched", major_pp);
  r.meaning = fmt::format(
      "a major fault (page read from disk) on {}: {} p50, {} p99{}; {} ({} cached "
      "before)",
      fs.name, core::format_ns(r.stats->p50), core::format_ns(r.stats->p99), vs, majors,
      percent(resident));
  return r;
}

}  // namespace illusion::labs::vm::alloc
