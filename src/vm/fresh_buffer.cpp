// The first touch of a whole fresh 64 MiB buffer, measured.
//
// vm.first_touch times one page at a time after a warm-up that first-touches and frees a
// region of the same size, so that on a VM with free page reporting the timed pass gets pages
// the host has already backed again. That is the right figure for "what does the guest's fault
// cost", and the wrong one for "what does a program pay to use 64 MiB it just allocated":
// multiplying its per-page median by 16,384 pages assumes away exactly the cost a fresh buffer
// may carry. This row maps a new 64 MiB anonymous region (MAP_PRIVATE | MAP_ANONYMOUS, THP off
// with MADV_NOHUGEPAGE so each 4 KiB page is one fault, madvise(2)), writes one byte per page
// once with a clock reading before and after the whole pass, and unmaps it; each sample is a new
// mapping, none touched before its timed pass. The first sample is reported on its own too: it
// is the first time this process asks for that much memory, the likeliest to wait for the host.
//
// Faults are counted, not assumed (design.md): getrusage(2) RUSAGE_THREAD around every timed
// pass (the kernel counts ru_minflt always, so no perf event is open while timing), and perf's
// page-fault events over one extra untimed pass as the cross-check.
#include "vm/fresh_buffer.h"

#include <fmt/format.h>

#include <sys/resource.h>

#include <algorithm>
#include <cerrno>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/counters.h"
#include "core/errors.h"
#include "core/format.h"
#include "core/mapping.h"
#include "core/measure.h"
#include "core/resources.h"
#include "core/stats.h"
#include "vm/faults_probe.h"
#include "vm/rows.h"

