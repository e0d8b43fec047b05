// "One fault stalls everything". A page fault is invisible in the code (a plain store) but runs
// kernel code for microseconds (a minor fault: allocate and zero a page) or for as long as a
// disk read (a major fault), and the thread that took it does nothing else meanwhile. Two
// experiments put that in a real-time frame: a 90 Hz frame loop whose frames take first-touch
// faults or one major fault, and touching threads timed while another thread of the same
// process churns its address space with mmap/munmap.
#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "core/host_behaviour.h"
#include "core/interrupts.h"
#include "core/measure.h"
#include "core/resources.h"
#include "vm/rows.h"
#include "vm/stalls_churn.h"
#include "vm/stalls_frames.h"

namespace illusion::labs::vm {
namespace {

constexpr double kHz = 90;
constexpr double kPeriodNs = 1e9 / kHz;            // 11.11 ms
constexpr double kWorkTargetNs = 1.5e6;            // each frame's fixed work
constexpr std::size_t kWorkBytes = 2u << 20;       // resident buffer the work touches
constexpr std::size_t kFreshPagesPerFrame = 2000;  // 8 MiB of first touches per frame
constexpr std::size_t kPageBytes = 4096;
constexpr double kSlowBatchNs = 5000;  // a toucher batch this slow was stalled
constexpr double kLateStartNs = 1e6;   // a frame woken this late lost its CPU

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
        "could not set the timer slack to 1 ns: wake-ups may be up to 50 us "
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
    r.warnings.push_back(
        fmt::format("the faulting frames were not slower than the prefaulted "
                    "ones ({:.2f} vs {:.2f} ms mean work): no per-fault cost",
                    ms(faulting.mean_work_ns()), ms(prefaulted.mean_work_ns())));
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
        "{:.2f} ms against {:.2f} ms mean",
        ms(f.work_ns), ms(prefaulted.mean_work_ns()));
  } else {
    r.add_param("major_fault", "skipped: " + why);
    r.warnings.push_back("major-fault scenario skipped: " + why);
  }

  const int missed_b = faulting.missed(), missed_a = prefaulted.missed();
  const int late_b = faulting.missed_late_start(kLateStartNs);
  if (late_b > 0 || prefaulted.missed_late_start(kLateStartNs) > 0)
    r.warnings.push_back(fmt::format(
        "{} missed frames (prefaulted {}, faulting {}) woke more than {:.0f} ms late: another "
        "task held the CPU when they were due, so those misses are not the faults' alone",
        prefaulted.missed_late_start(kLateStartNs) + late_b,
        prefaulted.missed_late_start(kLateStartNs), late_b, ms(kLateStartNs)));
  if (missed_b > missed_a) {
    r.meaning = fmt::format(
        "{} of {} frames missed the {:.2f} ms deadline once each frame also took {:.0f} "
        "first-touch faults ({:.2f} us each; worst frame {:.2f} ms; {} of the misses woke over "
        "{:.0f} ms late), against {} prefaulted{}",
        missed_b, frames, ms(kPeriodNs), faults, per_fault_ns / 1e3, ms(faulting.worst_span_ns()),
        late_b, ms(kLateStartNs), missed_a, major_text);
  } else {
    r.meaning = fmt::format(
        "{:.0f} first-touch faults per frame ({:.2f} us each) took the worst frame from {:.2f} "
        "to {:.2f} ms, {:.0f}% of the {:.2f} ms budget: no extra missed deadline here{}{}",
        faults, per_fault_ns / 1e3, ms(prefaulted.worst_span_ns()), ms(faulting.worst_span_ns()),
        100 * faulting.worst_span_ns() / kPeriodNs, ms(kPeriodNs),
        faults_to_miss
            ? fmt::format(", but ~{:.0f} such faults would fill a frame", *faults_to_miss)
            : "",
        major_text);
  }
  return r;
}

// "6.18.44-fc" -> (6, 18); (0, 0) when unreadable.
std::pair<int, int> kernel_version(const std::string& release) {
  int major = 0, minor = 0;
  if (std::sscanf(release.c_str(), "%d.%d", &major, &minor) != 2) return {0, 0};
  return {major, minor};
}

double slow_per_s(const ChurnRun& run) {
  const auto n = std::count_if(run.batch_ns.begin(), run.batch_ns.end(),
                               [](double v) { return v > kSlowBatchNs; });
  return run.elapsed_s > 0 ? static_cast<double>(n) / run.elapsed_s : 0;
}

