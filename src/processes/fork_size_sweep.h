// Measuring a process-creation op with the parent holding N bytes of touched anonymous memory:
// the machinery behind the fork/vfork/posix_spawn-versus-size experiments.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/clock.h"
#include "core/counters.h"
#include "core/profile.h"
#include "core/result.h"
#include "core/stats.h"

namespace illusion::labs::processes {

// The parent sizes a sweep visits: 0, 64 MiB, 256 MiB and 1 GiB (quick: up to 256 MiB).
std::vector<std::uint64_t> sweep_sizes(core::Profile profile);

struct SizeOptions {
  bool huge = false;            // ask for transparent huge pages (MADV_HUGEPAGE)
  double budget_s = 0.35;       // timed phase and counting pass, after one untimed warm-up op
  // Even when one op outlasts the budget: 10, the fewest whose median has a 95% interval
  // (core/stats.h), since the largest size's fork (tens of ms) is the row's figure.
  std::size_t min_samples = core::kMedianIntervalMinN;
  std::size_t max_samples = 2000;
  // The counting pass: this share of the timed ops (the timed phase gets the rest of the
  // budget), at least `min_counted_ops` ops.
  double count_share = 0.1;
  std::size_t min_counted_ops = 2;
};

// Ops of the untimed counting pass after `timed_ops` timed ones.
std::size_t counted_ops_for(std::size_t timed_ops, const SizeOptions& opt);

// One size's measurement.
struct SizePoint {
  std::uint64_t bytes = 0;
  std::vector<double> per_op_ns;
  core::Stats stats;
  // Events (parent only) around a separate, untimed pass of `counted_ops` ops after the timed
  // ones: an open perf event adds work to every switch and fault the op causes, so none is
  // open while an op is timed. Write them with window->write_per_op(r, counted_ops).
  std::unique_ptr<core::CounterWindow> window;
  double counted_ops = 0;
  std::optional<double> minor_faults_per_op;      // in the parent, perf or else getrusage
  std::optional<double> parent_cpu_ns_per_op;     // the parent's task_clock: CPU time, no waits
  std::optional<std::uint64_t> page_table_bytes;  // VmPTE with the memory touched
  std::uint64_t huge_bytes = 0;                   // AnonHugePages of the mapping
  double mapping_bytes = 0;                       // the mapping's size (rounded to pages)
  std::string populated_by;                       // "MADV_POPULATE_WRITE" or "a write per page"
};

// Maps `bytes` of private anonymous memory and makes every page resident and writable right
// before measuring (MADV_POPULATE_WRITE, or a write per page): DAMON reclaim on the
// development VM pages out memory idle for a minute, and a page that is not resident has no
// page-table entry to copy. Then times `op` (one untimed op first) with no counter open, and
// counts events over a short untimed pass of the same op on the same memory. The memory is
// unmapped before returning.
// Throws std::runtime_error when memory is short (core::require_free_memory) or a call fails.
SizePoint measure_at_size(const core::Clock& clock, std::uint64_t bytes,
                          const std::function<void()>& op, const SizeOptions& opt);

// Least-squares line y = intercept + slope * x; nullopt for fewer than two distinct x.
struct LineFit {
  double slope = 0, intercept = 0;
};
std::optional<LineFit> least_squares(const std::vector<std::pair<double, double>>& points);

// The size in MiB as a metric-name fragment: "0MiB", "64MiB", "1024MiB".
std::string mib_label(std::uint64_t bytes);

}  // namespace illusion::labs::processes
