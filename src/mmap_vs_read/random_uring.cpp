// Random 4 KiB reads with io_uring at a given queue depth, warm and cold: each read timed from
// its submission to the reaping of its completion; at depth 32 the device overlaps the waits.
#include <algorithm>
#include <limits>
#include <numeric>
#include <stdexcept>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "core/counters.h"
#include "core/measure.h"
#include "core/syscall_count.h"
#include "mmap_vs_read/io_file.h"
#include "mmap_vs_read/io_pass.h"
#include "mmap_vs_read/random_common.h"
#include "mmap_vs_read/random_io.h"

namespace illusion::labs::mmap_vs_read::random_common {
namespace {

constexpr std::size_t kUringSyscallCountOps = 256;  // qd32: eight refills of the whole ring

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

}  // namespace

core::ExperimentBody uring_body(unsigned depth, Cache cache) {
  return [depth, cache](core::RunContext& ctx, core::Result r) {
    return run_uring(ctx, std::move(r), depth, cache);
  };
}

}  // namespace illusion::labs::mmap_vs_read::random_common