namespace illusion::labs::vm {
namespace faults {

namespace {

// Counted faults per page outside [kMinFaultsPerPage, kMaxFaultsPerPage] mean the pass was not
// one fault per 4 KiB page (huge pages despite MADV_NOHUGEPAGE, or reclaim refaulting pages):
// the row then warns that its figure is not "16,384 faults".
constexpr double kMinFaultsPerPage = 0.98;
constexpr double kMaxFaultsPerPage = 1.05;
// A first sample slower than the later ones' median by this factor waited for something the
// later ones did not (in a VM, likely the host backing memory it had taken back).
constexpr double kSlowFirstFactor = 1.5;

struct Pass {
  double ns = 0;
  std::uint64_t minor = 0, major = 0;
  std::uint64_t huge_bytes = 0;
  bool madvise_ok = true;
  int madvise_errno = 0;
};

// One sample: a new mapping, THP off for it, one timed write per page, unmapped on return.
Pass touch_fresh(const core::Clock& clock, std::size_t bytes) {
  Pass p;
  core::Mapping m(bytes);
  if (!no_huge_pages(m.data(), m.size())) {
    p.madvise_ok = false;
    p.madvise_errno = errno;
  }
  const std::size_t pages = m.size() / page_bytes();
  const core::RusageSnapshot before = core::RusageSnapshot::now(RUSAGE_THREAD);
  p.ns = time_pass(clock, m.data(), pages, Touch::write);
  const core::RusageSnapshot after = core::RusageSnapshot::now(RUSAGE_THREAD);
  p.minor = after.minor_faults - before.minor_faults;
  p.major = after.major_faults - before.major_faults;
  p.huge_bytes = m.huge_pages_bytes();
  return p;
}

}  // namespace

int fresh_buffer_samples(core::Profile p) {
  switch (p) {
    case core::Profile::quick:
      return 3;
    case core::Profile::thorough:
      return 11;
    case core::Profile::standard:
      break;
  }
  return 5;
}

core::Result run_fresh_buffer_first_touch(core::RunContext& ctx, core::Result r) {
  const std::uint64_t bytes = kFreshBufferBytes;
  const std::size_t pages = bytes / page_bytes();
  // One buffer is mapped at a time; the readings are a few doubles.
  if (auto why = no_room(bytes, r.id)) return core::skipped(std::move(r), *why);

  // The program's own first faults (code of the timed loop, the meter) happen here, on a
  // scratch page, never on a buffer the row times.
  warm_up(*ctx.clock);

  const int samples = fresh_buffer_samples(ctx.profile);
  std::vector<double> ns;
  ns.reserve(static_cast<std::size_t>(samples));
  std::uint64_t minor = 0, major = 0, huge_bytes = 0;
  bool madvise_ok = true;
  int madvise_errno = 0;
  for (int s = 0; s < samples; ++s) {
    const Pass p = touch_fresh(*ctx.clock, bytes);
    ns.push_back(p.ns);
    minor += p.minor;
    major += p.major;
    huge_bytes = std::max(huge_bytes, p.huge_bytes);
    if (!p.madvise_ok && madvise_ok) madvise_errno = p.madvise_errno;
    madvise_ok = madvise_ok && p.madvise_ok;
    ctx.report_progress(0.9 * static_cast<double>(s + 1) / samples);
  }

  // The perf cross-check, on one more fresh buffer, untimed: an open perf event would add its
  // own work to every fault of a timed pass.
  FaultMeter meter;
  {
    core::Mapping m(bytes);
    no_huge_pages(m.data(), m.size());
    meter.start();
    time_pass(*ctx.clock, m.data(), m.size() / page_bytes(), Touch::write);
    meter.stop();
  }
  ctx.report_progress(1.0);

  const double n = static_cast<double>(samples);
  const double first_ns = ns.front();
  std::vector<double> later(ns.begin() + 1, ns.end());
  const double faults_per_op = static_cast<double>(minor + major) / n;
  const double faults_per_page = faults_per_op / static_cast<double>(pages);

  r.add_param("page_bytes", static_cast<double>(page_bytes()));
  r.add_param("clock", ctx.clock->info().source);
  r.add_param("clock_overhead_ns", ctx.clock->info().overhead_ns);
  r.add_param("region_bytes", static_cast<double>(bytes));
  r.add_param("pages", static_cast<double>(pages));
  r.add_param("samples", n);
  r.add_param("op",
              "one byte written to every 4 KiB page of a new 64 MiB MAP_PRIVATE|MAP_ANONYMOUS "
              "mapping, timed as one pass; every sample is a new mapping, unmapped after");
  r.add_param("huge_pages", "disabled with madvise(MADV_NOHUGEPAGE): one fault per 4 KiB page");
  r.add_param("warm_up",
              "none for the buffers: no page of a timed mapping is touched before its timed "
              "pass (only the program's own code and a scratch page are warmed)");
  r.add_param("fault_count_source",
              "getrusage(2) RUSAGE_THREAD around each timed pass (no perf event open while "
              "timing); perf page-fault events over one extra untimed pass");
  r.add_param("free_page_reporting", free_page_reporting());

  core::finish_result(r, ns, n, nullptr);
  // Per op = per buffer: the rusage counts of the timed passes, perf's from the untimed one.
  FaultTotals totals = meter.totals();
  totals.minor = minor;
  totals.major = major;
  // perf counted one pass: its sums are scaled to `n` passes so that per op they read as one.
  auto scale = [&](std::optional<double>& v) {
    if (v) *v *= n;
  };
  scale(totals.perf_faults);
  scale(totals.perf_minor);
  scale(totals.perf_major);
  write_fault_counters(r, totals, n);

  r.add_metric("first_ns", first_ns, "ns");
  if (!later.empty()) {
    const double later_p50 = core::compute_stats(later).p50;
    r.add_metric("later_p50_ns", later_p50, "ns");
    if (later_p50 > 0) r.add_metric("first_vs_later", first_ns / later_p50, "x");
    if (later_p50 > 0 && first_ns > kSlowFirstFactor * later_p50) {
      const bool in_vm = ctx.env && ctx.env->virtualized;
      r.warnings.push_back(fmt::format(
          "the first fresh buffer took {} against {} for the later ones (median): {}",
          core::format_ns(first_ns), core::format_ns(later_p50),
          in_vm ? fmt::format("likely the hypervisor backing guest memory it had taken back "
                              "(free page reporting: {})",
                              free_page_reporting())
                : std::string("fresh memory was slower to get (likely reclaim or compaction)")));
    }
  }
  r.add_metric("faults_per_op", faults_per_op, "faults/op");
  r.add_metric("faults_per_page", faults_per_page, "faults/page");
  if (r.stats && r.stats->p50 > 0)
    r.add_metric("ns_per_page", r.stats->p50 / static_cast<double>(pages), "ns/page");
  if (meter.totals().perf_faults)
    r.add_metric("perf_faults_per_op", *meter.totals().perf_faults, "faults/op");

  if (!madvise_ok)
    r.warnings.push_back("madvise(MADV_NOHUGEPAGE) refused (" + core::errno_text(madvise_errno) +
                         "): a fault may map more than one page");
  if (huge_bytes > 0)
    r.warnings.push_back(fmt::format(
        "{} of a buffer sat in huge pages despite MADV_NOHUGEPAGE: faults were fewer than pages",
        core::format_size(huge_bytes)));
  if (faults_per_page < kMinFaultsPerPage || faults_per_page > kMaxFaultsPerPage)
    r.warnings.push_back(fmt::format(
        "counted {:.3f} faults per page ({} per buffer), expected 1: the figure is not that of "
        "{} faults",
        faults_per_page, core::format_whole(faults_per_op), core::format_whole(pages)));

  r.meaning = fmt::format(
      "first-touching a new {} buffer (one write per 4 KiB page, no warm-up) took {} at the "
      "median of {} fresh buffers ({} counted faults each, {} per page); the first one {}",
      core::format_size(bytes), core::format_ns(r.stats->p50), samples,
      core::format_whole(faults_per_op), core::format_ns(r.stats->p50 / pages),
      core::format_ns(first_ns));
  return r;
}

}  // namespace faults

std::vector<core::Experiment> fresh_buffer_rows() {
  std::vector<core::Experiment> rows;
  rows.push_back(experiment(
      "fresh_64m_first_touch", "First touch of a fresh 64 MiB buffer",
      "Writing every 4 KiB page of a newly mapped 64 MiB buffer once, with no warm-up: the "
      "16,384 counted faults a program pays for memory it just allocated, measured whole.",
      "ns/64MiB", core::DurationHint{0.2, 0.4, 1.2}, faults::run_fresh_buffer_first_touch));
  return rows;
}

}  // namespace illusion::labs::vm
