// Page faults: memory is a promise until it is touched.
//
// mmap(2) of anonymous memory only reserves addresses; the first access to each page traps,
// and the kernel allocates a zeroed page and maps it (mm/memory.c, do_anonymous_page). So the
// first pass over a fresh region pays one fault per 4 KiB page and the second pass pays none.
// The rows of this group count those faults with the kernel's own counters and time them page
// by page; the other rows move the faults (to map time: vm.map_populate, vm.mlock, ...), split
// them (the zero page: vm.zero_page) or make them 512 times rarer (THP: vm.thp_fault).
#include <fmt/format.h>

#include <algorithm>
#include <numeric>
#include <string>
#include <utility>
#include <vector>

#include "core/errors.h"
#include "core/format.h"
#include "core/mapping.h"
#include "core/measure.h"
#include "core/resources.h"
#include "vm/faults_probe.h"
#include "vm/faults.h"
#include "vm/rows.h"

namespace illusion::labs::vm {
namespace faults {

using core::DurationHint;
using core::Profile;
using core::Result;
using core::RunContext;

std::uint64_t first_touch_bytes(Profile p) {
  switch (p) {
    case Profile::quick:
      return 128ull << 20;
    case Profile::thorough:
      return 1ull << 30;
    case Profile::standard:
      break;
  }
  return 512ull << 20;  // 131,072 faults, and with its warm-up 1 GiB of touching, not 2
}
std::uint64_t thp_fault_bytes(Profile p) {
  switch (p) {
    case Profile::quick:
      return 64ull << 20;
    case Profile::thorough:
      return 1ull << 30;
    case Profile::standard:
      break;
  }
  return 512ull << 20;
}
std::uint64_t prefault_bytes(Profile p) {
  switch (p) {
    case Profile::quick:
      return 64ull << 20;
    case Profile::thorough:
      return 512ull << 20;
    case Profile::standard:
      break;
  }
  return 256ull << 20;
}
std::uint64_t zero_page_bytes(Profile p) {
  return prefault_bytes(p);
}

void add_common_params(Result& r, const RunContext& ctx) {
  r.add_param("page_bytes", static_cast<double>(page_bytes()));
  r.add_param("clock", ctx.clock->info().source);
  r.add_param("clock_overhead_ns", ctx.clock->info().overhead_ns);
  r.add_param("fault_count_source",
              "getrusage(2) ru_minflt of this thread (perf page-fault events beside it)");
}

namespace {

constexpr std::size_t kTimelinePoints = 2000;
constexpr std::size_t kSlices = 16;  // progress is reported between slices, outside the windows
// A warm-up slower than the timed pass by this factor was waiting for the hypervisor.
constexpr double kHostBackingFactor = 2.0;

}  // namespace

Result run_first_touch(RunContext& ctx, Result r) {
  const std::uint64_t bytes = first_touch_bytes(ctx.profile);
  const std::size_t page = page_bytes();
  const std::size_t pages = bytes / page;
  if (auto why = no_room(bytes + pages * sizeof(double), "vm.first_touch"))
    return core::skipped(std::move(r), *why);

  // Written now, so the readings' own pages are resident before the counting starts.
  std::vector<double> ns(pages, 0.0);
  warm_up(*ctx.clock);
  const double warm_up_ns_per_page = core::back_with_host_memory(*ctx.clock, bytes);
  core::Mapping m(bytes);
  if (!no_huge_pages(m.data(), m.size()))
    r.warnings.push_back("madvise(MADV_NOHUGEPAGE) refused (" + core::errno_text(errno) +
                         "): a fault may map more than one page");

  FaultMeter first;
  for (std::size_t s = 0; s < kSlices; ++s) {
    const std::size_t lo = pages * s / kSlices, hi = pages * (s + 1) / kSlices;
    first.start();
    time_each_page(*ctx.clock, m.data() + lo * page, hi - lo, Touch::write, ns.data() + lo);
    first.stop();
    ctx.report_progress(0.85 * static_cast<double>(s + 1) / kSlices);
  }
  if (const std::uint64_t huge = m.huge_pages_bytes(); huge > 0)
    r.warnings.push_back(fmt::format(
        "{} of the region sits in huge pages despite MADV_NOHUGEPAGE: faults were fewer than "
        "pages",
        core::format_size(huge)));

  // The baseline: the same writes again, now that every page is mapped. Timed as one pass:
  // a clock reading per page would cost more than the write it times.
  FaultMeter second;
  second.start();
  const double second_ns = time_pass(*ctx.clock, m.data(), pages, Touch::write);
  second.stop();
  ctx.report_progress(0.95);

  const double n = static_cast<double>(pages);
  const double fpp = static_cast<double>(first.totals().faults()) / n;
  const double second_fpp = static_cast<double>(second.totals().faults()) / n;
  const double second_per_page = second_ns / n;
  const double first_total_ns = std::accumulate(ns.begin(), ns.end(), 0.0);

  std::size_t bucket = 0;
  auto timeline = bucket_max(ns, kTimelinePoints, bucket);
  r.series.push_back({"first_touch_timeline", "page", "ns", std::move(timeline)});

  add_common_params(r, ctx);
  r.add_param("region_bytes", static_cast<double>(m.size()));
  r.add_param("pages", n);
  r.add_param("huge_pages", "disabled with madvise(MADV_NOHUGEPAGE): one fault per 4 KiB page");
  r.add_param("op", "the first write to one 4 KiB page of a fresh anonymous mapping");
  r.add_param("first_touch_timeline_y",
              fmt::format("max of each bucket of {} consecutive pages (ns)", bucket));
  r.add_param("second_pass", "the same writes again, timed as one pass, divided by pages");
  r.add_param("warm_up",
              "the same size first-touched and freed right before timing, so the hypervisor "
              "(if any) has backed the pages the timed pass gets");
  r.add_param("free_page_reporting", free_page_reporting());

  core::finish_result(r, std::move(ns), n, nullptr);
  first.write_per_op(r, n);
  r.add_metric("faults_per_page", fpp, "faults/page");
  r.add_metric("first_pass_total_ms", first_total_ns / 1e6, "ms");
  r.add_metric("second_pass_ns_per_page", second_per_page, "ns/page");
  r.add_metric("second_pass_faults_per_page", second_fpp, "faults/page");
  const double ratio = second_per_page > 0 ? r.stats->p50 / second_per_page : 0;
  if (second_per_page > 0) r.add_metric("first_vs_second", ratio, "x");
  if (first.totals().perf_faults)
    r.add_metric("perf_faults_per_page", *first.totals().perf_faults / n, "faults/page");
  r.add_metric("warm_up_ns_per_page", warm_up_ns_per_page, "ns/page");
  const double timed_mean = first_total_ns / n;
  // The hypervisor is a likely cause only in a VM; on bare metal the kernel's own work
  // (reclaim, compaction, zeroing) is what can make fresh memory slower.
  const bool in_vm = ctx.env && ctx.env->virtualized;
  if (timed_mean > 0 && warm_up_ns_per_page > kHostBackingFactor * timed_mean)
    r.warnings.push_back(
        in_vm ? fmt::format(
                    "the warm-up's first touches cost {} per page against {} in the timed pass: "
                    "likely the hypervisor backing guest memory it had taken back (free page "
                    "reporting: {}), a cost fresh memory can carry on this VM on top of the "
                    "guest's fault",
                    core::format_ns(warm_up_ns_per_page), core::format_ns(timed_mean),
                    free_page_reporting())
              : fmt::format(
                    "the warm-up's first touches cost {} per page against {} in the timed pass: "
                    "fresh memory was slower to get (likely reclaim or compaction)",
                    core::format_ns(warm_up_ns_per_page), core::format_ns(timed_mean)));

  if (fpp < 0.98 || fpp > 1.05)
    r.warnings.push_back(fmt::format(
        "counted {:.3f} faults per first-touched page, expected 1: the per-page figure is not a "
        "per-fault figure",
        fpp));
  if (second_fpp > 0.01)
    r.warnings.push_back(fmt::format(
        "the second pass took {:.3f} faults per page, expected 0: pages were reclaimed or "
        "migrated between the passes",
        second_fpp));
  r.meaning = fmt::format(
      "the first write to each 4 KiB page of a fresh {} mapping costs {} (p50; {:.3f} "
      "faults/page counted); the second write to the same page costs {} ({:.3f} "
      "faults/page): {:.0f}x, the price of memory that was only promised",
      core::format_size(m.size()), core::format_ns(r.stats->p50), fpp,
      core::format_ns(second_per_page), second_fpp, ratio);
  return r;
}

}  // namespace faults

std::vector<core::Experiment> fault_rows() {
  using namespace faults;
  using core::DurationHint;
  using core::Result;
  using core::RunContext;
  std::vector<core::Experiment> rows;
  rows.push_back(experiment(
      "first_touch", "First touch of a fresh page",
      "The first write to each 4 KiB page of a fresh anonymous mapping is a page fault (counted "
      "per page), against a second write to the same page.",
      "ns/page", DurationHint{0.3, 0.8, 1.5}, run_first_touch));

  struct PrefaultRow {
    const char* id;
    const char* title;
    const char* shows;
    Prefault how;
  };
  const PrefaultRow prefault[] = {
      {"lazy_touch", "Lazy: mmap, then touch",
       "mmap(2) only reserves addresses: every page faults at its first use.", Prefault::lazy},
      {"map_populate", "mmap(MAP_POPULATE)",
       "MAP_POPULATE takes the faults inside mmap(2), so the first use finds every page mapped.",
       Prefault::map_populate},
      {"madv_willneed", "madvise(MADV_WILLNEED)",
       "MADV_WILLNEED reads ahead swap and file pages; on fresh anonymous memory it prefaults "
       "nothing, and the first use still faults.",
       Prefault::madv_willneed},
      {"mlock", "mlock",
       "mlock(2) faults every page in and pins it, so the first use finds every page mapped.",
       Prefault::mlock},
      {"madv_populate_write", "madvise(MADV_POPULATE_WRITE)",
       "MADV_POPULATE_WRITE (Linux 5.14+) prefaults writable pages on demand, without mlock's "
       "pinning.",
       Prefault::madv_populate_write},
  };
  for (const PrefaultRow& p : prefault) {
    const Prefault how = p.how;
    rows.push_back(experiment(
        p.id, p.title, p.shows, "ns/page", DurationHint{0.1, 0.3, 0.6},
        [how](RunContext& ctx, Result r) { return run_prefault(ctx, std::move(r), how); }));
  }

  rows.push_back(experiment(
      "zero_page", "Read before write: the zero page",
      "Reading untouched anonymous memory: a fault that maps the shared zero page (no memory), "
      "then a second fault at the first write; on a kernel without a zero page, one fault that "
      "allocates.",
      "ns/page", DurationHint{0.1, 0.4, 0.8}, run_zero_page));
  rows.push_back(experiment(
      "thp_fault", "First touch with huge pages (THP)",
      "With MADV_HUGEPAGE one fault maps 2 MiB: 512 times fewer faults than 4 KiB pages, each "
      "one zeroing 2 MiB.",
      "ns/2MiB", DurationHint{0.1, 0.5, 0.5}, run_thp_fault));
  return rows;
}

}  // namespace illusion::labs::vm
