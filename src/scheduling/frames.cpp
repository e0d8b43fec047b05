// "My game stutters while the build runs." A frame loop (1 ms of work every 5 ms, due by the
// end of its period) beside batch threads that want every CPU: alone, beside them with no
// policy, kept apart by pinning, with the batch at nice 19 or SCHED_IDLE, and with the frame
// thread SCHED_FIFO. Which of the scheduler's tools keep the deadlines, and what each costs.
#include <algorithm>
#include <optional>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "core/format.h"
#include "core/measure.h"
#include "scheduling/frame_loop.h"
#include "scheduling/load_noise.h"
#include "scheduling/load_threads.h"
#include "scheduling/rows.h"
#include "scheduling/wake_cdf.h"
#include "scheduling/wake_timer.h"

namespace illusion::labs::scheduling {
namespace {

constexpr std::int64_t kPeriodNs = 5'000'000;
constexpr double kWorkNs = 1'000'000;
constexpr int kBatchNice = 19;
constexpr int kFifoPriority = 50;

// Rough wall time (quick, default, thorough): the frames plus calibration and the load's start.
constexpr core::DurationHint kFrameHint{0.23, 1.3, 5.1};

int frame_count(core::Profile p) {
  switch (p) {
    case core::Profile::quick:
      return 40;  // 0.2 s
    case core::Profile::thorough:
      return 1000;  // 5 s
    case core::Profile::standard:
      break;
  }
  return 250;  // 1.25 s: a p99 with two frames beyond it
}

// What one row runs: the frame loop, and the batch beside it (none when batch_threads is 0).
struct FramePlan {
  FrameConfig frame;
  std::size_t batch_threads = 0;
  std::vector<int> batch_cpus;  // empty: the batch runs anywhere allowed
  ThreadSetup batch_policy;     // its cpu is unused: batch_cpus says where
};

FramePlan plan_for(const core::RunContext& ctx) {
  FramePlan plan;
  plan.frame.period_ns = kPeriodNs;
  plan.frame.frames = frame_count(ctx.profile);
  return plan;
}

// One busy batch thread per allowed CPU, running anywhere, with `policy`.
FramePlan batch_plan(const core::RunContext& ctx, ThreadPolicy policy, int level) {
  FramePlan plan = plan_for(ctx);
  plan.batch_threads = std::max<std::size_t>(1, cpu_budget(ctx).cpus.size());
  plan.batch_policy = {.cpu = {}, .policy = policy, .level = level};
  return plan;
}

void add_params(core::Result& r, const FramePlan& plan, const FixedWork& work,
                const FrameRun& run) {
  r.add_param("period_ns", static_cast<double>(plan.frame.period_ns));
  r.add_param("work_target_ns", kWorkNs);
  r.add_param("work_rounds", static_cast<double>(work.rounds()));
  r.add_param("stat", "completion time: work's end minus the period's start (deadline: period)");
  r.add_param("frame_policy", policy_name(plan.frame.setup));
  r.add_param("frame_cpu", plan.frame.setup.cpu ? fmt::format("{}", *plan.frame.setup.cpu)
                                                : std::string("any allowed"));
  r.add_param("batch_threads", static_cast<double>(plan.batch_threads));
  if (plan.batch_threads > 0) {
    r.add_param("batch_policy", policy_name(plan.batch_policy));
    r.add_param("batch_cpus", plan.batch_cpus.empty()
                                  ? std::string("any allowed")
                                  : fmt::format("{}", fmt::join(plan.batch_cpus, ",")));
  }
  r.add_param("timer_slack", run.slack_set ? "1 ns on the frame thread (PR_SET_TIMERSLACK)"
                                           : "the thread's default (PR_SET_TIMERSLACK refused)");
}

void add_metrics(core::Result& r, const FrameRun& run, const std::optional<double>& share) {
  const double frames = static_cast<double>(run.frames.size());
  const int missed = run.missed(kPeriodNs);
  std::vector<double> start_late, work;
  for (const FrameRecord& f : run.frames) {
    start_late.push_back(f.start_late_ns);
    work.push_back(f.work_ns);
  }
  r.add_metric("frames", frames, "frames");
  r.add_metric("missed_deadlines", missed, "frames");
  r.add_metric("missed_fraction", missed / frames, "fraction");
  r.add_metric("worst_frame_ns", run.worst_done_ns(), "ns");
  r.add_metric("start_late_p99_ns", core::compute_stats(std::move(start_late)).p99, "ns");
  r.add_metric("work_p50_ns", core::compute_stats(std::move(work)).p50, "ns");
  if (share) r.add_metric("batch_cpu_share", *share, "fraction");
  for (const core::CounterReading& c : core::rusage_delta(run.before, run.after))
    if (c.name.find("switches") != std::string::npos && c.value)
      r.counters.push_back({c.name, *c.value / frames});
}

std::string meaning(const core::RunContext& ctx, const core::Result& r) {
  const core::Stats& s = *r.stats;
  std::string line = fmt::format(
      "Frames done {} after their period began (p99 {}, worst {}); {} of {} missed the {} "
      "deadline",
      core::format_ns(s.p50), core::format_ns(s.p99), core::format_ns(s.max),
      core::format_whole(r.metric("missed_deadlines")->value),
      core::format_whole(r.metric("frames")->value), core::format_ns(kPeriodNs));
  if (const core::Metric* share = r.metric("batch_cpu_share"))
    line += fmt::format("; the batch got {} of its CPUs' time", core::format_percent(share->value));
  const core::Result* alone =
      ctx.earlier ? core::find_result(*ctx.earlier, std::string(kLabId) + ".frames_alone")
                  : nullptr;
  if (alone && alone->id != r.id && alone->metric("missed_deadlines"))
    line += fmt::format(" (frames_alone: {} missed, worst {})",
                        core::format_whole(alone->metric("missed_deadlines")->value),
                        core::format_ns(alone->metric("worst_frame_ns")->value));
  return line + ".";
}

core::Result measure_frames(core::RunContext& ctx, core::Result r, const FramePlan& plan) {
  // Calibrated before the batch starts, so the work is 1 ms of an uncontended CPU.
  const FixedWork work = FixedWork::calibrated(kWorkNs);
  OtherWorkWindow others;
  others.start();
  std::optional<BatchLoad> batch;
  if (plan.batch_threads > 0) {
    batch.emplace(plan.batch_threads, plan.batch_cpus, plan.batch_policy.policy,
                  plan.batch_policy.level);
    if (std::string why = batch->refusal(); !why.empty())
      return core::skipped(std::move(r), "the batch could not be set up: " + why);
  }
  FrameRun run;
  run_on_own_thread(
      ctx, [&](std::atomic<double>& progress) { run = run_frames(plan.frame, work, progress); });
  std::optional<double> share;
  if (batch) {
    batch->stop();
    share = batch->cpu_share();
  }
  others.stop();
  if (!run.refusal.empty()) return core::skipped(std::move(r), run.refusal);

  add_params(r, plan, work, run);
  add_metrics(r, run, share);
  others.write(r);
  std::vector<double> done;
  for (const FrameRecord& f : run.frames) done.push_back(f.done_ns);
  r.series.push_back(latency_cdf(done, "ns"));
  const double frames = static_cast<double>(done.size());
  core::finish_result(r, std::move(done), frames, nullptr);
  r.meaning = meaning(ctx, r);
  return r;
}

core::Result run_frames_alone(core::RunContext& ctx, core::Result r) {
  return measure_frames(ctx, std::move(r), plan_for(ctx));
}

core::Result run_frames_free(core::RunContext& ctx, core::Result r) {
  return measure_frames(ctx, std::move(r), batch_plan(ctx, ThreadPolicy::unchanged, 0));
}

core::Result run_frames_pinned(core::RunContext& ctx, core::Result r) {
  const CpuBudget budget = cpu_budget(ctx);
  if (std::string why = cross_cpu_unavailable(budget); !why.empty())
    return core::skipped(std::move(r), why);
  FramePlan plan = plan_for(ctx);
  plan.frame.setup.cpu = budget.cpus.front();
  plan.batch_cpus.assign(budget.cpus.begin() + 1, budget.cpus.end());
  plan.batch_threads = plan.batch_cpus.size();
  return measure_frames(ctx, std::move(r), plan);
}

core::Result run_frames_nice(core::RunContext& ctx, core::Result r) {
  return measure_frames(ctx, std::move(r), batch_plan(ctx, ThreadPolicy::nice, kBatchNice));
}

core::Result run_frames_batch_idle(core::RunContext& ctx, core::Result r) {
  return measure_frames(ctx, std::move(r), batch_plan(ctx, ThreadPolicy::idle, 0));
}

core::Result run_frames_fifo(core::RunContext& ctx, core::Result r) {
  if (std::string why = fifo_unavailable(); !why.empty()) return core::skipped(std::move(r), why);
  FramePlan plan = batch_plan(ctx, ThreadPolicy::unchanged, 0);
  plan.frame.setup.policy = ThreadPolicy::fifo;
  plan.frame.setup.level = kFifoPriority;
  return measure_frames(ctx, std::move(r), plan);
}

}  // namespace

std::vector<core::Experiment> frame_rows() {
  const std::string unit = "ns/frame";
  return {
      experiment("frames_alone", "frame loop alone",
                 "A frame loop doing 1 ms of work every 5 ms, each frame due by the end of its "
                 "period, on an otherwise idle machine: the baseline.",
                 unit, kFrameHint, run_frames_alone),
      experiment("frames_free", "frame loop beside batch threads",
                 "The frame loop beside one busy batch thread per CPU, no policy: the frame "
                 "waits its turn on a fair scheduler.",
                 unit, kFrameHint, run_frames_free),
      experiment("frames_pinned", "frame loop pinned apart from the batch",
                 "The frame loop pinned to one CPU and the batch pinned to the others: "
                 "isolation by placement, at the cost of a CPU the batch cannot use.",
                 unit, kFrameHint, run_frames_pinned),
      experiment("frames_nice", "frame loop beside nice 19 batch",
                 "The batch at nice 19: its weight is 15 against the frame's 1024, so the frame "
                 "gets the CPU when it wants it.",
                 unit, kFrameHint, run_frames_nice),
      experiment("frames_batch_idle", "frame loop beside SCHED_IDLE batch",
                 "The batch as SCHED_IDLE: it runs only when nothing else wants the CPU.", unit,
                 kFrameHint, run_frames_batch_idle),
      experiment("frames_fifo", "SCHED_FIFO frame loop beside batch",
                 "The frame thread SCHED_FIFO priority 50 beside the plain batch: a real-time "
                 "thread preempts fair-class threads at once.",
                 unit, kFrameHint, run_frames_fifo),
  };
}

}  // namespace illusion::labs::scheduling
