// "One fault stalls everything". A page fault is invisible in the code (a plain store) but runs
// kernel code for microseconds (a minor fault: allocate and zero a page) or for as long as a
// disk read (a major fault), and the thread that took it does nothing else meanwhile. Two
// experiments put that in a real-time frame: a 90 Hz frame loop whose frames take first-touch
// faults or one major fault, and touching threads timed while another thread of the same
// process churns its address space with mmap/munmap. This file holds the table and the frame
// loop's body; the churn's body is stalls_churn.cpp.
#include <sys/mman.h>

#include <algorithm>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "core/format.h"
#include "core/measure.h"
#include "core/resources.h"
#include "vm/rows.h"
#include "vm/stalls_frames.h"
#include "vm/stalls.h"

namespace illusion::labs::vm {
namespace {

constexpr double kHz = 90;
constexpr double kPeriodNs = 1e9 / kHz;            // 11.11 ms
constexpr double kWorkTargetNs = 1.5e6;            // each frame's fixed work
constexpr std::size_t kWorkBytes = 2u << 20;       // resident buffer the work touches
constexpr std::size_t kFreshPagesPerFrame = 2000;  // 8 MiB of first touches per frame
constexpr std::size_t kPageBytes = 4096;
constexpr double kLateStartNs = 1e6;  // a frame woken this late lost its CPU

// Rough wall time (quick, default, thorough): two scenarios of 30 / 90 / 270 frames at 90 Hz,
// a few frames for the major fault, and unmapping the faulted memory.
constexpr core::DurationHint kFrameHint{0.7, 1.7, 6.6};
// Baseline and churn runs of 0.15 / 0.5 / 2 s each, plus sorting the batch samples.
constexpr core::DurationHint kChurnHint{0.4, 1.2, 4.6};

double ms(double ns) {
  return ns / 1e6;
}

core::Series frame_series(const FrameLoopRun& run, std::string name) {
  core::Series s{std::move(name), "frame", "ms", {}};
  for (std::size_t i = 0; i < run.frames.size(); ++i)
    s.points.emplace_back(static_cast<double>(i), ms(run.frames[i].span_ns));
  return s;
}

double max_wake_late_ns(const FrameLoopRun& run) {
  double w = 0;
  for (const FrameRecord& f : run.frames) w = std::max(w, f.wake_late_ns);
  return w;
}

core::Result run_frame_loop_faults(core::RunContext& ctx, core::Result r) {
  const core::Clock& clock = *ctx.clock;
  // 60 frames (0.67 s at 90 Hz) per loop by default: the faulting loop's frames differ from
  // the prefaulted ones by milliseconds, far beyond what more frames would resolve.
  const int frames = ctx.profile == core::Profile::quick      ? 20
                     : ctx.profile == core::Profile::thorough ? 270
                                                              : 60;
  const std::uint64_t fresh_bytes =
      static_cast<std::uint64_t>(frames) * kFreshPagesPerFrame * kPageBytes;
  // No room (free memory, or address space under `ulimit -v`) is the machine's limit, not a
  // failure of the row: skipped with the reason.
  try {
    core::require_free_memory(fresh_bytes + kWorkBytes, "the frame loop's fresh pages");
  } catch (const std::runtime_error& e) {
    return core::skipped(std::move(r), e.what());
  }

  const TimerSlackGuard slack;
  if (!slack.applied())
    r.warnings.push_back(
        "could not set the timer slack to 1 ns: wake-ups may be up to 50 µs "
        "late and count against the frames");
  FrameWork work(kWorkBytes, 1);
  work.calibrate(clock, kWorkTargetNs);

  FrameLoopConfig cfg;
  cfg.period_ns = kPeriodNs;
  cfg.frames = 3;
  run_frame_loop(clock, work, cfg);  // warm-up: code, caches and the sleep path
  cfg.frames = frames;
  const FrameLoopRun prefaulted = run_frame_loop(clock, work, cfg);
  ctx.report_progress(0.4);

  // Never touched before its frame: every page is a first-touch fault inside the frame.
  // MADV_NOHUGEPAGE keeps them 4 KiB faults even under THP "always" (madvise(2)). The guest's
  // own faults, as vm.first_touch times them: host-backed pages first (core/mapping.h), else a
  // frame's 2,000 faults waited on the host or not depending on what ran before (frames of 6.7
  // and ~24 ms in three --thorough runs on the development VM).
  const double warm_up_ns_per_page = core::back_with_host_memory(clock, fresh_bytes);
  core::Mapping fresh(fresh_bytes);
  madvise(fresh.data(), fresh.size(), MADV_NOHUGEPAGE);
  FrameLoopConfig faulting_cfg = cfg;
  faulting_cfg.fresh = fresh.data();
  faulting_cfg.fresh_pages_per_frame = kFreshPagesPerFrame;
  faulting_cfg.counters = true;
  const FrameLoopRun faulting = run_frame_loop(clock, work, faulting_cfg);
  ctx.report_progress(0.8);

  // One major fault: a file page evicted from the page cache, read in the middle frame.
  std::string why;
  std::optional<FrameLoopRun> major;
  FrameLoopConfig major_cfg = cfg;
  major_cfg.frames = ctx.profile == core::Profile::quick ? 6 : 10;
  major_cfg.major_frame = major_cfg.frames / 2;
  if (auto page = EvictedFilePage::make(ctx.temp_dir, why)) {
    major_cfg.major_page = page->page();
    // "Evicted" is checked, not assumed: right before the frames run (mincore(2)).
    if (page->resident())
      why = "the file page was back in the page cache before its frame";
    else
      major = run_frame_loop(clock, work, major_cfg);
  }
  ctx.report_progress(1.0);

  std::vector<double> work_ns;
  for (const FrameRecord& f : faulting.frames) work_ns.push_back(f.work_ns);
  core::finish_result(r, std::move(work_ns), static_cast<double>(faulting.frames.size()),
                      faulting.window.get());

  const double faults = faulting.mean_minor_faults();
  const double extra_ns = faulting.mean_work_ns() - prefaulted.mean_work_ns();
  const double per_fault_ns = faults > 0 ? extra_ns / faults : 0;
  r.add_param("op",
              "one frame's work: the fixed work plus, in the faulting scenario, a first "
              "write to each of its fresh pages");
  r.add_param("stats_at", "the faulting scenario: each value is one frame's work time");
  r.add_param("hz", kHz);
  r.add_param("period_ms", ms(kPeriodNs));
  r.add_param("frames", static_cast<double>(frames));
  r.add_param("work", fmt::format("{} passes of a store to every line of a resident {} buffer, "
                                  "calibrated to ~{:.1f} ms",
                                  work.passes(), core::format_size(kWorkBytes), ms(kWorkTargetNs)));
  r.add_param("fresh_pages_per_frame", static_cast<double>(kFreshPagesPerFrame));
  r.add_param("fresh_memory", "private anonymous, MADV_NOHUGEPAGE, first touched in its frame");
  r.add_param("warm_up",
              "the same size first-touched and freed right before the frames, so the hypervisor "
              "(if any) has backed the pages the frames fault in");
  r.add_metric("warm_up_ns_per_page", warm_up_ns_per_page, "ns/page");
  r.add_param("pacing", fmt::format("clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME) to each "
                                    "frame's start, SCHED_OTHER, timer slack 1 ns (was {} ns)",
                                    slack.old_slack_ns()));
  r.add_param("missed_means",
              "frame work longer than the period, or the frame ending after "
              "its deadline (start + period)");

  r.add_metric("missed_deadlines_prefaulted", prefaulted.missed(), "frames");
  r.add_metric("missed_deadlines_faulting", faulting.missed(), "frames");
  r.add_metric("missed_late_start_prefaulted", prefaulted.missed_late_start(kLateStartNs),
               "frames");
  r.add_metric("missed_late_start_faulting", faulting.missed_late_start(kLateStartNs), "frames");
  r.add_metric("worst_frame_ms_prefaulted", ms(prefaulted.worst_span_ns()), "ms");
  r.add_metric("worst_frame_ms_faulting", ms(faulting.worst_span_ns()), "ms");
  r.add_metric("mean_work_ms_prefaulted", ms(prefaulted.mean_work_ns()), "ms");
  r.add_metric("mean_work_ms_faulting", ms(faulting.mean_work_ns()), "ms");
  r.add_metric("budget_used_worst_prefaulted", prefaulted.worst_span_ns() / kPeriodNs, "fraction");
  r.add_metric("budget_used_worst_faulting", faulting.worst_span_ns() / kPeriodNs, "fraction");
  r.add_metric("faults_per_frame", faults, "faults/frame");
  r.add_metric("max_wake_late_us",
               std::max(max_wake_late_ns(prefaulted), max_wake_late_ns(faulting)) / 1e3, "us");
  std::optional<double> faults_to_miss;
  if (per_fault_ns > 0) {
    r.add_metric("fault_us", per_fault_ns / 1e3, "us");
    faults_to_miss = (kPeriodNs - prefaulted.mean_work_ns()) / per_fault_ns;
    r.add_metric("faults_to_fill_frame", *faults_to_miss, "faults");
  } else {
    r.warnings.push_back(fmt::format(
        "the faulting frames were not slower than the prefaulted "
        "ones ({} vs {} mean work): no per-fault cost",
        core::format_ns(faulting.mean_work_ns()), core::format_ns(prefaulted.mean_work_ns())));
  }
  if (faults < 0.9 * kFreshPagesPerFrame || faults > 1.1 * kFreshPagesPerFrame)
    r.warnings.push_back(fmt::format("counted {:.0f} minor faults per frame for {} fresh pages",
                                     faults, kFreshPagesPerFrame));
  r.series.push_back(frame_series(prefaulted, "frame_ms_prefaulted"));
  r.series.push_back(frame_series(faulting, "frame_ms_faulting"));

  std::string major_text;
  if (major) {
    const FrameRecord& f = major->frames[static_cast<std::size_t>(major_cfg.major_frame)];
    r.add_param("major_fault",
                "a page of a 1 MiB file (O_TMPFILE in the run's temp dir, "
                "fdatasync + POSIX_FADV_DONTNEED, MADV_RANDOM: no readahead), "
                "checked not resident with mincore right before, read in frame " +
                    std::to_string(major_cfg.major_frame));
    r.add_metric("major_fault_frame_ms", ms(f.work_ns), "ms");
    r.add_metric("major_faults_in_frame", static_cast<double>(f.major_faults), "faults");
    r.add_metric("missed_deadlines_major", major->missed(), "frames");
    r.series.push_back(frame_series(*major, "frame_ms_major"));
    if (f.major_faults == 0)
      r.warnings.push_back(
          "the evicted file page's frame counted no major fault: the read may "
          "have been served another way");
    major_text = fmt::format(
        "; one major fault (an evicted file page) made its frame's work "
        "{} against {} mean",
        core::format_ns(f.work_ns), core::format_ns(prefaulted.mean_work_ns()));
  } else {
    r.add_param("major_fault", "skipped: " + why);
    r.warnings.push_back("major-fault scenario skipped: " + why);
  }

  const int missed_b = faulting.missed(), missed_a = prefaulted.missed();
  const int late_b = faulting.missed_late_start(kLateStartNs);
  if (late_b > 0 || prefaulted.missed_late_start(kLateStartNs) > 0)
    r.warnings.push_back(fmt::format(
        "{} missed frames (prefaulted {}, faulting {}) woke more than {} late: another "
        "task held the CPU when they were due, so those misses are not the faults' alone",
        prefaulted.missed_late_start(kLateStartNs) + late_b,
        prefaulted.missed_late_start(kLateStartNs), late_b, core::format_ns(kLateStartNs)));
  if (missed_b > missed_a) {
    r.meaning = fmt::format(
        "{} of {} frames missed the {} deadline once each frame also took {:.0f} "
        "first-touch faults ({} each; worst frame {} from its scheduled start to done, a late "
        "wake-up included, where the table's p50 to max are the frames' own work; {} of the "
        "misses woke over {} late), against {} prefaulted{}",
        missed_b, frames, core::format_ns(kPeriodNs), faults, core::format_ns(per_fault_ns),
        core::format_ns(faulting.worst_span_ns()), late_b, core::format_ns(kLateStartNs), missed_a,
        major_text);
  } else {
    r.meaning = fmt::format(
        "{:.0f} first-touch faults per frame ({} each) took the worst frame (scheduled start "
        "to done, a late wake-up included; the table's p50 to max are the frames' own work) "
        "from {} to {}, {:.0f}% of the {} budget: no extra missed deadline here{}{}",
        faults, core::format_ns(per_fault_ns), core::format_ns(prefaulted.worst_span_ns()),
        core::format_ns(faulting.worst_span_ns()), 100 * faulting.worst_span_ns() / kPeriodNs,
        core::format_ns(kPeriodNs),
        faults_to_miss
            ? fmt::format(", but ~{:.0f} such faults would fill a frame", *faults_to_miss)
            : "",
        major_text);
  }
  return r;
}

}  // namespace

std::vector<core::Experiment> stall_rows() {
  return {
      experiment("frame_loop_faults", "faults in a 90 Hz frame loop",
                 "A 90 Hz frame loop with ~1.5 ms of work per frame: prefaulted, then taking "
                 "2000 first-touch faults per frame, then one major fault: misses and worst "
                 "frames.",
                 "ns/frame", kFrameHint, run_frame_loop_faults),
      experiment("mmap_churn_stall", "mmap churn vs touching threads",
                 "Threads touching resident memory, timed per batch, without and with another "
                 "thread looping mmap/touch/munmap of 2 MiB: the tail the churn adds.",
                 "ns/batch", kChurnHint, stalls::run_mmap_churn_stall),
  };
}

}  // namespace illusion::labs::vm
