#include "scheduling/switch_measure.h"

#include <sys/resource.h>

#include <algorithm>
#include <utility>

#include <fmt/format.h>

#include "core/counters.h"
#include "scheduling/pinned_cpu_check.h"

namespace illusion::labs::scheduling {
namespace {

// A sample of at least 20 µs: a same-CPU round trip (a few µs) is batched ~5-10 to a sample,
// a cross-CPU one (tens of µs here) stands alone.
constexpr double kTargetSampleNs = 20'000;
// Round trips run on the fresh link before counting starts: the partner's first wake-ups
// (page faults on its stack, the pin's migration) stay out of the count.
constexpr int kWarmRoundTrips = 20;

std::optional<double> reading(const std::vector<core::CounterReading>& all, const std::string& name,
                              std::string& reason) {
  for (const core::CounterReading& c : all) {
    if (c.name != name) continue;
    if (!c.value) reason = c.reason;
    return c.value;
  }
  reason = "not opened";
  return std::nullopt;
}

// This process (every thread) and its reaped children: where a thread partner's and a child
// partner's switches land in getrusage(2).
double rusage_switches_now() {
  const core::RusageSnapshot self = core::RusageSnapshot::now(RUSAGE_SELF);
  const core::RusageSnapshot children = core::RusageSnapshot::now(RUSAGE_CHILDREN);
  return static_cast<double>(self.voluntary_switches + self.involuntary_switches +
                             children.voluntary_switches + children.involuntary_switches);
}

}  // namespace

double per_switch_ns(double round_trip_ns, double baseline_ns) {
  return (round_trip_ns - 2 * baseline_ns) / 2;
}

std::vector<double> per_switch_samples(const std::vector<double>& round_trip_ns,
                                       double baseline_ns) {
  std::vector<double> out;
  out.reserve(round_trip_ns.size());
  for (double rt : round_trip_ns) out.push_back(per_switch_ns(rt, baseline_ns));
  return out;
}

core::SampleSet time_round_trips(const core::RunContext& ctx, PingPong& link) {
  core::SamplerConfig cfg = core::sampler_config_for(ctx.profile);
  cfg.target_sample_ns = kTargetSampleNs;
  return core::sample_op(*ctx.clock, cfg, [&link] { link.round_trip(); });
}

double inline_p50(const core::RunContext& ctx, const std::function<void()>& op,
                  double budget_scale) {
  core::SamplerConfig cfg = core::sampler_config_for(ctx.profile, budget_scale);
  cfg.single_op_share = 0;  // only the median is used
  core::SampleSet s = core::sample_op(*ctx.clock, cfg, op);
  return core::compute_stats(std::move(s.per_op_ns)).p50;
}

SwitchCount count_switches(const std::function<StartedPingPong()>& start, std::size_t round_trips,
                           bool use_perf) {
  SwitchCount out;
  out.round_trips = static_cast<double>(round_trips);
  // Opened before the partner exists: with inherit, a thread or child created afterwards gets
  // its own copy of each event, and reading ours sums theirs (perf_event_open(2), "inherit").
  // An empty set reads as "not opened", exactly like a host that refuses every event.
  core::CounterSet perf = use_perf ? core::CounterSet::open({.inherit = true, .hardware = false})
                                   : core::CounterSet();
  const double rusage_before = rusage_switches_now();
  MoveTally moves;
  const std::optional<int> caller_cpu = pinned_cpu_of_this_thread();
  if (!caller_cpu) moves.fail("the calling thread is not pinned to one CPU");
  {
    StartedPingPong started = start();
    if (!started.link) {
      out.refusal = started.refusal;
      return out;
    }
    for (int i = 0; i < kWarmRoundTrips; ++i) started.link->round_trip();
    // Every counted round trip is checked, perf or not: the checks are syscalls that neither
    // switch nor migrate, so they leave perf's counts alone, and the fallback is then ready
    // whichever events the host refused.
    perf.start();
    for (std::size_t i = 0; i < round_trips; ++i) {
      const CpuCheck partner = started.link->round_trip_checking_cpu();
      moves.add(caller_cpu.value_or(-1), cpu_now_raw(), partner);
    }
    perf.stop();
  }  // the partner is joined or reaped here, so RUSAGE_CHILDREN includes a child partner
  out.rusage_switches = rusage_switches_now() - rusage_before;

  const std::vector<core::CounterReading> readings = perf.read();
  std::string why_switches, why_migrations;
  out.switches = reading(readings, "context_switches", why_switches);
  out.migrations = reading(readings, "cpu_migrations", why_migrations);
  if (out.switches) {
    out.source = "perf context_switches, inherit (caller + partner), untimed pass";
  } else {
    out.switches = out.rusage_switches;
    out.source =
        "getrusage RUSAGE_SELF + RUSAGE_CHILDREN over the partner's whole life "
        "(perf unavailable)";
    out.warnings.push_back(fmt::format(
        "context_switches: perf unavailable ({}); counted with getrusage instead, which also "
        "counts the partner's start and end and any other thread of this process",
        why_switches));
  }
  if (out.migrations) {
    out.migrations_from_perf = true;
    out.migrations_source = "perf cpu_migrations, inherit (caller + partner), untimed pass";
  } else if (moves.moved()) {
    out.migrations = moves.moved();
    out.migrations_source =
        "getcpu(2) by each side after every counted hand-off: round trips on which a side ran "
        "off the one CPU it was pinned to (perf unavailable)";
    out.warnings.push_back(fmt::format(
        "cpu_migrations: perf unavailable ({}); moves of the pinned tasks checked with getcpu "
        "instead, on every counted round trip",
        why_migrations));
  } else {
    out.warnings.push_back(
        fmt::format("cpu_migrations: not counted: perf unavailable ({}) and getcpu could not "
                    "check the pinned tasks ({})",
                    why_migrations, moves.failure()));
  }
  return out;
}

std::size_t counted_round_trips(core::Profile profile) {
  switch (profile) {
    case core::Profile::quick:
      return 300;
    case core::Profile::thorough:
      return 5000;
    case core::Profile::standard:
      break;
  }
  return 2000;
}

}  // namespace illusion::labs::scheduling
