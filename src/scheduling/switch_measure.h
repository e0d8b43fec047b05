// Timing and counting a ping-pong, kept apart on purpose: perf's software events add about a
// microsecond to every context switch while open, so round trips are timed with no counter
// open, and the switches are counted in a separate, untimed pass on a fresh partner.
#pragma once

#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "core/experiment.h"
#include "core/sampler.h"
#include "scheduling/switch_pingpong.h"

namespace illusion::labs::scheduling {

// lmbench lat_ctx's arithmetic: a round trip is two hand-offs, each one switch plus one
// write+read of the link (the baseline, measured with no switch); per switch = (round trip -
// 2 x baseline) / 2. Never clamped: a negative value means the baseline was not the cost it
// stands for, and the caller flags it.
double per_switch_ns(double round_trip_ns, double baseline_ns);
std::vector<double> per_switch_samples(const std::vector<double>& round_trip_ns,
                                       double baseline_ns);

// Round trips timed in batches (one sample lasts >= 20 µs, so the clock's own cost is noise),
// with no perf counter open. per_op_ns of the result is ns per round trip.
core::SampleSet time_round_trips(const core::RunContext& ctx, PingPong& link);

// The p50 of an op timed alone with the sampler, at `budget_scale` of the profile's budget: a
// baseline measured inline when its own row has not run.
double inline_p50(const core::RunContext& ctx, const std::function<void()>& op,
                  double budget_scale);

// Switches and migrations of `round_trips` round trips on a fresh link, counted by perf with
// inherit (the partner is created after the events are opened, so its switches count too) or,
// when perf cannot count, switches by getrusage of this process and its reaped children and
// migrations by each side asking getcpu(2) whether it is still on its CPU (pinned_cpu_check.h;
// the caller must be pinned to one CPU, as the partner pins itself).
struct SwitchCount {
  double round_trips = 0;
  std::optional<double> switches;  // both tasks, all kinds of switch
  // perf cpu_migrations, else round trips on which getcpu found a side off its pinned CPU
  // (for tasks pinned to one CPU each, zero exactly when neither moved); nullopt when neither
  // could count, with the reasons in `warnings`.
  std::optional<double> migrations;
  bool migrations_from_perf = false;
  std::optional<double> rusage_switches;  // voluntary + involuntary, process-wide (cross-check)
  std::string source;                     // how `switches` was counted
  std::string migrations_source;          // how `migrations` was counted; empty when not
  std::string refusal;                    // the fresh link could not be started
  std::vector<std::string> warnings;
};
// `use_perf` false counts as a host where perf_event_open is refused does: the fallbacks' seam.
SwitchCount count_switches(const std::function<StartedPingPong()>& start, std::size_t round_trips,
                           bool use_perf = true);

// Round trips counted per profile: enough that the partner's start-up is noise beside them.
std::size_t counted_round_trips(core::Profile profile);

}  // namespace illusion::labs::scheduling
