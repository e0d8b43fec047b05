// What fork really copies. fork(2) gives the child a copy of the parent's address space by
// copying its page tables and marking private pages copy-on-write: the pages themselves are
// shared, but every page-table entry of touched memory is copied at fork and torn down again
// when the child exits. So fork's cost grows with the parent's resident memory, while vfork(2)
// (the child borrows the parent's mm) and glibc's posix_spawn(3) (clone with
// CLONE_VM|CLONE_VFORK, then exec) copy nothing and stay flat. With transparent huge pages one
// PMD entry maps 2 MiB, so the same gigabyte has 512x fewer entries to copy.
#include <algorithm>
#include <exception>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "core/format.h"
#include "core/measure.h"
#include "core/resources.h"
#include "processes/creation_ops.h"
#include "processes/creator_pin.h"
#include "processes/fork_size_sweep.h"
#include "processes/rows.h"

namespace illusion::labs::processes {
namespace {

constexpr std::uint64_t kMiB = 1ull << 20;

// Each size gets this share of the profile's sampling budget (0.05 / 0.35 / 1.5 s). Fork at
// 1 GiB takes milliseconds, so that size gets tens of samples by default and the floor of 5 in
// quick; fork at 0 MiB gets hundreds.
constexpr double kForkScale = 0.8;
constexpr double kFlatScale = 0.4;  // vfork and posix_spawn: flat, cheap to sample
constexpr double kThpScale = 0.6;
// Rough wall time (quick, default, thorough): populating the memory (0.3-0.6 s per GiB of
// 4 KiB pages on the development VM, up to 2 s for a GiB of fresh huge pages), the timed
// phases, and the unmapping.
constexpr core::DurationHint kForkSweep{0.4, 2.0, 6.5};
constexpr core::DurationHint kFlatSweep{0.3, 1.4, 3.4};
constexpr core::DurationHint kThpHint{0.4, 1.6, 3.0};

// Stats from the timed ops of `pt` (no counter open) and counters per op from its separate,
// untimed counting pass, which the params say.
void finish_point(core::Result& r, const SizePoint& pt) {
  core::finish_result(r, pt.per_op_ns, static_cast<double>(pt.per_op_ns.size()), nullptr);
  if (pt.window) pt.window->write_per_op(r, pt.counted_ops);
  r.add_param("counted_ops", pt.counted_ops);
  r.add_param("counters",
              "counted over a separate untimed pass of counted_ops ops after the "
              "timed ones, same parent memory; no perf event was open while timing");
}

std::string join_sizes(const std::vector<SizePoint>& pts) {
  std::string out;
  for (const SizePoint& p : pts) out += fmt::format("{}{}", out.empty() ? "" : ", ", p.bytes >> 20);
  return out;
}

std::string kib(std::uint64_t bytes) {
  return bytes >= 10 * kMiB ? fmt::format("{:.0f} MiB", static_cast<double>(bytes) / kMiB)
         : bytes >= kMiB    ? fmt::format("{:.1f} MiB", static_cast<double>(bytes) / kMiB)
                            : fmt::format("{} KiB", bytes >> 10);
}

struct Sweep {
  std::vector<SizePoint> points;
  std::optional<LineFit> fit;  // p50 us against GiB
};

// Measures `op` at every size of the profile that fits, and fills the result: stats and
// counters at the largest size run, p50 / faults / page tables per size, the fitted slope and
// the latency-versus-size series.
Sweep run_sweep(core::RunContext& ctx, core::Result& r, const std::function<void()>& op,
                double scale, const std::string& what_one_op_is) {
  const std::vector<std::uint64_t> sizes = sweep_sizes(ctx.profile);
  const CreatorPin pin(ctx);  // the children start on the parent's CPU (creator_pin.h)
  Sweep sw;
  SizeOptions opt;
  opt.budget_s = core::sample_budget_s(ctx.profile) * scale;
  for (std::size_t i = 0; i < sizes.size(); ++i) {
    try {
      sw.points.push_back(measure_at_size(*ctx.clock, sizes[i], op, opt));
    } catch (const std::exception& ex) {
      // Not enough memory (or the kernel refused the op at this size): the other sizes still
      // make a curve.
      r.warnings.push_back(
          fmt::format("size {} skipped: {}", core::format_size(sizes[i]), ex.what()));
    }
    ctx.report_progress(static_cast<double>(i + 1) / static_cast<double>(sizes.size()));
  }
  r.add_param("op", what_one_op_is);
  pin.record(r);
  if (sw.points.empty()) {
    r.status = core::Status::failed;
    r.reason = "no parent size could be measured (see warnings)";
    return sw;
  }
  const SizePoint& largest = sw.points.back();
  finish_point(r, largest);
  r.add_param("sizes_mib", join_sizes(sw.points));
  r.add_param("stats_at", fmt::format("{} MiB, the largest parent size run (stats and counters "
                                      "are that size's; metrics cover every size)",
                                      largest.bytes >> 20));
  r.add_param("memory", fmt::format("private anonymous, MADV_NOHUGEPAGE, every page made "
                                    "resident and writable right before its size is measured "
                                    "({})",
                                    largest.populated_by));
  std::string samples;
  core::Series series{"latency_vs_size", "MiB", "us", {}};
  std::vector<std::pair<double, double>> xy;
  for (const SizePoint& p : sw.points) {
    const std::string at = mib_label(p.bytes);
    const double p50_us = p.stats.p50 / 1e3;
    samples += fmt::format("{}{}: {}", samples.empty() ? "" : ", ", at, p.per_op_ns.size());
    r.add_metric("p50_us_at_" + at, p50_us, "us");
    if (p.minor_faults_per_op)
      r.add_metric("parent_minor_faults_per_op_at_" + at, *p.minor_faults_per_op, "faults/op");
    if (p.parent_cpu_ns_per_op)
      r.add_metric("parent_cpu_us_at_" + at, *p.parent_cpu_ns_per_op / 1e3, "us");
    if (p.page_table_bytes)
      r.add_metric("page_tables_kib_at_" + at, static_cast<double>(*p.page_table_bytes) / 1024,
                   "KiB");
    series.points.emplace_back(static_cast<double>(p.bytes >> 20), p50_us);
    xy.emplace_back(static_cast<double>(p.bytes) / (1024.0 * kMiB), p50_us);
    if (p.huge_bytes > 0)
      r.warnings.push_back(fmt::format(
          "{} of the {} parent was in huge pages despite MADV_NOHUGEPAGE: that size's figure "
          "is not a 4 KiB one",
          core::format_size(p.huge_bytes), core::format_size(p.bytes)));
  }
  r.add_param("samples_per_size", samples);
  r.series.push_back(std::move(series));
  sw.fit = least_squares(xy);
  if (sw.fit) r.add_metric("slope_us_per_gib", sw.fit->slope, "us/GiB");
  for (const SizePoint& p : sw.points) note_disturbed(r, p.stats, mib_label(p.bytes));
  if (sw.points.size() < sizes.size())
    r.warnings.push_back(fmt::format("only {} of {} sizes ran", sw.points.size(), sizes.size()));
  return sw;
}

std::string faults_range(const Sweep& sw) {
  double lo = 1e300, hi = -1;
  for (const SizePoint& p : sw.points) {
    if (!p.minor_faults_per_op) return "";
    lo = std::min(lo, *p.minor_faults_per_op);
    hi = std::max(hi, *p.minor_faults_per_op);
  }
  if (hi < 0) return "";
  if (hi - lo < 0.05)
    return fmt::format("; the parent took {:.1f} minor faults per op at every size", hi);
  return fmt::format("; the parent took {:.1f} to {:.1f} minor faults per op across the sizes", lo,
                     hi);
}

// "188 us at 0 MiB to 29.76 ms at 1024 MiB".
std::string end_points(const Sweep& sw) {
  const SizePoint& a = sw.points.front();
  const SizePoint& b = sw.points.back();
  return fmt::format("{} at {} MiB to {} at {} MiB", core::format_ns(a.stats.p50), a.bytes >> 20,
                     core::format_ns(b.stats.p50), b.bytes >> 20);
}

core::Result run_fork_vs_size(core::RunContext& ctx, core::Result r) {
  const Sweep sw = run_sweep(ctx, r, fork_exit, kForkScale,
                             "fork + waitpid of a child that _exits at once, the parent holding "
                             "N bytes of touched memory");
  if (r.status != core::Status::ok) return r;
  // A GiB holds 262144 pages of 4 KiB, each with its own page-table entry to copy.
  if (sw.fit) r.add_metric("slope_ns_per_4k_page", sw.fit->slope * 1e3 / 262144.0, "ns/page");
  const SizePoint& largest = sw.points.back();
  std::string tables;
  if (largest.page_table_bytes)
    tables = fmt::format(", while the parent's page tables (VmPTE) grow to {}",
                         kib(*largest.page_table_bytes));
  // fork(2) copies the page tables in the calling process, so the parent's CPU time (its
  // task_clock) holds the copy; the rest of an op is the child's run and exit (which frees its
  // copy) and the wake-up of the waiting parent.
  if (largest.parent_cpu_ns_per_op)
    tables += fmt::format("; at {} MiB the parent itself is on CPU for {} of it",
                          largest.bytes >> 20, core::format_ns(*largest.parent_cpu_ns_per_op));
  if (sw.fit)
    r.meaning = fmt::format(
        "fork + exit grows by {} per GiB the parent has touched, {} per 4 KiB page "
        "({}){}{}",
        core::format_ns(sw.fit->slope * 1e3), core::format_ns(sw.fit->slope * 1e3 / 262144.0),
        end_points(sw), tables, faults_range(sw));
  else
    r.meaning =
        fmt::format("fork + exit took {} (one size only){}", end_points(sw), faults_range(sw));
  return r;
}

// vfork and posix_spawn: ", a slope of 1.10 µs/GiB against fork's 29.64 ms per GiB" (the
// comparison when fork_vs_size ran earlier in this run).
std::string slope_vs_fork(const core::RunContext& ctx, const Sweep& sw) {
  if (!sw.fit) return "";
  std::string out = fmt::format(", a slope of {}/GiB", core::format_ns(sw.fit->slope * 1e3));
  const core::Result* f =
      ctx.earlier ? core::find_result(*ctx.earlier, "processes.fork_vs_size") : nullptr;
  if (const core::Metric* m = f ? f->metric("slope_us_per_gib") : nullptr)
    out += fmt::format(" against fork's {} per GiB", core::format_ns(m->value * 1e3));
  return out;
}

core::Result run_vfork_vs_size(core::RunContext& ctx, core::Result r) {
  const Sweep sw = run_sweep(ctx, r, vfork_exit, kFlatScale,
                             "vfork + waitpid of a child that _exits at once, the parent holding "
                             "N bytes of touched memory");
  if (r.status != core::Status::ok) return r;
  r.meaning = fmt::format(
      "vfork + exit: {}{}; the child borrows the parent's memory, so there "
      "is nothing to copy{}",
      end_points(sw), slope_vs_fork(ctx, sw), faults_range(sw));
  return r;
}

core::Result run_spawn_vs_size(core::RunContext& ctx, core::Result r) {
  const Program prog = resolve_program();
  if (prog.path.empty()) {
    r.status = core::Status::skipped;
    r.reason = prog.missing_reason;
    return r;
  }
  const std::vector<char*> argv = prog.argv();
  const Sweep sw = run_sweep(
      ctx, r, [&] { posix_spawn_wait(prog.path, argv.data()); }, kFlatScale,
      "posix_spawn of the program + waitpid, the parent holding N bytes of touched memory");
  r.add_param("program", prog.path);
  if (r.status != core::Status::ok) return r;
  r.meaning = fmt::format(
      "posix_spawn {}: {}{}: glibc spawns with clone(CLONE_VM|CLONE_VFORK), which copies no "
      "page tables{}",
      prog.path, end_points(sw), slope_vs_fork(ctx, sw), faults_range(sw));
  return r;
}

core::Result run_fork_thp(core::RunContext& ctx, core::Result r) {
  // Quick stays within its 256 MiB ceiling; the size is recorded and quoted.
  const std::uint64_t bytes = ctx.profile == core::Profile::quick ? 256 * kMiB : 1024 * kMiB;
  try {
    core::require_free_memory(bytes, "fork with a THP-backed parent");
  } catch (const std::runtime_error& ex) {
    r.status = core::Status::skipped;
    r.reason = ex.what();
    return r;
  }
  const CreatorPin pin(ctx);  // the children start on the parent's CPU (creator_pin.h)
  SizeOptions opt;
  opt.budget_s = core::sample_budget_s(ctx.profile) * kThpScale;
  const SizePoint small = measure_at_size(*ctx.clock, bytes, fork_exit, opt);
  ctx.report_progress(0.5);
  opt.huge = true;
  const SizePoint huge = measure_at_size(*ctx.clock, bytes, fork_exit, opt);
  ctx.report_progress(1.0);

  finish_point(r, huge);
  const std::string thp = ctx.env ? ctx.env->thp_enabled : "unknown";
  const double fraction = huge.mapping_bytes > 0 ? huge.huge_bytes / huge.mapping_bytes : 0;
  r.add_param("op", "fork + waitpid of a child that _exits at once; stats: the THP-backed parent");
  r.add_param("size_mib", static_cast<double>(bytes >> 20));
  r.add_param("thp_enabled", thp);
  pin.record(r);
  r.add_param("populated_by", huge.populated_by);
  r.add_param("samples_4k", static_cast<double>(small.per_op_ns.size()));
  r.add_param("samples_thp", static_cast<double>(huge.per_op_ns.size()));
  note_disturbed(r, small.stats, "4 KiB");
  note_disturbed(r, huge.stats, "THP");
  r.add_metric("huge_fraction", fraction, "fraction");
  r.add_metric("p50_us_4k", small.stats.p50 / 1e3, "us");
  r.add_metric("p50_us_thp", huge.stats.p50 / 1e3, "us");
  if (huge.stats.p50 > 0) r.add_metric("speedup_vs_4k", small.stats.p50 / huge.stats.p50, "x");
  if (small.parent_cpu_ns_per_op)
    r.add_metric("parent_cpu_us_4k", *small.parent_cpu_ns_per_op / 1e3, "us");
  if (huge.parent_cpu_ns_per_op)
    r.add_metric("parent_cpu_us_thp", *huge.parent_cpu_ns_per_op / 1e3, "us");
  if (small.page_table_bytes)
    r.add_metric("page_tables_kib_4k", static_cast<double>(*small.page_table_bytes) / 1024, "KiB");
  if (huge.page_table_bytes)
    r.add_metric("page_tables_kib_thp", static_cast<double>(*huge.page_table_bytes) / 1024, "KiB");
  if (small.huge_bytes > 0)
    r.warnings.push_back(fmt::format("{} of the 4 KiB comparison was in huge pages anyway",
                                     core::format_size(small.huge_bytes)));

  const bool thp_off = thp == "never" || thp == "unavailable";
  if (thp_off)
    r.warnings.push_back(fmt::format(
        "transparent huge pages are '{}' here: MADV_HUGEPAGE cannot apply, both runs used 4 KiB "
        "pages",
        thp));
  else if (huge.huge_bytes == 0)
    r.warnings.push_back(fmt::format(
        "no page of the MADV_HUGEPAGE mapping became huge (THP '{}'; no free 2 MiB blocks?): "
        "both runs used 4 KiB pages",
        thp));
  else if (fraction < 0.9)
    r.warnings.push_back(
        fmt::format("only {:.0f}% of the THP mapping became huge pages", 100 * fraction));

  const std::string size_text = core::format_size(bytes);
  if (huge.huge_bytes == 0) {
    r.meaning = fmt::format(
        "THP did not apply here, so both runs used 4 KiB pages: fork with {} "
        "took {} (MADV_HUGEPAGE asked) and {} (no advice)",
        size_text, core::format_ns(huge.stats.p50), core::format_ns(small.stats.p50));
  } else {
    // VmPTE is no guide here: for every huge PMD the kernel keeps a PTE table in reserve
    // (pgtable_trans_huge_deposit in mm/huge_memory.c, so a later split cannot fail), so it
    // reads about the same for both; those reserve tables hold no entries to copy. The
    // metrics keep both values.
    r.meaning = fmt::format(
        "fork with {} in huge pages ({:.0f}% huge) takes {} against {} with 4 KiB pages: "
        "{:.1f}x faster, one PMD entry to copy per 2 MiB instead of 512 PTEs",
        size_text, 100 * fraction, core::format_ns(huge.stats.p50), core::format_ns(small.stats.p50),
        small.stats.p50 / huge.stats.p50);
  }
  return r;
}

}  // namespace

std::vector<core::Experiment> fork_size_rows() {
  return {
      make_row("fork_vs_size", "fork vs parent size",
               "fork + exit with the parent holding 0 to 1 GiB of touched memory: the cost of "
               "copying (and freeing) its page tables.",
               kForkSweep, run_fork_vs_size),
      make_row("vfork_vs_size", "vfork vs parent size",
               "vfork + exit at the same parent sizes: the child borrows the memory, so the "
               "cost stays flat.",
               kFlatSweep, run_vfork_vs_size),
      make_row("spawn_vs_size", "posix_spawn vs parent size",
               "posix_spawn of /bin/true at the same parent sizes: no page-table copy, flat.",
               kFlatSweep, run_spawn_vs_size),
      make_row("fork_thp_1g", "fork, 1 GiB in huge pages",
               "fork with a 1 GiB parent in transparent huge pages against 4 KiB pages: 512x "
               "fewer entries to copy.",
               kThpHint, run_fork_thp),
  };
}

}  // namespace illusion::labs::processes
