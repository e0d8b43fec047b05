// A crash in a child process: the kernel kills that process with SIGSEGV and its parent learns
// about it from waitpid(2), as a status to read, while it goes on running. The same bad store in
// a thread would have taken down every thread of the process (signal(7): a fault signal's
// default action terminates the whole process).
#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <unistd.h>

#include <cstdint>
#include <fstream>
#include <map>
#include <string>
#include <utility>

#include <fmt/format.h>

#include "core/format.h"
#include "core/measure.h"
#include "core/stats.h"
#include "processes/child.h"
#include "processes/isolation.h"
#include "processes/rows.h"

namespace illusion::labs::processes {
namespace {

using core::DurationHint;
using core::Result;
using core::RunContext;

// An address in the first page, which is never mapped: vm.mmap_min_addr (64 KiB by default)
// keeps user mappings away from it. It goes through a volatile so the compiler cannot see a
// null-ish constant and replace the store with a trap instruction
// (-fisolate-erroneous-paths-dereference emits ud2, which would raise SIGILL, not SIGSEGV).
volatile std::uintptr_t g_bad_address = 8;

int crash_body() {
  // No core file. RLIMIT_CORE = 0 stops a core written to a file; a core_pattern that pipes
  // to a helper ignores RLIMIT_CORE (core(5)), but a process that is not dumpable is never
  // dumped at all (prctl(2) PR_SET_DUMPABLE).
  const rlimit none{0, 0};
  setrlimit(RLIMIT_CORE, &none);
  prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
  // The default action, whatever handler illusion or a sanitizer installed before the fork.
  struct sigaction dfl {};
  dfl.sa_handler = SIG_DFL;
  sigaction(SIGSEGV, &dfl, nullptr);
  sigset_t segv;
  sigemptyset(&segv);
  sigaddset(&segv, SIGSEGV);
  sigprocmask(SIG_UNBLOCK, &segv, nullptr);
  *reinterpret_cast<volatile int*>(g_bad_address) = 42;
  return 0;  // not reached: the store above faults
}

std::string core_pattern() {
  std::ifstream in("/proc/sys/kernel/core_pattern");
  std::string s;
  std::getline(in, s);
  return s;
}

int crash_rounds(core::Profile p) {
  switch (p) {
    case core::Profile::quick:
      return 5;
    case core::Profile::thorough:
      return 200;
    case core::Profile::standard:
      break;
  }
  // 60 pairs, ~45 ms: with 20, the median's 95% interval was ±14% wide.
  return 60;
}

// fork -> (crash or exit) -> waitpid, timed from before fork to after the reap.
std::pair<double, ExitStatus> timed_child(const core::Clock& clock, int (*body)()) {
  const double t0 = clock.now_ns();
  Child child = Child::fork(body);
  const ExitStatus st = child.wait();
  return {clock.now_ns() - t0, st};
}


}  // namespace

Result run_crash_in_child(RunContext& ctx, Result r) {
  const int rounds = crash_rounds(ctx.profile);
  std::vector<double> crash_ns, clean_ns;
  std::map<std::string, int> outcomes;
  int segv = 0, cores = 0;
  for (int i = 0; i < rounds; ++i) {
    // Interleaved, so both see the same machine state.
    const auto [ns, st] = timed_child(*ctx.clock, crash_body);
    crash_ns.push_back(ns);
    ++outcomes[st.describe()];
    segv += st.signaled && st.signal == SIGSEGV;
    cores += st.core_dumped;
    clean_ns.push_back(timed_child(*ctx.clock, [] { return 0; }).first);
    ctx.report_progress(static_cast<double>(i + 1) / rounds);
  }
  std::string outcome;
  int most = 0;
  for (const auto& [text, count] : outcomes)
    if (count > most) {
      most = count;
      outcome = text;
    }
  const double clean_p50 = core::compute_stats(clean_ns).p50;
  core::finish_result(r, std::move(crash_ns), rounds, nullptr);
  const double p50 = r.stats->p50;
  r.add_param("op", "fork, a store to an unmapped address in the child, waitpid");
  r.add_param("outcome", outcome);
  r.add_param("parent_survived", fmt::format("yes: pid {} ran on after every crash", getpid()));
  r.add_param("core_dumps", "disabled in the child: RLIMIT_CORE=0 and PR_SET_DUMPABLE=0");
  r.add_param("core_pattern", core_pattern());
  r.add_param("rounds", static_cast<double>(rounds));
  r.add_metric("sigsegv_seen", segv, "children");
  r.add_metric("runs", rounds, "children");
  r.add_metric("core_dumped", cores, "children");
  r.add_metric("clean_exit_p50_ns", clean_p50, "ns");
  if (clean_p50 > 0) r.add_metric("vs_clean_exit", p50 / clean_p50, "x");
  if (segv != rounds) {
    std::string seen;
    for (const auto& [text, count] : outcomes)
      seen += fmt::format("{}{} x{}", seen.empty() ? "" : ", ", text, count);
    r.warnings.push_back(fmt::format(
        "expected every child to be killed by SIGSEGV; saw {} (a sanitizer or a seccomp "
        "filter can turn the crash into an exit)",
        seen));
  }
  if (cores > 0)
    r.warnings.push_back(fmt::format("{} children dumped core despite RLIMIT_CORE=0", cores));
  r.meaning = fmt::format(
      "a child that wrote through a bad pointer was {} ({} of {} runs) and illusion ran on: "
      "fork -> crash -> reap takes {} against {} for a clean exit ({:.2f}x)",
      outcome, segv, rounds, core::format_ns(p50), core::format_ns(clean_p50), clean_p50 > 0 ? p50 / clean_p50 : 0.0);
  return r;
}

std::vector<core::Experiment> isolation_rows() {
  return {
      experiment("crash_in_child", "crash in a child",
          "A child process dereferences a bad pointer: the kernel kills only that process "
          "(SIGSEGV) and the parent reads the outcome from waitpid.",
          "ns/run", DurationHint{0.01, 0.05, 0.15}, run_crash_in_child),
      experiment("stray_write_thread", "stray write, threads",
          "Two threads of one process: a stray write in one changes a value the other reads, "
          "because they share one address space.",
          "ns/run", DurationHint{0.03, 0.15, 0.6}, run_stray_write_thread),
      experiment("stray_write_process", "stray write, processes",
          "The same stray write in a forked child: it changes the child's own copy only; the "
          "parent's value is intact.",
          "ns/run", DurationHint{0.03, 0.15, 0.6}, run_stray_write_process),
  };
}

}  // namespace illusion::labs::processes
