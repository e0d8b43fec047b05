// Commentary rules for Lab 3.1 (processes vs threads). Each is pure and silent when an input
// is missing; each quotes the figures it was given, names a direction only when the figures
// clear a noise bound, and names a cause as fact only when the run counted it.
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>

#include "core/format.h"
#include "report/commentary.h"
#include "report/commentary_lookup.h"

namespace illusion::report::rules {

using Results = std::vector<core::Result>;
using namespace lookup;

namespace {

// A sweep's fitted slope counts as growth (or shrinkage) only when what it adds across the
// sizes measured is beyond both the noise of the largest size's median and kFlatShare of the
// smallest size's cost: a few percent across a GiB is no reason to avoid a call.
constexpr double kFlatShare = 0.10;
// A THP-backed fork is described as copying 512x fewer entries only when at least this share
// of the parent was really in huge pages (the kernel may back less than asked).
constexpr double kMostlyHuge = 0.9;
// Faults per page at or above this mean every page took one (the counter's own noise, a page
// or two of the program's own, stays far below half).
constexpr double kFaultPerPage = 0.5;
// A thread's resident memory below this share of its stack's size means the stack was mostly
// never touched (virtual until used).
constexpr double kMostlyVirtual = 0.5;
// A process's PSS below this share of its own RSS means most of its resident pages are shared
// (with the parent and its siblings).
constexpr double kMostlyShared = 0.5;

// What a sweep row ("processes.fork_vs_size") says about its cost against parent size.
struct Slope {
  double us_per_gib = NAN;
  int dir = 0;             // +1 grows, -1 shrinks, 0 flat within `bound_us`
  double growth_us = NAN;  // slope x the span of sizes measured
  double bound_us = NAN;   // the larger of the noise and kFlatShare of the smallest cost
  bool judged = false;     // false: the row lacks the per-size medians to judge it by
  double lo_mib = NAN, hi_mib = NAN;
  // The parent's page tables (VmPTE) at the smallest and largest size, when the row read them.
  std::optional<double> lo_tables_kib, hi_tables_kib;
};

// The row's per-size medians are metrics "p50_us_at_<N>MiB"; its stats are the largest size's.
Slope slope_of(const Results& results, const std::string& id) {
  Slope out;
  const auto slope = metric_of(results, id, "slope_us_per_gib");
  if (!slope) return out;
  out.us_per_gib = *slope;
  const core::Result* r = core::find_result(results, id);
  static const std::string kPrefix = "p50_us_at_";
  double lo_mib = INFINITY, hi_mib = -INFINITY, lo_us = NAN;
  for (const core::Metric& m : r->metrics) {
    if (m.name.rfind(kPrefix, 0) != 0 || !std::isfinite(m.value)) continue;
    const double mib = std::atof(m.name.c_str() + kPrefix.size());
    if (mib < lo_mib) {
      lo_mib = mib;
      lo_us = m.value;
    }
    hi_mib = std::max(hi_mib, mib);
  }
  if (!(hi_mib > lo_mib) || !(lo_us > 0)) return out;
  out.lo_mib = lo_mib;
  out.hi_mib = hi_mib;
  auto tables_at = [&](double mib) {
    return metric_of(results, id, fmt::format("page_tables_kib_at_{}MiB", mib));
  };
  out.lo_tables_kib = tables_at(lo_mib);
  out.hi_tables_kib = tables_at(hi_mib);
  out.growth_us = *slope * (hi_mib - lo_mib) / 1024.0;
  // The stats are the largest size's; the smallest size's median is taken to be no noisier
  // (its op is cheaper), so the growth's noise is that of two medians with the largest's error.
  const double se_ns = r->stats ? core::median_standard_error(r->stats->mad, r->stats->n) : NAN;
  const double noise_ns = core::difference_noise_bound({se_ns, se_ns});
  const double noise_us = std::isfinite(noise_ns) ? noise_ns / 1e3 : 0;
  out.bound_us = std::max(noise_us, kFlatShare * lo_us);
  out.dir = direction(0, out.growth_us, out.bound_us);
  out.judged = true;
  return out;
}

std::string per_gib(const Slope& s) {
  return core::format_ns(s.us_per_gib * 1e3) + " per GiB";
}

}  // namespace

std::optional<Insight> process_vs_thread(const Results& results) {
  const auto thread = p50_of(results, "processes.pthread_create");
  const auto fork = p50_of(results, "processes.fork_exit");
  if (!thread || !fork) return std::nullopt;
  const double ratio = *fork / *thread;
  const double noise = median_bound(core::find_result(results, "processes.pthread_create"), *thread,
                                    core::find_result(results, "processes.fork_exit"), *fork);
  Insight in{
      "process_vs_thread",
      "",
      {{"thread_p50_ns", *thread}, {"fork_p50_ns", *fork}, {"ratio", ratio}, {"noise_ns", noise}}};
  const int dir = direction(*thread, *fork, noise);
  if (dir > 0) {
    // The address space is what fork builds and a thread does not; this run did not count
    // the page-table copy here (processes.fork_vs_size does), hence "most likely".
    in.text = fmt::format(
        "Creating and reaping a process with fork takes {}, {} a thread's {}: most of the "
        "difference is likely the new address space fork builds (the parent's mappings and "
        "page tables copied) where a thread shares the existing one.",
        core::format_ns(*fork), core::format_ratio(ratio), core::format_ns(*thread));
  } else if (dir == 0) {
    in.text = fmt::format(
        "Creating and reaping a process with fork took {} and a thread {}: the same within "
        "noise (±{}), so building an address space cost nothing measurable here.",
        core::format_ns(*fork), core::format_ns(*thread), core::format_ns(noise));
  } else {
    in.text = fmt::format(
        "Creating and reaping a process with fork took {}, less than a thread's {}: the "
        "opposite of the usual order, so one of the two rows is suspect (see its warnings).",
        core::format_ns(*fork), core::format_ns(*thread));
  }
  // A server that creates one unit per request cannot serve more requests per second per core
  // than 1 / creation cost: the figure that makes thread pools and pre-forking worth having.
  in.text += fmt::format(
      " Created per request, that caps one core at about {} processes or {} threads a second; "
      "a thread pool or a pre-forked worker pool pays the cost once.",
      core::format_whole(1e9 / *fork), core::format_whole(1e9 / *thread));
  return in;
}

std::optional<Insight> fork_grows_with_memory(const Results& results) {
  const Slope fork = slope_of(results, "processes.fork_vs_size");
  if (!std::isfinite(fork.us_per_gib)) return std::nullopt;
  Insight in{"fork_grows_with_memory", "", {{"fork_slope_us_per_gib", fork.us_per_gib}}};
  if (fork.judged) {
    in.values.emplace_back("fork_growth_us", fork.growth_us);
    in.values.emplace_back("fork_flat_bound_us", fork.bound_us);
  }
  if (!fork.judged) {
    in.text = fmt::format(
        "fork's cost changed by {} of touched parent memory (the run lacks the per-size "
        "medians to tell that from noise).",
        per_gib(fork));
  } else if (fork.dir > 0) {
    // The cause is stated as fact only when the row saw the page tables grow with the size.
    const bool tables_grew =
        fork.lo_tables_kib && fork.hi_tables_kib && *fork.hi_tables_kib > *fork.lo_tables_kib;
    in.text = fmt::format(
        "fork gets slower as the parent grows: {} more per GiB of touched memory, {} the page "
        "tables that map it (and the child's exit tears them down again)",
        core::format_ns(fork.us_per_gib * 1e3),
        tables_grew ? "because it copies" : "most likely because it copies");
    if (tables_grew)
      in.text += fmt::format("; they grew from {} KiB at {} MiB to {} KiB at {} MiB",
                             core::format_sig3(*fork.lo_tables_kib), fork.lo_mib,
                             core::format_sig3(*fork.hi_tables_kib), fork.hi_mib);
    in.text += ".";
  } else if (fork.dir == 0) {
    in.text = fmt::format(
        "fork's cost stayed flat as the parent grew: {} of touched memory adds {} across the "
        "sizes measured, within the bound of ±{} (noise, or {} of the smallest parent's cost).",
        per_gib(fork), core::format_ns(fork.growth_us * 1e3), core::format_ns(fork.bound_us * 1e3),
        core::format_percent(kFlatShare));
  } else {
    in.text = fmt::format(
        "fork got faster as the parent grew ({} of touched memory): the opposite of copying "
        "more page tables, so the sweep is suspect (see its warnings).",
        per_gib(fork));
  }
  const Slope vfork = slope_of(results, "processes.vfork_vs_size");
  const Slope spawn = slope_of(results, "processes.spawn_vs_size");
  if (std::isfinite(vfork.us_per_gib) && std::isfinite(spawn.us_per_gib)) {
    in.values.emplace_back("vfork_slope_us_per_gib", vfork.us_per_gib);
    in.values.emplace_back("spawn_slope_us_per_gib", spawn.us_per_gib);
    const bool both_flat = vfork.judged && spawn.judged && vfork.dir == 0 && spawn.dir == 0;
    if (both_flat) {
      in.text += fmt::format(
          " vfork ({}) and posix_spawn ({}) stay flat within noise: the child borrows the "
          "parent's memory until it calls exec, which is why they exist.",
          per_gib(vfork), per_gib(spawn));
      if (fork.judged && fork.dir > 0)
        in.text +=
            " A large process (a model server holding GiBs of weights) that starts helpers "
            "with fork+exec pays the copy only to throw it away.";
    } else {
      auto said = [](const Slope& s) {
        if (!s.judged) return std::string("not judged against noise");
        return std::string(s.dir > 0 ? "grows" : s.dir < 0 ? "shrinks" : "flat within noise");
      };
      in.text += fmt::format(" vfork: {} ({}); posix_spawn: {} ({}).", per_gib(vfork), said(vfork),
                             per_gib(spawn), said(spawn));
    }
  }
  if (const auto speedup = metric_of(results, "processes.fork_thp_1g", "speedup_vs_4k");
      speedup && *speedup > 0) {
    in.values.emplace_back("thp_speedup", *speedup);
    const auto huge = metric_of(results, "processes.fork_thp_1g", "huge_fraction");
    const int dir = direction(1, *speedup, ratio_bound(1, *speedup));
    if (dir > 0) {
      in.text += fmt::format(" Backed by transparent huge pages the same memory forks {} faster",
                             core::format_ratio(*speedup));
      if (huge && *huge >= kMostlyHuge)
        in.text += fmt::format(
            " ({} of it in huge pages): one entry per 2 MiB to copy instead "
            "of 512.",
            core::format_percent(*huge));
      else if (huge)
        in.text +=
            fmt::format(", though only {} of it was in huge pages.", core::format_percent(*huge));
      else
        in.text += ", most likely from copying one entry per 2 MiB instead of 512.";
    } else if (dir == 0) {
      in.text += fmt::format(
          " Backed by transparent huge pages it forked no faster ({}){}.",
          core::format_ratio(*speedup),
          huge ? fmt::format("; {} of it was in huge pages", core::format_percent(*huge)) : "");
    } else {
      in.text += fmt::format(" Backed by transparent huge pages it forked {} slower.",
                             core::format_ratio(1 / *speedup));
    }
  }
  return in;
}

std::optional<Insight> copy_on_write(const Results& results) {
  const auto cow = p50_of(results, "processes.cow_write_fault");
  const auto first = p50_of(results, "processes.first_touch_fault");
  const auto per_page = metric_of(results, "processes.cow_write_fault", "minor_faults_per_page");
  if (!cow || !first || !per_page || *per_page < 0) return std::nullopt;
  Insight in{"copy_on_write",
             "",
             {{"cow_fault_ns", *cow}, {"first_touch_ns", *first}, {"faults_per_page", *per_page}}};
  if (*per_page >= kFaultPerPage) {
    in.text = fmt::format(
        "fork's bill arrives later: each page the child writes takes a copy-on-write fault of "
        "{} ({} faults per page counted in the child), against {} for the first touch of a "
        "fresh page.",
        core::format_ns(*cow), core::format_count(*per_page), core::format_ns(*first));
  } else {
    in.text = fmt::format(
        "The child's writes took only {} faults per page, so no copy-on-write fault per page "
        "showed here; a write cost {} against {} for the first touch of a fresh page.",
        core::format_count(*per_page), core::format_ns(*cow), core::format_ns(*first));
  }
  if (const auto reads = metric_of(results, "processes.cow_read_no_fault", "faults_per_page");
      reads && *reads >= 0) {
    in.values.emplace_back("read_faults_per_page", *reads);
    in.text += *reads < kFaultPerPage
                   ? fmt::format(" Pages only read stay shared: {} faults per page read.",
                                 core::format_count(*reads))
                   : fmt::format(" Pages only read faulted too: {} faults per page read.",
                                 core::format_count(*reads));
  }
  return in;
}

std::optional<Insight> memory_per_unit(const Results& results) {
  const auto thread_kib = metric_of(results, "processes.spawn_threads_100", "rss_per_thread_kib");
  const auto stack_kib = metric_of(results, "processes.spawn_threads_100", "stack_virtual_kib");
  const auto proc_kib = metric_of(results, "processes.spawn_processes_100", "pss_per_process_kib");
  if (!thread_kib || !proc_kib || *thread_kib < 0 || *proc_kib < 0) return std::nullopt;
  Insight in{
      "memory_per_unit", "", {{"thread_rss_kib", *thread_kib}, {"process_pss_kib", *proc_kib}}};
  in.text = fmt::format("With 100 alive at once, each thread added {} KiB of resident memory",
                        core::format_sig3(*thread_kib));
  if (stack_kib && *stack_kib > 0) {
    in.values.emplace_back("stack_virtual_kib", *stack_kib);
    in.text += *thread_kib < kMostlyVirtual * *stack_kib
                   ? fmt::format(" (its {} KiB stack is virtual until touched)",
                                 core::format_sig3(*stack_kib))
                   : fmt::format(" (its stack: {} KiB)", core::format_sig3(*stack_kib));
  }
  in.text +=
      fmt::format(", each process {} KiB of proportional set size", core::format_sig3(*proc_kib));
  if (const auto pt =
          metric_of(results, "processes.spawn_processes_100", "page_tables_per_process_kib")) {
    in.values.emplace_back("process_page_tables_kib", *pt);
    in.text += fmt::format(" plus {} KiB of page tables", core::format_sig3(*pt));
  }
  // "Processes cost little memory" holds only when the children's proportional share is well
  // below what they map resident (RSS counts every shared page in full, PSS splits it among its
  // sharers), i.e. when they really share what they were forked with.
  const auto rss = metric_of(results, "processes.spawn_processes_100", "rss_per_process_kib");
  if (rss && *rss > 0) {
    in.values.emplace_back("process_rss_kib", *rss);
    in.text += *proc_kib < kMostlyShared * *rss
                   ? fmt::format(
                         ", against {} KiB each maps resident: after fork a child shares the "
                         "parent's pages until it writes them, so processes cost little memory "
                         "until they diverge.",
                         core::format_sig3(*rss))
                   : fmt::format(
                         ", against {} KiB each maps resident: the children shared "
                         "little of their memory here.",
                         core::format_sig3(*rss));
  } else {
    in.text += " (this run did not read how much of it the children share).";
  }
  return in;
}

std::optional<Insight> isolation_outcomes(const Results& results) {
  const auto crashes = metric_of(results, "processes.crash_in_child", "sigsegv_seen");
  const auto runs = metric_of(results, "processes.crash_in_child", "runs");
  const auto corrupted = metric_of(results, "processes.stray_write_thread", "corrupted_runs");
  const auto thread_runs = metric_of(results, "processes.stray_write_thread", "runs");
  if (!crashes || !runs || !corrupted || !thread_runs) return std::nullopt;
  if (!(*runs > 0) || !(*thread_runs > 0) || *crashes < 0 || *corrupted < 0 || *crashes > *runs ||
      *corrupted > *thread_runs)
    return std::nullopt;
  Insight in{"isolation_outcomes",
             "",
             {{"crashes_contained", *crashes},
              {"crash_runs", *runs},
              {"thread_corruptions", *corrupted},
              {"thread_runs", *thread_runs}}};
  const auto parent = metric_of(results, "processes.stray_write_process", "parent_corrupted_runs");
  // The advice needs what the rows exist to show: every crashing child contained, the
  // thread's stray write seen at least once, and (when run) no process write reaching the
  // parent. Otherwise the figures are given without it.
  const bool contained = *crashes == *runs;
  const bool shared = *corrupted > 0;
  const bool separated = !parent || *parent == 0;
  in.text = fmt::format(
      "{}{} of {} children crashed with SIGSEGV and were reaped while illusion ran on, and a "
      "stray write by one thread corrupted another thread's data in {} of {} runs.",
      contained && shared && separated ? "What the cost buys: " : "", core::format_whole(*crashes),
      core::format_whole(*runs), core::format_whole(*corrupted), core::format_whole(*thread_runs));
  if (parent) {
    in.values.emplace_back("process_parent_corruptions", *parent);
    in.text += fmt::format(" The same write in a forked child reached the parent in {} runs.",
                           core::format_whole(*parent));
  }
  if (contained && shared && separated) {
    in.text +=
        " Use processes where a failure must be contained (plugins, parsers of untrusted "
        "input), where privileges must be separated, or where lifetimes are independent; use "
        "threads or a pool where units are short-lived and share data.";
  } else {
    in.text +=
        " This run did not show the isolation difference the rows stage, so it "
        "supports no advice either way.";
  }
  return in;
}

}  // namespace illusion::report::rules
