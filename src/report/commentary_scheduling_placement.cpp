// Commentary rules for Lab 3.5 (scheduling and affinity): how many threads to run, and where.
// More busy threads than CPUs (oversubscription), and pinning threads to CPUs against letting
// the scheduler move them.
// Each is pure and silent when an input is missing; each quotes the figures it was given,
// names a direction only when the figures clear a noise bound, and names a cause as fact
// only when the run counted it.
#include <fmt/format.h>

#include <optional>
#include <string>

#include "core/format.h"
#include "report/commentary.h"
#include "report/commentary_lookup.h"
#include "report/commentary_scheduling_rows.h"

namespace illusion::report::rules {

using Results = std::vector<core::Result>;
using namespace lookup;
using namespace scheduling_rows;

std::optional<Insight> oversubscription(const Results& results) {
  const auto fit = metric(results, "cpu_bound_cores", "units_per_s");
  const auto over = metric(results, "cpu_bound_4x", "units_per_s");
  const auto fit_wait = metric(results, "cpu_bound_cores", "wait_p50_ns");
  const auto over_wait = metric(results, "cpu_bound_4x", "wait_p50_ns");
  const auto threads = metric(results, "cpu_bound_4x", "threads");
  if (!fit || !over || !fit_wait || !over_wait || !threads || !(*fit > 0) || !(*over > 0) ||
      !(*threads >= 1) || *fit_wait < 0 || *over_wait < 0)
    return std::nullopt;
  Insight in{"oversubscription",
             "",
             {{"units_per_s_cores", *fit},
              {"units_per_s_4x", *over},
              {"wait_p50_ns_cores", *fit_wait},
              {"wait_p50_ns_4x", *over_wait}}};
  // Throughputs and waits are single figures per row (no spread), so the unbounded ratio.
  const int work = direction(*fit, *over, ratio_bound(*fit, *over));
  const int wait = direction(*fit_wait, *over_wait, ratio_bound(*fit_wait, *over_wait));
  const std::string within =
      fmt::format("the same within {}", core::format_percent(kClearlyDifferent - 1));
  in.text = fmt::format(
      "{}{} busy threads did {} the work of one per CPU ({}), while each waited {} between its "
      "slices {} {}{}.",
      work <= 0 && wait > 0 ? "More runnable threads than CPUs adds waiting, not work: " : "",
      core::format_whole(*threads), core::format_ratio(*over / *fit),
      work > 0   ? "more"
      : work < 0 ? "less"
                 : within,
      core::format_ns(*over_wait), wait > 0 ? "instead of" : "against", core::format_ns(*fit_wait),
      wait > 0   ? ""
      : wait < 0 ? " (less waiting)"
                 : fmt::format(" ({})", within));
  const auto per_cpu_s = metric(results, "cpu_bound_4x", "units_per_cpu_s");
  const auto fit_per_cpu_s = metric(results, "cpu_bound_cores", "units_per_cpu_s");
  if (per_cpu_s && fit_per_cpu_s && *per_cpu_s > 0 && *fit_per_cpu_s > 0) {
    const double r = *per_cpu_s / *fit_per_cpu_s;
    in.values.emplace_back("units_per_cpu_s_ratio", r);
    const int eff = direction(*fit_per_cpu_s, *per_cpu_s, ratio_bound(*fit_per_cpu_s, *per_cpu_s));
    in.text += fmt::format(
        " Work per CPU-second, the energy proxy where no energy counter exists, was {} of the "
        "fitted case's: {}.",
        core::format_ratio(r),
        eff == 0  ? fmt::format("oversubscription spent no more CPU time per unit here ({}), "
                                 "only latency",
                                within)
        : eff < 0 ? std::string("oversubscription spent more CPU time per unit of work here")
                  : std::string("oversubscription spent less CPU time per unit of work here"));
  }
  return in;
}

std::optional<Insight> pinning_tradeoffs(const Results& results) {
  const auto ratio = metric(results, "pin_two_on_one_cpu", "throughput_ratio");
  const auto idle = metric(results, "pin_two_on_one_cpu", "spare_cpu_idle_share");
  const auto wait = metric(results, "pin_two_on_one_cpu", "pinned_wait_p50_ns");
  if (!ratio || !idle || !wait || !(*ratio > 0) || *idle < 0 || *idle > 1 || *wait < 0)
    return std::nullopt;
  Insight in{"pinning_tradeoffs",
             "",
             {{"throughput_ratio", *ratio},
              {"spare_cpu_idle_share", *idle},
              {"pinned_wait_p50_ns", *wait}}};
  const int dir = direction(1, *ratio, ratio_bound(1, *ratio));
  const std::string within =
      fmt::format("the same within {}", core::format_percent(kClearlyDifferent - 1));
  in.text = fmt::format(
      "{}two busy threads pinned to one CPU got {} the throughput of the same two unpinned{}, "
      "each waiting {} for the other's slice, while the other CPU sat {} idle.",
      dir < 0 ? "Pinning takes the scheduler's freedom away: " : "", core::format_ratio(*ratio),
      dir == 0  ? fmt::format(" ({})", within)
      : dir > 0 ? " (more, so pinning cost nothing here)"
                : "",
      core::format_ns(*wait), core::format_percent(*idle));
  const auto move = metric(results, "pin_cache_hungry_free", "move_cost_ns");
  const auto migrations = metric(results, "pin_cache_hungry_free", "migrations");
  const auto first = metric(results, "pin_cache_hungry_free", "forced_move_first_walk_p50_ns");
  const auto second = metric(results, "pin_cache_hungry_free", "forced_move_second_walk_p50_ns");
  if (move && migrations && *migrations >= 0) {
    in.values.emplace_back("move_cost_ns", *move);
    in.values.emplace_back("free_migrations", *migrations);
    // move = the first walk on the new CPU - the second walk there: two medians with no
    // spread recorded, so judged by the unbounded ratio; without them, no direction at all.
    if (!first || !second || !(*first > 0) || !(*second > 0)) {
      in.text += fmt::format(
          " Moving a cache-hungry task to another CPU changed its next pass by {}; left free, "
          "it migrated {} times here.",
          core::format_ns(*move), core::format_whole(*migrations));
    } else if (direction(*second, *first, ratio_bound(*second, *first)) > 0) {
      in.text += fmt::format(
          " What pinning protects against: moving a cache-hungry task to another CPU cost its "
          "next pass {} ({} against {}), most likely refilling the cache there; left free, it "
          "migrated {} times here{}.",
          core::format_ns(*move), core::format_ns(*first), core::format_ns(*second),
          core::format_whole(*migrations),
          *migrations < 1 ? ", so pinning bought nothing this time" : "");
    } else {
      in.text += fmt::format(
          " Moving a cache-hungry task to another CPU left its next pass at {} against {} "
          "({}), and left free it migrated {} times: pinning had nothing measurable to "
          "protect here.",
          core::format_ns(*first), core::format_ns(*second), within,
          core::format_whole(*migrations));
    }
  }
  return in;
}

}  // namespace illusion::report::rules
