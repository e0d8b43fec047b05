#include "mmap_vs_read/random_common.h"

#include <limits>
#include <stdexcept>
#include <string>

#include <fmt/format.h>

#include "core/counters.h"
#include "core/format.h"

namespace illusion::labs::mmap_vs_read::random_common {
namespace {

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

}  // namespace

Plan plan_for(const core::RunContext& ctx, const IoFile& f, Cache cache) {
  return {cache, random_io::random_page_offsets(f.size(), planned_ops(ctx.profile, cache)),
          time_share_s(ctx.profile) * 1e9};
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

}  // namespace illusion::labs::mmap_vs_read::random_common
