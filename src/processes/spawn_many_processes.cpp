// N processes alive at once. fork(2) gives each child a copy of the parent's address space made
// of shared pages (copy-on-write), so a child's resident set is mostly the parent's pages: PSS
// (proportional set size, proc(5) /proc/pid/smaps) divides every shared page among the
// processes that map it and is the fair per-process figure. What each child owns outright is
// a few pages it wrote (its stack, libc's fork bookkeeping), its page tables (VmPTE) and a
// kernel stack.
#include <sys/types.h>
#include <unistd.h>

#include <set>
#include <system_error>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "core/format.h"
#include "processes/child.h"
#include "processes/spawn_many.h"
#include "processes/spawn_many_support.h"
#include "processes/spawn_tally.h"

namespace illusion::labs::processes {
namespace {

// Releases the children before the vector of Child objects kills and reaps what is left, on
// every path out of the experiment.
class Releaser {
 public:
  Releaser(Gate& gate, std::vector<Child>& children) : gate_(gate), children_(children) {}
  Releaser(const Releaser&) = delete;
  Releaser& operator=(const Releaser&) = delete;
  ~Releaser() {
    gate_.release();
    children_.clear();  // ~Child: SIGKILL (harmless if already exiting) and waitpid
  }

 private:
  Gate& gate_;
  std::vector<Child>& children_;
};

struct ChildMemory {
  double pss = 0, rss = 0, pte = 0;  // sums over readable children, bytes
  std::size_t readable = 0;
};

ChildMemory read_children(const std::vector<Child>& children) {
  ChildMemory m;
  for (const Child& c : children) {
    const auto rollup = proc_kb_fields(fmt::format("/proc/{}/smaps_rollup", c.pid()));
    const auto status = proc_kb_fields(fmt::format("/proc/{}/status", c.pid()));
    const auto pss = rollup.find("Pss"), rss = rollup.find("Rss"), pte = status.find("VmPTE");
    if (pss == rollup.end() || rss == rollup.end() || pte == status.end()) continue;
    m.pss += static_cast<double>(pss->second);
    m.rss += static_cast<double>(rss->second);
    m.pte += static_cast<double>(pte->second);
    ++m.readable;
  }
  return m;
}

std::optional<double> kib(std::optional<std::uint64_t> bytes) {
  if (!bytes) return std::nullopt;
  return static_cast<double>(*bytes) / 1024.0;
}

}  // namespace

core::Result run_spawn_processes(core::RunContext& ctx, core::Result r, const SpawnOptions& opt) {
  const core::Clock& clock = *ctx.clock;
  const SpawnPlan plan = plan_spawn(opt.n, opt.cap_to_headroom);
  r.add_param("op", "fork of a child that then blocks in read(2) on a shared pipe");
  if (skip_if_no_room(r, plan, "processes")) return r;

  Gate gate;
  const int ready_w = gate.ready_write(), release_r = gate.release_read();
  const int release_w = gate.release_write();
  std::vector<Child> children;
  children.reserve(plan.planned);
  Releaser releaser(gate, children);
  SpawnTally t;

  const auto parent_pss0 = smaps_rollup_bytes(getpid(), "Pss");
  create_units(
      ctx, plan.planned, gate, t,
      [&]() -> std::string {
        try {
          // The child's copy of the release write end must go, or the release would never
          // reach end of file: a pipe reads EOF only once every write end is closed (pipe(7)).
          children.push_back(Child::fork([=] {
            ::close(release_w);
            unit_announce_and_wait(ready_w, release_r);
            return 0;
          }));
        } catch (const std::system_error& e) {
          return "fork failed: " + spawn_failure_text(e.code().value());
        }
        return {};
      },
      32, 0.6);
  if (opt.pids_out)
    for (const Child& c : children) opt.pids_out->push_back(c.pid());

  const auto parent_pss1 = smaps_rollup_bytes(getpid(), "Pss");
  const auto parent_rss1 = smaps_rollup_bytes(getpid(), "Rss");
  t.after = KernelMemory::now();
  const ChildMemory mem = read_children(children);
  std::set<pid_t> pids;
  for (const Child& c : children) pids.insert(c.pid());
  ctx.report_progress(0.85);

  std::size_t abnormal = 0;
  std::string abnormal_text;
  tear_down(clock, t, [&] {
    gate.release();
    for (Child& c : children) {
      const ExitStatus st = c.wait();
      if (!st.exited || st.code != 0) {
        ++abnormal;
        abnormal_text = st.describe();
      }
    }
    children.clear();
  });

  if (!record_creation(r, plan, t, "process", "processes")) return r;
  const std::size_t spawned = t.spawned;
  r.add_metric("distinct_pids", static_cast<double>(pids.size()), "pids");
  std::optional<double> pss, pte;
  if (mem.readable > 0) {
    const double n = static_cast<double>(mem.readable) * 1024.0;
    pss = mem.pss / n;
    pte = mem.pte / n;
    r.add_metric("pss_per_process_kib", *pss, "KiB");
    r.add_metric("rss_per_process_kib", mem.rss / n, "KiB");
    r.add_metric("page_tables_per_process_kib", *pte, "KiB");
  }
  if (mem.readable < spawned)
    r.warnings.push_back(fmt::format(
        "read the memory of only {} of {} children (/proc/<pid>/smaps_rollup needs ptrace read "
        "access, proc(5)); the per-process figures average those",
        mem.readable, spawned));
  if (const auto v = kib(parent_pss0)) r.add_metric("parent_pss_before_kib", *v, "KiB");
  if (const auto v = kib(parent_pss1)) r.add_metric("parent_pss_kib", *v, "KiB");
  if (const auto v = kib(parent_rss1)) r.add_metric("parent_rss_kib", *v, "KiB");
  if (const auto pt = kib_per_unit(t.before.page_tables, t.after.page_tables, spawned))
    r.add_metric("page_tables_system_per_unit_kib", *pt, "KiB");
  const auto kstack = record_per_unit(r, t, "children");
  if (abnormal > 0) {
    // A child killed from outside (the OOM killer sends SIGKILL) or crashed: the memory and
    // teardown figures describe a set of processes that was not the one planned.
    r.status = core::Status::failed;
    r.reason = fmt::format(
        "{} of {} children did not exit cleanly (last: {}){}", abnormal, spawned, abnormal_text,
        abnormal_text.find("SIGKILL") != std::string::npos
            ? ": killed from outside the run, as the OOM killer does (see dmesg)"
            : "");
    return r;
  }

  std::string vs_thread;
  if (ctx.earlier) {
    const core::Result* threads =
        core::find_result(*ctx.earlier, fmt::format("processes.spawn_threads_{}", opt.n));
    if (threads && threads->stats && threads->stats->p50 > 0) {
      r.add_metric("vs_thread", r.stats->p50 / threads->stats->p50, "x");
      vs_thread = fmt::format(", {:.1f}x a thread", r.stats->p50 / threads->stats->p50);
    }
  }
  r.meaning = fmt::format(
      "{} processes alive at once, forked in {} ({:.0f}/s, {} each at p50{}); each "
      "child's PSS is {} KiB (its pages are the parent's until written), plus {} KiB of page "
      "tables and {} KiB of kernel stack{}",
      spawned, core::format_ns(t.total_ms() * 1e6), t.units_per_s(), core::format_ns(r.stats->p50),
      vs_thread,
      pss ? fmt::format("{:.0f}", *pss) : "?", pte ? fmt::format("{:.0f}", *pte) : "?",
      kstack ? fmt::format("{:.0f}", *kstack) : "?", shortfall_note(plan, spawned));
  return r;
}

}  // namespace illusion::labs::processes