core::Result run_mmap_churn_stall(core::RunContext& ctx, core::Result r) {
  const core::Clock& clock = *ctx.clock;
  const double duration = ctx.profile == core::Profile::quick      ? 0.15
                          : ctx.profile == core::Profile::thorough ? 2.0
                                                                   : 0.5;
  // Threads are placed explicitly: the churn thread on one CPU, the touchers on the others,
  // since a shootdown only crosses CPUs when they run apart. An explicit affinity overrides a
  // run's --pin for these threads (--pin narrows only the main thread), but never a mask the
  // user set on the whole process (`taskset -c 0`): where only one CPU is usable everything
  // shares it.
  std::vector<int> cpus = allowed_cpus();
  const int online = ctx.env && ctx.env->online_cpus > 0
                         ? ctx.env->online_cpus
                         : static_cast<int>(sysconf(_SC_NPROCESSORS_ONLN));
  if (cpus.size() < 2 && online >= 2 && ctx.pin_cpu) {
    cpus.clear();
    for (int c = 0; c < online; ++c) cpus.push_back(c);
  }
  ChurnConfig cfg;
  cfg.duration_s = duration;
  // A batch takes >= ~300 ns here; room for 4 M batches a second.
  cfg.max_samples_per_thread = static_cast<std::size_t>(duration * 4e6) + 1000;
  std::string placement;
  if (cpus.size() >= 2) {
    cfg.churn_cpu = cpus[0];
    cfg.touchers = static_cast<int>(cpus.size()) - 1;
    for (std::size_t i = 1; i < cpus.size(); ++i) cfg.toucher_cpus.push_back(cpus[i]);
    placement = fmt::format("churn thread on CPU {}, {} toucher(s) on CPU(s) {}", cpus[0],
                            cfg.touchers, fmt::join(cfg.toucher_cpus, ","));
  } else {
    cfg.touchers = 1;
    placement = "one CPU usable: the churn thread and the toucher time-share it";
    r.warnings.push_back(
        "only one CPU: no cross-CPU shootdown can be shown, the churn thread "
        "simply takes CPU time from the toucher");
  }
  try {
    core::require_free_memory(static_cast<std::uint64_t>(cfg.touchers) *
                                      (kTouchBytes + cfg.max_samples_per_thread * sizeof(double)) +
                                  kChurnBytes,
                              "the mmap churn experiment");
  } catch (const std::runtime_error& e) {
    return core::skipped(std::move(r), e.what());
  }

  cfg.churn = false;
  const ChurnRun base = run_churn(clock, cfg);  // baseline first: no churn thread at all
  ctx.report_progress(0.5);
  cfg.churn = true;
  // Shootdown IPIs received by every CPU while the churn ran, to say how munmap reached the
  // touchers' CPUs on this host rather than assume it (some hosts flush without IPIs).
  const std::optional<std::uint64_t> tlb_before = core::tlb_shootdowns_total();
  ChurnRun churn = run_churn(clock, cfg);
  const std::optional<std::uint64_t> tlb_after = core::tlb_shootdowns_total();
  ctx.report_progress(1.0);

  for (const std::string& w : base.placement_failures) r.warnings.push_back(w);
  for (const std::string& w : churn.placement_failures) r.warnings.push_back(w);
  if (base.hit_sample_cap || churn.hit_sample_cap)
    r.warnings.push_back(
        fmt::format("a toucher filled its {} samples before the run ended: "
                    "the tail of the run is missing",
                    cfg.max_samples_per_thread));
  if (base.batch_ns.empty() || churn.batch_ns.empty()) {
    r.status = core::Status::failed;
    r.reason = "the touchers recorded no batch";
    return r;
  }
  const core::Stats b = core::compute_stats(base.batch_ns);
  const double churn_rate = churn.elapsed_s > 0 ? churn.churn_rounds / churn.elapsed_s : 0;
  const double slow_base = slow_per_s(base), slow_churn = slow_per_s(churn);
  const double n = static_cast<double>(churn.batch_ns.size());
  core::finish_result(r, std::move(churn.batch_ns), n, nullptr);
  const core::Stats& c = *r.stats;

  const std::string kernel = ctx.env ? ctx.env->kernel : "unknown";
  const auto [kmaj, kmin] = kernel_version(kernel);
  const bool per_vma = kmaj > 6 || (kmaj == 6 && kmin >= 4);
  r.add_param("kernel", kernel);
  r.add_param("op", fmt::format("one batch: a store to one line in each of {} pages (4 KiB of "
                                "lines) of a resident {} buffer",
                                kBatchPages, core::format_size(kTouchBytes)));
  r.add_param("stats_at", "the run with churn: every toucher's batches, merged");
  r.add_param("churn", fmt::format("mmap {} (MADV_NOHUGEPAGE), write each page, munmap, repeat",
                                   core::format_size(kChurnBytes)));
  r.add_param("placement", placement);
  r.add_param("touchers", static_cast<double>(cfg.touchers));
  r.add_param("duration_s_per_run", duration);
  r.add_param("slow_batch_threshold_us", kSlowBatchNs / 1e3);

  auto ratio = [](double a, double z) { return z > 0 ? a / z : 0.0; };
  r.add_metric("p50_ratio", ratio(c.p50, b.p50), "x");
  r.add_metric("p99_ratio", ratio(c.p99, b.p99), "x");
  r.add_metric("p999_ratio", ratio(c.p999, b.p999), "x");
  r.add_metric("max_ratio", ratio(c.max, b.max), "x");
  r.add_metric("baseline_p50_ns", b.p50, "ns");
  r.add_metric("baseline_p99_ns", b.p99, "ns");
  r.add_metric("baseline_max_us", b.max / 1e3, "us");
  r.add_metric("churn_p99_ns", c.p99, "ns");
  r.add_metric("churn_max_us", c.max / 1e3, "us");
  r.add_metric("munmaps_per_s", churn_rate, "1/s");
  r.add_metric("slow_batches_per_s_baseline", slow_base, "1/s");
  r.add_metric("slow_batches_per_s_churn", slow_churn, "1/s");
  // Stalls the churn added, per munmap: the baseline's slow batches are timer ticks and other
  // interrupts (~250/s at HZ=250), the rest is shootdown IPIs and the TLB refill after them.
  if (churn_rate > 0)
    r.add_metric("extra_slow_batches_per_munmap", (slow_churn - slow_base) / churn_rate, "batches");
  std::optional<double> ipis_per_munmap;
  if (tlb_before && tlb_after && *tlb_after >= *tlb_before && churn.churn_rounds > 0) {
    ipis_per_munmap = static_cast<double>(*tlb_after - *tlb_before) /
                      static_cast<double>(churn.churn_rounds);
    r.add_metric("tlb_shootdowns_per_munmap", *ipis_per_munmap, "IPIs/munmap");
  }
  const core::BehaviourFact flush_fact =
      ctx.env ? ctx.env->remote_tlb_flush_ipis : core::BehaviourFact{};
  r.add_param("remote_tlb_flush_ipis", core::fact_summary(flush_fact));
  const std::string flush = core::remote_flush_words(ipis_per_munmap, flush_fact);
  r.add_metric("toucher_faults",
               static_cast<double>(base.toucher_minor_faults + churn.toucher_minor_faults),
               "faults");
  if (base.toucher_minor_faults + churn.toucher_minor_faults > 0)
    r.warnings.push_back(
        "the touchers took page faults on memory made resident beforehand: "
        "some of their stalls are their own");
  const std::uint64_t preempted =
      base.toucher_involuntary_switches + churn.toucher_involuntary_switches;
  r.add_metric("toucher_preemptions", static_cast<double>(preempted), "switches");
  if (preempted > 0)
    r.warnings.push_back(fmt::format(
        "the touchers were preempted {} times (baseline {}, churn {}): another task wanted "
        "their CPU, and the worst batches include those waits, not only the churn's",
        preempted, base.toucher_involuntary_switches, churn.toucher_involuntary_switches));
  if (churn.churn_rounds == 0) r.warnings.push_back("the churn thread completed no round");

  const std::string why =
      per_vma ? fmt::format(
                    "on Linux {} page faults take only the faulting VMA's lock (per-VMA "
                    "locking, merged in 6.4), and these touchers do not even fault, so "
                    "no mmap_lock wait reaches them: what does is munmap's flush of their "
                    "TLBs, {}, and the TLB refill after it",
                    kernel, flush)
              : fmt::format(
                    "on Linux {} (before per-VMA locks, 6.4) a fault anywhere in the "
                    "process waits for mmap_lock while mmap/munmap hold it; these "
                    "touchers do not fault, so what reaches them is munmap's flush of "
                    "their TLBs, {}, and the refill after",
                    kernel, flush);
  // On one CPU there is no other CPU to interrupt: the churn only takes the toucher's time.
  const bool one_cpu = cpus.size() < 2;
  r.meaning = fmt::format(
      "with {:.0f} mmap/touch/munmap rounds of 2 MiB per second {}, the toucher "
      "had {:.0f} batches per second over {:.0f} us against {:.0f} without; its p99 batch went "
      "from {:.0f} to {:.0f} ns ({:.2f}x) and its worst from {:.1f} to {:.1f} us ({:.1f}x). {}",
      churn_rate, one_cpu ? "on the same CPU (the only one usable)" : "on another CPU", slow_churn,
      kSlowBatchNs / 1e3, slow_base, b.p99, c.p99, ratio(c.p99, b.p99), b.max / 1e3, c.max / 1e3,
      ratio(c.max, b.max),
      one_cpu ? "With one CPU there is no TLB shootdown to wait for: what the churn adds is the "
                "CPU time it takes from the toucher"
              : why);
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
                 "ns/batch", kChurnHint, run_mmap_churn_stall),
  };
}

}  // namespace illusion::labs::vm
