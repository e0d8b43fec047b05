// A cache-hungry walker beside a busy competitor: free to move, each migration leaves its
// working set in the old core's L2 (what a move costs is measured by moving it on purpose, after
// the competitor stops); pinned, with the competitor on the other CPU, it never moves. Whether
// pinning pays depends on how often the scheduler really moves it, which the rows count.
#include "scheduling/pinning.h"

#include <string>
#include <vector>

#include <fmt/format.h>

#include "core/format.h"
#include "core/measure.h"
#include "scheduling/busy_summary.h"
#include "scheduling/load_threads.h"
#include "scheduling/pin_walk.h"
#include "scheduling/placement.h"

namespace illusion::labs::scheduling {
namespace {

// Near this VM's 1 MiB L2 per core, well inside its L3: a walk is L2 hits when the set is where
// the walker runs, L3 or memory when it was left on another core.
constexpr std::size_t kWorkingSetBytes = 768 * 1024;

double walk_window_ns(core::Profile p) {
  switch (p) {
    case core::Profile::quick:
      return 0.2e9;
    case core::Profile::thorough:
      return 3e9;
    case core::Profile::standard:
      break;
  }
  return 1e9;
}

std::size_t forced_moves(core::Profile p) {
  switch (p) {
    case core::Profile::quick:
      return 20;
    case core::Profile::thorough:
      return 400;
    case core::Profile::standard:
      break;
  }
  return 100;
}

std::string cpu_list(const std::vector<int>& cpus) {
  return fmt::format("{}", fmt::join(cpus, ","));
}

double p50_of(std::vector<double> v) {
  return core::compute_stats(std::move(v)).p50;
}

// "1 migration", "12 migrations", "— migrations" (the count was unavailable).
std::string count_of(const core::Metric* m, const char* noun) {
  if (!m) return fmt::format("{} {}s", core::kMissing, noun);
  return fmt::format("{} {}{}", core::format_whole(m->value), noun, m->value == 1 ? "" : "s");
}

void add_walk_figures(core::Result& r, const WalkRun& run, const BatchLoad& competitor,
                      double window_ns) {
  r.add_param("working_set_bytes", static_cast<double>(kWorkingSetBytes));
  r.add_param("lines_per_walk", static_cast<double>(run.lines));
  r.add_param("walk", "a random cyclic chain through every 64-byte line of the set");
  r.add_param("window_s", window_ns / 1e9);
  r.add_param("walker_cpus_seen", cpu_list(run.cpus_seen));
  r.add_param("stats_per", "walk: one pass over the whole working set");
  r.add_metric("walks", static_cast<double>(run.walk_ns.size()), "walks");
  if (run.before.migrations && run.after.migrations)
    r.add_metric("migrations", static_cast<double>(*run.after.migrations - *run.before.migrations),
                 "migrations");
  else
    r.warnings.push_back("migrations: /proc/thread-self/sched is absent (CONFIG_SCHED_DEBUG off)");
  r.add_metric("walks_after_cpu_change", static_cast<double>(run.moved_ns.size()), "walks");
  if (!run.moved_ns.empty()) r.add_metric("moved_walk_p50_ns", p50_of(run.moved_ns), "ns");
  if (!run.stayed_ns.empty()) r.add_metric("stayed_walk_p50_ns", p50_of(run.stayed_ns), "ns");
  r.add_metric("involuntary_switches",
               static_cast<double>(run.after.rusage.involuntary_switches -
                                   run.before.rusage.involuntary_switches),
               "switches");
  r.add_metric("competitor_cpu_share", competitor.cpu_share(), "fraction");
}

std::string walk_summary(const core::Result& r, const WalkRun& run) {
  std::string line = fmt::format(
      "walking {} ({} lines) took p50 {} ({} per line), p99 {}; the walker had {} in {} walks",
      core::format_value(static_cast<double>(kWorkingSetBytes) / 1024, "KiB"),
      core::format_whole(static_cast<double>(run.lines)), core::format_ns(r.stats->p50),
      core::format_ns(r.stats->p50 / static_cast<double>(run.lines)), core::format_ns(r.stats->p99),
      count_of(r.metric("migrations"), "migration"),
      core::format_whole(static_cast<double>(run.walk_ns.size())));
  if (!run.moved_ns.empty() && !run.stayed_ns.empty()) {
    const double moved = p50_of(run.moved_ns), stayed = p50_of(run.stayed_ns);
    line += fmt::format(
        "; the {} walk{} that changed CPU (a wait for a CPU included) took p50 {} ({} a walk "
        "that stayed)",
        run.moved_ns.size(), run.moved_ns.size() == 1 ? "" : "s", core::format_ns(moved),
        core::format_ratio(moved / stayed));
  }
  return line;
}

// The price of one move, measured by moving the walker on purpose (the competitor stopped):
// "" when it was measured, else why not.
std::string add_forced_moves(core::RunContext& ctx, core::Result& r, const CpuBudget& budget) {
  if (std::string why = cross_cpu_unavailable(budget); !why.empty()) return why;
  const MovePlan plan{.working_set_bytes = kWorkingSetBytes,
                      .cpu_a = budget.cpus[0],
                      .cpu_b = budget.cpus[1],
                      .moves = forced_moves(ctx.profile)};
  const MoveRun moves = run_forced_moves(*ctx.clock, plan);
  if (!moves.refusal.empty()) return moves.refusal;
  const double first = p50_of(moves.first_walk_ns), second = p50_of(moves.second_walk_ns);
  r.add_param("forced_moves", fmt::format("{} moves between CPUs {} and {}, competitor stopped",
                                          plan.moves, plan.cpu_a, plan.cpu_b));
  r.add_metric("forced_move_first_walk_p50_ns", first, "ns");
  r.add_metric("forced_move_second_walk_p50_ns", second, "ns");
  r.add_metric("move_cost_ns", first - second, "ns");
  return "";
}

std::string forced_move_summary(const core::Result& r, double window_ns) {
  const core::Metric* first = r.metric("forced_move_first_walk_p50_ns");
  const core::Metric* second = r.metric("forced_move_second_walk_p50_ns");
  const core::Metric* cost = r.metric("move_cost_ns");
  const core::Metric* migrations = r.metric("migrations");
  if (!first || !second || !cost) return "";
  std::string line = fmt::format(
      ". Moved on purpose, the first walk on the new CPU took p50 {} and the next {}: a move "
      "costs this walker {}",
      core::format_ns(first->value), core::format_ns(second->value), core::format_ns(cost->value));
  if (migrations && migrations->value > 0 && cost->value > 0)
    line += fmt::format(
        ", so the {} seen cost about {} of the {} window", count_of(migrations, "migration"),
        core::format_ns(migrations->value * cost->value), core::format_ns(window_ns));
  return line;
}

}  // namespace

core::Result run_cache_hungry(core::RunContext& ctx, core::Result r, bool pinned) {
  const CpuBudget budget = cpu_budget(ctx);
  if (pinned) {
    if (std::string why = cross_cpu_unavailable(budget); !why.empty())
      return core::skipped(std::move(r), why);
  }
  WalkPlan plan{
      .working_set_bytes = kWorkingSetBytes, .cpu = {}, .duration_ns = walk_window_ns(ctx.profile)};
  std::vector<int> competitor_cpus;
  if (pinned) {
    plan.cpu = budget.cpus[0];
    competitor_cpus = {budget.cpus[1]};
  }
  BatchLoad competitor(1, competitor_cpus, ThreadPolicy::unchanged, 0);
  if (std::string why = competitor.refusal(); !why.empty())
    return core::skipped(std::move(r), "the competitor could not be pinned: " + why);
  ctx.report_progress(0.05);
  WalkRun run = run_walker(*ctx.clock, plan);
  competitor.stop();
  if (!run.refusal.empty()) return core::skipped(std::move(r), run.refusal);
  ctx.report_progress(0.9);
  if (!pinned) {
    if (std::string why = add_forced_moves(ctx, r, budget); !why.empty())
      r.warnings.push_back("the cost of a move was not measured: " + why);
  }

  r.add_param("walker", pinned ? fmt::format("pinned to CPU {}", *plan.cpu)
                               : std::string("free: any allowed CPU"));
  r.add_param("competitor", pinned
                                ? fmt::format("1 busy thread pinned to CPU {}", competitor_cpus[0])
                                : std::string("1 busy thread, free"));
  add_walk_figures(r, run, competitor, plan.duration_ns);
  const double walks = static_cast<double>(run.walk_ns.size());
  core::finish_result(r, run.walk_ns, walks, nullptr);

  std::string line =
      (pinned ? fmt::format("Pinned to CPU {} with the competitor on CPU {}: ", *plan.cpu,
                            competitor_cpus[0])
              : std::string("Free to move beside a busy competitor: ")) +
      walk_summary(r, run) + forced_move_summary(r, plan.duration_ns);
  const core::Result* free = pinned ? earlier_result(ctx, "pin_cache_hungry_free") : nullptr;
  if (free && free->stats && free->stats->p50 > 0) {
    line += fmt::format(
        ". Unpinned (pin_cache_hungry_free): p50 {}, p99 {}, {}: pinned/unpinned is {} at the "
        "p50 and {} at the p99",
        core::format_ns(free->stats->p50), core::format_ns(free->stats->p99),
        count_of(free->metric("migrations"), "migration"),
        core::format_ratio(r.stats->p50 / free->stats->p50),
        core::format_ratio(r.stats->p99 / free->stats->p99));
  }
  r.meaning = line + ".";
  return r;
}

}  // namespace illusion::labs::scheduling
