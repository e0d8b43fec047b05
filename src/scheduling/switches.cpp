// What a context switch costs. Direct: two tasks pass a token back and forth, each hand-off a
// block and a wake-up, on one CPU (a direct switch) or two (a cross-CPU wake-up); the link's
// own cost measured without a switch is subtracted, as lmbench's lat_ctx does (McVoy & Staelin,
// USENIX 1996), and the switches are counted, not assumed. Indirect: what the thread switched
// out finds of its working set when it comes back (switches_indirect.cpp).
#include <optional>
#include <string>
#include <utility>

#include <fmt/format.h>

#include "core/format.h"
#include "core/measure.h"
#include "core/result.h"
#include "scheduling/placement.h"
#include "scheduling/rows.h"
#include "scheduling/switches.h"
#include "scheduling/switch_measure.h"
#include "scheduling/switch_pingpong.h"

namespace illusion::labs::scheduling {
namespace {

constexpr const char* kBaselineId = "scheduling.pipe_baseline";
// Share of the profile's sampling budget an inline baseline gets: it only needs a stable p50.
constexpr double kInlineBaselineScale = 0.3;

enum class Place { same_cpu, cross_cpu };

// The two sides of a ping-pong: what they are, how the partner starts, what one hand-off costs
// without a switch.
struct LinkKind {
  const char* tasks;     // "two threads"
  const char* partner;   // "partner thread"
  const char* link;      // "1 byte over two pipes"
  const char* baseline;  // what the baseline is, for params
  const char* baseline_metric;
  StartedPingPong (*start)(int cpu);
  bool pipe;
  // The partner is a thread using pipes: the process's fd table is shared while it lives.
  bool shares_fd_table = false;
};

StartedPingPong start_futex(int cpu) {
  return start_futex_thread(cpu);
}

const LinkKind kPipeThreads{"two threads",
                            "partner thread",
                            "1 byte over two pipes",
                            "one 1-byte pipe write + read, no switch",
                            "pipe_baseline_ns",
                            start_pipe_thread,
                            true,
                            true};
const LinkKind kPipeProcs{"a parent and its forked child",
                          "child process",
                          "1 byte over two pipes",
                          "one 1-byte pipe write + read, no switch",
                          "pipe_baseline_ns",
                          start_pipe_process,
                          true};
const LinkKind kFutex{"two threads",
                      "partner thread",
                      "a futex word each way",
                      "FUTEX_WAKE with no waiter + FUTEX_WAIT returning EAGAIN, no switch",
                      "futex_baseline_ns",
                      start_futex,
                      false};

struct Placement {
  int caller_cpu = -1, partner_cpu = -1;
  std::string refusal;
};

Placement choose_cpus(const CpuBudget& budget, Place place) {
  Placement p;
  if (budget.cpus.empty()) {
    p.refusal = "the allowed CPUs are unknown (sched_getaffinity failed)";
  } else if (place == Place::same_cpu) {
    p.caller_cpu = p.partner_cpu = budget.cpus.back();
  } else if (std::string why = cross_cpu_unavailable(budget); !why.empty()) {
    p.refusal = why;
  } else {
    p.caller_cpu = budget.cpus.front();
    p.partner_cpu = budget.cpus.back();
  }
  return p;
}

// The link's cost per hand-off without a switch: the baseline row's p50 when it ran earlier in
// this run, else measured here.
double baseline_ns(const core::RunContext& ctx, core::Result& r, const LinkKind& kind) {
  if (kind.pipe) {
    const core::Result* row = ctx.earlier ? core::find_result(*ctx.earlier, kBaselineId) : nullptr;
    if (row && row->stats && row->stats->n > 0) {
      r.add_param("baseline_source", std::string(kBaselineId) + " p50, this run");
      return row->stats->p50;
    }
    PipeEcho echo;
    r.add_param("baseline_source", "measured inline (the baseline row did not run)");
    return inline_p50(
        ctx, [&echo] { echo.write_then_read(); }, kInlineBaselineScale);
  }
  r.add_param("baseline_source", "measured inline");
  return inline_p50(ctx, futex_wake_and_wait_no_switch, kInlineBaselineScale);
}

// The pipe baseline again, measured while the partner thread lives (blocked in its read).
// fdget() borrows a file without touching its reference count only while the fd table has one
// user (__fget_light in fs/file.c); with two threads sharing it, every read and write takes and
// drops a reference, so the thread rows' own pipe work costs more than the single-threaded
// baseline that lmbench (which uses processes) subtracts.
double pipe_baseline_beside_partner(const core::RunContext& ctx) {
  PipeEcho echo;
  return inline_p50(
      ctx, [&echo] { echo.write_then_read(); }, kInlineBaselineScale);
}

// "; with the partner thread alive ..." for the thread rows, with its metrics.
std::string shared_fd_table_note(core::Result& r, double round_trip, double shared_baseline,
                                 Place place) {
  const double per_switch = per_switch_ns(round_trip, shared_baseline);
  r.add_metric("pipe_baseline_two_threads_ns", shared_baseline, "ns");
  r.add_metric("per_switch_two_threads_baseline_ns", per_switch, "ns");
  return fmt::format(
      "; with the partner thread alive the same write + read costs {} (a shared fd table makes "
      "each fd lookup take a file reference), which leaves {} per {}",
      core::format_ns(shared_baseline), core::format_ns(per_switch),
      place == Place::same_cpu ? "switch" : "hand-off");
}

void add_count(core::Result& r, const SwitchCount& count) {
  r.add_param("counted_round_trips", count.round_trips);
  r.add_param("switch_count_source", count.source);
  // Per op (one hand-off, half a round trip), from the untimed pass: no counter was open
  // around the timed samples, where perf would have added ~1 µs to every switch.
  const double ops = 2 * count.round_trips;
  r.add_param("counters_from", "the untimed counting pass, per hand-off");
  r.counters.push_back({"context_switches", count.switches
                                                ? std::optional<double>(*count.switches / ops)
                                                : std::nullopt});
  // The counter is perf's event or nothing: the getcpu fallback counts round trips with a move,
  // not migrations, and says so through migrations_source beside its metric.
  r.counters.push_back({"cpu_migrations", count.migrations_from_perf
                                              ? std::optional<double>(*count.migrations / ops)
                                              : std::nullopt});
  if (count.switches)
    r.add_metric("switches_per_round_trip", *count.switches / count.round_trips, "switches");
  if (count.migrations) {
    r.add_metric("migrations_per_round_trip", *count.migrations / count.round_trips, "migrations");
    r.add_param("migrations_source", count.migrations_source);
  }
  if (count.rusage_switches)
    r.add_metric("rusage_switches_per_round_trip", *count.rusage_switches / count.round_trips,
                 "switches");
  for (const std::string& w : count.warnings) r.warnings.push_back(w);
  const core::Metric* sw = r.metric("switches_per_round_trip");
  if (sw && sw->value < 1.9)
    r.warnings.push_back(fmt::format(
        "only {} switches per round trip were counted where 2 are expected: a side found the "
        "token already there and did not block, so the figure is not purely switches",
        core::format_count(sw->value)));
  const core::Metric* mig = r.metric("migrations_per_round_trip");
  if (mig && mig->value > 0 && count.migrations_from_perf)
    r.warnings.push_back(
        fmt::format("{} CPU migrations per round trip although both tasks were pinned",
                    core::format_count(mig->value)));
  else if (mig && mig->value > 0)
    r.warnings.push_back(fmt::format(
        "getcpu found a side off its pinned CPU on {} of {} counted round trips: the pinning "
        "did not hold",
        core::format_count(*count.migrations), core::format_count(count.round_trips)));
}

std::string counted_text(const core::Result& r) {
  const core::Metric* sw = r.metric("switches_per_round_trip");
  const core::Metric* mig = r.metric("migrations_per_round_trip");
  return fmt::format("{} switches and {} migrations counted per round trip",
                     sw ? core::format_count(sw->value) : core::kMissing,
                     mig ? core::format_count(mig->value) : core::kMissing);
}

std::string meaning(const core::Result& r, const LinkKind& kind, Place place, const Placement& cpus,
                    double round_trip, double baseline) {
  const std::string where =
      place == Place::same_cpu
          ? fmt::format("{} on CPU {} (every hand-off a direct switch)", kind.tasks,
                        cpus.caller_cpu)
          : fmt::format("{} on CPUs {} and {} (every hand-off wakes the other CPU)", kind.tasks,
                        cpus.caller_cpu, cpus.partner_cpu);
  return fmt::format("{} per {} between {}: round trip {} minus 2 x {} {} baseline, halved; {}",
                     core::format_ns(r.stats->p50),
                     place == Place::same_cpu ? "switch" : "cross-CPU hand-off", where,
                     core::format_ns(round_trip), core::format_ns(baseline),
                     kind.pipe ? "pipe" : "futex", counted_text(r));
}

core::Result run_pingpong(core::RunContext& ctx, core::Result r, const LinkKind& kind,
                          Place place) {
  const Placement cpus = choose_cpus(cpu_budget(ctx), place);
  if (!cpus.refusal.empty()) return core::skipped(std::move(r), cpus.refusal);
  AffinityGuard caller;
  if (std::string why = caller.pin(cpus.caller_cpu); !why.empty())
    return core::skipped(std::move(r), "the calling thread could not be pinned: " + why);

  const double baseline = baseline_ns(ctx, r, kind);
  core::SampleSet round_trips;
  std::optional<double> shared_baseline;
  {
    StartedPingPong started = kind.start(cpus.partner_cpu);
    if (!started.link) return core::skipped(std::move(r), started.refusal);
    if (kind.shares_fd_table) shared_baseline = pipe_baseline_beside_partner(ctx);
    round_trips = time_round_trips(ctx, *started.link);
  }
  ctx.report_progress(0.7);
  const SwitchCount count = count_switches([&] { return kind.start(cpus.partner_cpu); },
                                           counted_round_trips(ctx.profile));
  if (!count.refusal.empty()) return core::skipped(std::move(r), count.refusal);

  const core::Stats rt = core::compute_stats(round_trips.per_op_ns);
  core::finish_result(r, per_switch_samples(round_trips.per_op_ns, baseline),
                      2 * static_cast<double>(round_trips.ops), nullptr);
  // Batches of round trips hide a slow hand-off; single round trips, timed apart, show it.
  // A round trip long enough to be its own sample (batch 1) is already one.
  if (round_trips.batch == 1) {
    r.op_tail = r.stats;
    r.op_tail_note.clear();
    r.add_param("op_tail_from", "single round trips (two switches each): (round trip - 2 x "
                                "baseline) / 2");
  } else if (!round_trips.single_op_ns.empty()) {
    r.op_tail = core::compute_stats(per_switch_samples(round_trips.single_op_ns, baseline));
    r.op_tail_note.clear();
    r.add_param("op_tail_from", "single round trips timed one by one (two switches each): "
                                "(round trip - 2 x baseline) / 2");
  } else if (!round_trips.single_op_note.empty()) {
    r.op_tail_note = round_trips.single_op_note;
  }
  r.add_param("stats_per",
              fmt::format("one {}: (round trip - 2 x baseline) / 2, the baseline being {}",
                          place == Place::same_cpu
                              ? "switch"
                              : "hand-off (block, wake-up on the other CPU, switch in there)",
                          kind.baseline));
  r.add_param("op",
              fmt::format("round trip: {} passed to the {} and back", kind.link, kind.partner));
  r.add_param("placement",
              fmt::format("caller pinned to CPU {}, {} pinned to CPU {} (both checked with getcpu)",
                          cpus.caller_cpu, kind.partner, cpus.partner_cpu));
  r.add_param("round_trips_per_sample", static_cast<double>(round_trips.batch));
  r.add_param("samples", static_cast<double>(round_trips.per_op_ns.size()));
  r.add_param("clock", ctx.clock->info().source);
  r.add_metric("round_trip_ns", rt.p50, "ns");
  // Peers such as perf bench sched pipe print a mean round trip: `verify --peers` compares
  // with this one (the mean of batch means is the mean of every round trip timed).
  r.add_metric("round_trip_mean_ns", rt.mean, "ns");
  r.add_metric("round_trip_p99_ns", rt.p99, "ns");
  r.add_metric(kind.baseline_metric, baseline, "ns");
  add_count(r, count);
  if (r.stats->p50 <= 0)
    r.warnings.push_back(
        fmt::format("the round trip ({}) is not more than twice the baseline ({}): the baseline "
                    "overstates the link's cost, and the per-switch figure (kept, not clamped) is "
                    "meaningless",
                    core::format_ns(rt.p50), core::format_ns(baseline)));
  if (rt.p99 > 10 * rt.p50)
    r.warnings.push_back(fmt::format(
        "the p99 round trip ({}) is {} the p50 ({}): some hand-offs waited far longer than "
        "the rest (another task on one of the CPUs, or the hypervisor running a vCPU late)",
        core::format_ns(rt.p99), core::format_ratio(rt.p99 / rt.p50), core::format_ns(rt.p50)));
  r.meaning = meaning(r, kind, place, cpus, rt.p50, baseline);
  if (shared_baseline) r.meaning += shared_fd_table_note(r, rt.p50, *shared_baseline, place);
  return r;
}

core::Result run_pipe_baseline(core::RunContext& ctx, core::Result r) {
  PipeEcho echo;
  r = core::measure(ctx, std::move(r), [&echo] { echo.write_then_read(); });
  r.add_param("stats_per",
              "one 1-byte write + one 1-byte read of the same pipe, one thread, "
              "no switch");
  const double p50 = r.stats->p50;
  r.meaning = fmt::format(
      "{} per 1-byte pipe write + read with no switch: the pipe work each hand-off of the "
      "ping-pong rows pays, subtracted twice from every round trip (lmbench lat_ctx)",
      core::format_ns(p50));
  const core::CounterValue* sw = r.counter("context_switches");
  if (sw && sw->per_op && *sw->per_op > 0.01)
    r.warnings.push_back(fmt::format(
        "{} context switches per write + read: the thread was preempted during the samples",
        core::format_count(*sw->per_op)));
  return r;
}

core::Experiment pingpong_row(const std::string& id, std::string title, std::string shows,
                              const LinkKind& kind, Place place) {
  const core::DurationHint hint = place == Place::same_cpu ? core::DurationHint{0.12, 0.5, 1.8}
                                                           : core::DurationHint{0.15, 0.6, 2.0};
  return experiment(id, std::move(title), std::move(shows), "ns/op", hint,
                    [&kind, place](core::RunContext& ctx, core::Result r) {
                      return run_pingpong(ctx, std::move(r), kind, place);
                    });
}

}  // namespace

std::vector<core::Experiment> switch_rows() {
  return {
      experiment("pipe_baseline", "Pipe write+read, no switch",
                 "The pipe work of one hand-off without the switch: a 1-byte write and read in "
                 "one thread, what lmbench's lat_ctx subtracts from a ping-pong.",
                 "ns/op", {0.08, 0.4, 1.6}, run_pipe_baseline),
      pingpong_row("pipe_threads_same_cpu", "Switch, threads, one CPU",
                   "One context switch between two threads of a process pinned to one CPU, "
                   "from a pipe ping-pong minus the pipe's own cost.",
                   kPipeThreads, Place::same_cpu),
      pingpong_row("pipe_threads_cross_cpu", "Hand-off, threads, two CPUs",
                   "One hand-off between two threads pinned to different CPUs: each one "
                   "wakes a task on the other CPU instead of switching to it.",
                   kPipeThreads, Place::cross_cpu),
      pingpong_row("pipe_procs_same_cpu", "Switch, processes, one CPU",
                   "One context switch between a parent and its forked child on one CPU: "
                   "the thread case plus the change of address space.",
                   kPipeProcs, Place::same_cpu),
      pingpong_row("pipe_procs_cross_cpu", "Hand-off, processes, two CPUs",
                   "One hand-off between a parent and its forked child pinned to different "
                   "CPUs: a cross-CPU wake-up each way.",
                   kPipeProcs, Place::cross_cpu),
      pingpong_row("futex_same_cpu", "Switch, futex, one CPU",
                   "One context switch between two threads on one CPU handing off through "
                   "futex words: the cheapest hand-off the kernel mediates.",
                   kFutex, Place::same_cpu),
      pingpong_row("futex_cross_cpu", "Hand-off, futex, two CPUs",
                   "One futex hand-off between threads pinned to different CPUs: the cost "
                   "of waking the other CPU with nothing else in the way.",
                   kFutex, Place::cross_cpu),
      experiment("switch_indirect_cost", "Switch, indirect cost",
                 "What a switch costs the thread afterwards: re-reading its 256 KiB working "
                 "set after a partner on the same CPU touched its own buffer, against the "
                 "same re-read with no switch in between.",
                 "ns/op", {0.15, 0.8, 3.2}, run_indirect_cost),
  };
}

}  // namespace illusion::labs::scheduling
