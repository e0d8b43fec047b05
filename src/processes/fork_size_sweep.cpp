#include "processes/fork_size_sweep.h"

#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>

#include <fmt/format.h>

#include "core/resources.h"
#include "core/sample_each.h"
#include "processes/child.h"

// Older kernels and headers lack MADV_POPULATE_WRITE (Linux 5.14); the value is ABI.
#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23
#endif

namespace illusion::labs::processes {
namespace {

// Every page of the mapping resident and writable, as if each had been written:
// MADV_POPULATE_WRITE (madvise(2), Linux 5.14) faults them in inside one call, which on this
// VM is ~25% faster than a write per page from user space (no trap per page); where the kernel
// refuses it (EINVAL before 5.14) a write per page does the same.
const char* populate_writable(Mapping& mem) {
  if (mem.size() == 0) return "nothing to populate";
  if (madvise(mem.data(), mem.size(), MADV_POPULATE_WRITE) == 0) return "MADV_POPULATE_WRITE";
  mem.touch_all();
  return "a write per page";
}

}  // namespace

std::size_t counted_ops_for(std::size_t timed_ops, const SizeOptions& opt) {
  const auto share = static_cast<std::size_t>(static_cast<double>(timed_ops) * opt.count_share);
  return std::max(opt.min_counted_ops, share);
}

std::vector<std::uint64_t> sweep_sizes(core::Profile profile) {
  constexpr std::uint64_t MiB = 1ull << 20;
  if (profile == core::Profile::quick) return {0, 64 * MiB, 256 * MiB};
  return {0, 64 * MiB, 256 * MiB, 1024 * MiB};
}

SizePoint measure_at_size(const core::Clock& clock, std::uint64_t bytes,
                          const std::function<void()>& op, const SizeOptions& opt) {
  if (bytes > 0)
    core::require_free_memory(bytes, fmt::format("a parent of {}", core::format_size(bytes)));
  SizePoint pt;
  pt.bytes = bytes;
  Mapping mem(bytes, opt.huge);
  // With THP "always" even an unadvised mapping would get huge pages and the 4 KiB curve would
  // silently become a huge-page one: MADV_NOHUGEPAGE keeps it at 4 KiB (madvise(2)).
  if (!opt.huge && mem.size() > 0) madvise(mem.data(), mem.size(), MADV_NOHUGEPAGE);
  pt.populated_by = populate_writable(mem);
  pt.mapping_bytes = static_cast<double>(mem.size());
  if (mem.size() > 0) pt.huge_bytes = mem.huge_pages_bytes();
  pt.page_table_bytes = status_bytes(getpid(), "VmPTE");

  // The first fork write-protects every private page of the parent (fork(2): copy-on-write);
  // later forks find them already read-only. One untimed op puts every sample in that state.
  op();

  core::SampleLimits limits;
  limits.budget_s = opt.budget_s * (1 - opt.count_share);
  limits.min_samples = opt.min_samples;
  limits.max_samples = opt.max_samples;
  pt.per_op_ns = core::sample_each(clock, limits, [] {}, op);
  pt.stats = core::compute_stats(pt.per_op_ns);

  // The events, counted over a separate untimed pass of the same op on the same memory.
  const std::size_t counted = counted_ops_for(pt.per_op_ns.size(), opt);
  pt.window = std::make_unique<core::CounterWindow>(true);
  pt.window->start();
  for (std::size_t i = 0; i < counted; ++i) op();
  pt.window->stop();
  pt.counted_ops = static_cast<double>(counted);

  core::Result scratch;
  pt.window->write_per_op(scratch, pt.counted_ops);
  if (const core::CounterValue* c = scratch.counter("task_clock"))
    pt.parent_cpu_ns_per_op = c->per_op;
  if (const auto minor = core::faults_per_op(scratch, core::FaultKind::minor))
    pt.minor_faults_per_op = minor->value;
  return pt;
}

std::optional<LineFit> least_squares(const std::vector<std::pair<double, double>>& points) {
  const double n = static_cast<double>(points.size());
  if (points.size() < 2) return std::nullopt;
  double sx = 0, sy = 0;
  for (const auto& [x, y] : points) {
    sx += x;
    sy += y;
  }
  const double mx = sx / n, my = sy / n;
  double sxx = 0, sxy = 0;
  for (const auto& [x, y] : points) {
    sxx += (x - mx) * (x - mx);
    sxy += (x - mx) * (y - my);
  }
  if (sxx <= 0) return std::nullopt;
  LineFit f;
  f.slope = sxy / sxx;
  f.intercept = my - f.slope * mx;
  return f;
}

std::string mib_label(std::uint64_t bytes) {
  return fmt::format("{}MiB", bytes >> 20);
}

}  // namespace illusion::labs::processes
