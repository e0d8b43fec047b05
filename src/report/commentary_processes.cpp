// Commentary rules for Lab 3.1 (processes vs threads). Each is pure and silent when an input
// is missing; each quotes the figures it was given.
#include <fmt/format.h>

#include "report/commentary.h"
#include "report/commentary_lookup.h"
#include "report/format.h"

namespace illusion::report::rules {

using Results = std::vector<core::Result>;
using namespace lookup;

std::optional<Insight> process_vs_thread(const Results& results) {
  const auto thread = p50_of(results, "processes.pthread_create");
  const auto fork = p50_of(results, "processes.fork_exit");
  if (!thread || !fork) return std::nullopt;
  const double ratio = *fork / *thread;
  Insight in{"process_vs_thread",
             "",
             {{"thread_p50_ns", *thread}, {"fork_p50_ns", *fork}, {"ratio", ratio}}};
  // A server that creates one unit per request cannot serve more requests per second per core
  // than 1 / creation cost: the figure that makes thread pools and pre-forking worth having.
  in.text = fmt::format(
      "Creating and reaping a process with fork takes {}, {} a thread's {}: fork must build a "
      "new address space (copy the parent's mappings and page tables) where a thread shares "
      "the existing one. Created per request, that caps one core at about {} processes or {} "
      "threads a second; a thread pool or a pre-forked worker pool pays the cost once.",
      format_ns(*fork), format_ratio(ratio), format_ns(*thread), format_whole(1e9 / *fork),
      format_whole(1e9 / *thread));
  return in;
}

std::optional<Insight> fork_grows_with_memory(const Results& results) {
  const auto fork_slope = metric_of(results, "processes.fork_vs_size", "slope_us_per_gib");
  if (!fork_slope) return std::nullopt;
  Insight in{"fork_grows_with_memory", "", {{"fork_slope_us_per_gib", *fork_slope}}};
  in.text = fmt::format(
      "fork gets slower as the parent grows: {} more per GiB of touched memory, because it "
      "copies the page tables that map it (and the child's exit tears them down again).",
      format_ns(*fork_slope * 1e3));
  const auto vfork_slope = metric_of(results, "processes.vfork_vs_size", "slope_us_per_gib");
  const auto spawn_slope = metric_of(results, "processes.spawn_vs_size", "slope_us_per_gib");
  if (vfork_slope && spawn_slope) {
    in.values.emplace_back("vfork_slope_us_per_gib", *vfork_slope);
    in.values.emplace_back("spawn_slope_us_per_gib", *spawn_slope);
    in.text += fmt::format(
        " vfork ({} per GiB) and posix_spawn ({} per GiB) stay flat: the child borrows the "
        "parent's memory until it calls exec, which is why they exist. A large process (a "
        "model server holding GiBs of weights) that starts helpers with fork+exec pays the "
        "copy only to throw it away.",
        format_ns(*vfork_slope * 1e3), format_ns(*spawn_slope * 1e3));
  }
  if (const auto speedup = metric_of(results, "processes.fork_thp_1g", "speedup_vs_4k")) {
    in.values.emplace_back("thp_speedup", *speedup);
    in.text += fmt::format(
        " Backed by transparent huge pages the same memory forks {} faster: one entry per "
        "2 MiB to copy instead of 512.",
        format_ratio(*speedup));
  }
  return in;
}

std::optional<Insight> copy_on_write(const Results& results) {
  const auto cow = p50_of(results, "processes.cow_write_fault");
  const auto first = p50_of(results, "processes.first_touch_fault");
  const auto per_page = metric_of(results, "processes.cow_write_fault", "minor_faults_per_page");
  if (!cow || !first || !per_page) return std::nullopt;
  Insight in{"copy_on_write",
             "",
             {{"cow_fault_ns", *cow}, {"first_touch_ns", *first}, {"faults_per_page", *per_page}}};
  in.text = fmt::format(
      "fork's bill arrives later: each page the child writes takes a copy-on-write fault of "
      "{} ({} faults per page counted in the child), against {} for the first touch of a fresh "
      "page.",
      format_ns(*cow), format_count(*per_page), format_ns(*first));
  if (const auto reads = metric_of(results, "processes.cow_read_no_fault", "faults_per_page")) {
    in.values.emplace_back("read_faults_per_page", *reads);
    in.text += fmt::format(" Pages only read stay shared: {} faults per page read.",
                           format_count(*reads));
  }
  return in;
}

std::optional<Insight> memory_per_unit(const Results& results) {
  const auto thread_kib = metric_of(results, "processes.spawn_threads_100", "rss_per_thread_kib");
  const auto stack_kib = metric_of(results, "processes.spawn_threads_100", "stack_virtual_kib");
  const auto proc_kib =
      metric_of(results, "processes.spawn_processes_100", "pss_per_process_kib");
  if (!thread_kib || !proc_kib) return std::nullopt;
  Insight in{"memory_per_unit",
             "",
             {{"thread_rss_kib", *thread_kib}, {"process_pss_kib", *proc_kib}}};
  in.text = fmt::format(
      "With 100 alive at once, each thread added {} KiB of resident memory",
      format_sig3(*thread_kib));
  if (stack_kib) {
    in.values.emplace_back("stack_virtual_kib", *stack_kib);
    in.text += fmt::format(" (its {} KiB stack is virtual until touched)", format_sig3(*stack_kib));
  }
  in.text += fmt::format(", each process {} KiB of proportional set size", format_sig3(*proc_kib));
  if (const auto pt = metric_of(results, "processes.spawn_processes_100",
                                "page_tables_per_process_kib")) {
    in.values.emplace_back("process_page_tables_kib", *pt);
    in.text += fmt::format(" plus {} KiB of page tables", format_sig3(*pt));
  }
  in.text +=
      ": after fork a child shares the parent's pages until it writes them, so processes "
      "cost little memory until they diverge.";
  return in;
}

std::optional<Insight> isolation_outcomes(const Results& results) {
  const auto crashes = metric_of(results, "processes.crash_in_child", "sigsegv_seen");
  const auto runs = metric_of(results, "processes.crash_in_child", "runs");
  const auto corrupted = metric_of(results, "processes.stray_write_thread", "corrupted_runs");
  const auto thread_runs = metric_of(results, "processes.stray_write_thread", "runs");
  if (!crashes || !runs || !corrupted || !thread_runs) return std::nullopt;
  Insight in{"isolation_outcomes",
             "",
             {{"crashes_contained", *crashes}, {"crash_runs", *runs},
              {"thread_corruptions", *corrupted}, {"thread_runs", *thread_runs}}};
  in.text = fmt::format(
      "What the cost buys: {} of {} children that crashed with SIGSEGV were reaped while "
      "illusion ran on, and a stray write by one thread corrupted another thread's data in {} "
      "of {} runs.",
      format_whole(*crashes), format_whole(*runs), format_whole(*corrupted),
      format_whole(*thread_runs));
  if (const auto parent =
          metric_of(results, "processes.stray_write_process", "parent_corrupted_runs")) {
    in.values.emplace_back("process_parent_corruptions", *parent);
    in.text += fmt::format(" The same write in a forked child reached the parent in {} runs.",
                           format_whole(*parent));
  }
  in.text +=
      " Use processes where a failure must be contained (plugins, parsers of untrusted input), "
      "where privileges must be separated, or where lifetimes are independent; use threads or "
      "a pool where units are short-lived and share data.";
  return in;
}

}  // namespace illusion::report::rules
