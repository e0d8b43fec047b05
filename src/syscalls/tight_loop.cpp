// A compute loop with a syscall every k iterations. The slowdown has two parts: the syscall's
// own time (direct: getppid's cost / k) and what the trip through the kernel leaves behind
// (indirect: L1/TLB/branch-predictor state the kernel's code and data displaced, which the loop
// pays to refill afterwards; FlexSC, OSDI 2010, measured this first). We measure the total and
// subtract the other two: whatever is left is the indirect cost, reported with the noise bound
// of the three medians it comes from (a difference inside it is "within noise", not an effect).
#include "syscalls/tight_loop.h"

#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <limits>
#include <optional>
#include <vector>

#include <fmt/format.h>

#include "core/barrier.h"
#include "core/counters.h"
#include "core/format.h"
#include "core/measure.h"
#include "core/sample_each.h"
#include "core/sampler.h"
#include "syscalls/common.h"
#include "syscalls/rows.h"

namespace illusion::labs::syscalls {
namespace {

// 16 KiB: half of a typical 32 KiB L1d, so the pure loop runs from L1 and any line the kernel
// evicts shows up as a miss afterwards.
constexpr std::size_t kTableWords = 2048;
constexpr int kStepsPerIteration = 12;
// A multiple of every k in the table (1, 10, 100, 1000): each sample holds a whole number of
// syscall periods, so every sample has the same syscall count.
constexpr std::uint64_t kIterationsPerSample = 10000;
// The untimed counting pass after the timed samples: this share of their number (at least
// two samples' worth), with the sampling budget shortened to match.
constexpr double kCountShare = 0.1;

struct Table {
  alignas(4096) std::array<std::uint64_t, kTableWords> words;
};

Table make_table() {
  Table t{};
  std::uint64_t x = 0x9e3779b97f4a7c15ull;
  for (auto& w : t.words) {  // splitmix64: well-mixed words, so indexes look random
    x += 0x9e3779b97f4a7c15ull;
    std::uint64_t z = x;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    w = z ^ (z >> 31);
  }
  return t;
}

// One "iteration": a chain of FNV-style updates, each load's index depending on the previous
// result, so the CPU cannot run ahead and hide misses. Not inlined, so every k (0 included) runs
// the very same machine code: the pure loop keeps the countdown and its branch.
__attribute__((noinline)) std::uint64_t run_iterations(const std::uint64_t* table, std::uint64_t h,
                                                       std::uint64_t iterations,
                                                       std::uint64_t period,
                                                       std::uint64_t& countdown) {
  for (std::uint64_t i = 0; i < iterations; ++i) {
    for (int s = 0; s < kStepsPerIteration; ++s) {
      h ^= table[(h >> 23) & (kTableWords - 1)];
      h *= 0x100000001b3ull;  // the 64-bit FNV prime
      h ^= h >> 29;
    }
    if (--countdown == 0) {
      countdown = period;
      h += static_cast<std::uint64_t>(syscall(SYS_getppid));
    }
  }
  return h;
}

// The stats of an earlier ok result of this run, or nullptr.
const core::Stats* earlier_stats(const core::RunContext& ctx, const char* id) {
  if (!ctx.earlier) return nullptr;
  const core::Result* r = core::find_result(*ctx.earlier, id);
  return r && r->stats && r->stats->n > 0 ? &*r->stats : nullptr;
}

}  // namespace

bool IndirectCost::within_noise() const { return !(std::fabs(indirect_ns) > noise_ns); }

IndirectCost indirect_cost(const core::Stats& loop, const core::Stats& pure,
                           const core::Stats& getppid, std::uint64_t k) {
  const double per = static_cast<double>(k);
  IndirectCost c;
  c.direct_ns = getppid.p50 / per;
  c.indirect_ns = loop.p50 - pure.p50 - c.direct_ns;
  c.noise_ns = core::difference_noise_bound(
      {core::median_standard_error(loop.mad, loop.n), core::median_standard_error(pure.mad, pure.n),
       core::median_standard_error(getppid.mad, getppid.n) / per});
  return c;
}

std::string describe_split(const IndirectCost& c) {
  if (!std::isfinite(c.noise_ns))
    return fmt::format(": {} direct per iteration; the rest, {}, has no noise bound (a row had "
                       "fewer than two samples), so no indirect cost is claimed",
                       core::format_ns(c.direct_ns), core::format_ns(c.indirect_ns));
  if (c.within_noise())
    return fmt::format(": {} direct per iteration; the rest, {}, is within noise (±{}): no "
                       "indirect cost measurable",
                       core::format_ns(c.direct_ns), core::format_ns(c.indirect_ns),
                       core::format_ns(c.noise_ns));
  if (c.indirect_ns < 0)
    return fmt::format(": {} direct per iteration; the rest, {}, is below zero beyond the noise "
                       "(±{}): the loop ran faster than its parts timed apart, so no indirect "
                       "cost can be given",
                       core::format_ns(c.direct_ns), core::format_ns(c.indirect_ns),
                       core::format_ns(c.noise_ns));
  return fmt::format(": {} direct + {} indirect per iteration (noise ±{})",
                     core::format_ns(c.direct_ns), core::format_ns(c.indirect_ns),
                     core::format_ns(c.noise_ns));
}

std::string negative_indirect_warning(const IndirectCost& c, double loop_p50, double pure_p50) {
  if (c.within_noise() || c.indirect_ns >= 0) return "";
  return fmt::format(
      "indirect cost came out negative beyond the noise ({} = {} - {} pure - {} direct, noise "
      "±{}): the loop ran faster than its parts timed apart, so any cache/TLB pollution is "
      "smaller than what the CPU overlaps (the loop's work can proceed around the syscall); "
      "kept as measured, not clamped",
      core::format_ns(c.indirect_ns), core::format_ns(loop_p50), core::format_ns(pure_p50),
      core::format_ns(c.direct_ns), core::format_ns(c.noise_ns));
}

namespace {

core::Result run_tight_loop(core::RunContext& ctx, core::Result r, std::uint64_t k) {
  static const Table table = make_table();
  const core::SamplerConfig cfg = core::sampler_config_for(ctx.profile);
  const core::Clock& clock = *ctx.clock;
  // k = 0: a period no run reaches, so the syscall branch is never taken.
  const std::uint64_t period = k == 0 ? std::numeric_limits<std::uint64_t>::max() : k;
  std::uint64_t countdown = period;
  std::uint64_t h = 1469598103934665603ull;  // FNV offset basis

  // Warm-up: fault in the table and the code, let the branch predictors learn the loop.
  const double warm_end = clock.now_ns() + cfg.warmup_s * 1e9;
  do {
    h = run_iterations(table.words.data(), h, kIterationsPerSample, period, countdown);
  } while (clock.now_ns() < warm_end);

  // Timed with no perf event open (an open event adds work to every interrupt and switch);
  // the events are counted afterwards in a separate, untimed pass of the same loop.
  core::SampleLoop loop(clock, {.budget_s = cfg.budget_s * (1 - kCountShare),
                                .min_samples = cfg.min_samples,
                                .max_samples = cfg.max_samples});
  double last_progress = loop.start_ns();
  while (loop.more()) {
    const double t0 = clock.now_ns();
    h = run_iterations(table.words.data(), h, kIterationsPerSample, period, countdown);
    core::do_not_optimize(h);
    const double t1 = clock.now_ns();
    loop.add((t1 - t0) / static_cast<double>(kIterationsPerSample), t1);
    if (t1 - last_progress > 50e6) {
      ctx.report_progress(std::min(1.0, (t1 - loop.start_ns()) / (cfg.budget_s * 1e9)));
      last_progress = t1;
    }
  }
  std::vector<double> per_iteration = loop.take_values();
  const double iterations =
      static_cast<double>(per_iteration.size()) * static_cast<double>(kIterationsPerSample);
  const auto counted_samples = std::max<std::uint64_t>(
      2, static_cast<std::uint64_t>(static_cast<double>(per_iteration.size()) * kCountShare));
  core::CounterWindow window(true);
  window.start();
  for (std::uint64_t i = 0; i < counted_samples; ++i)
    h = run_iterations(table.words.data(), h, kIterationsPerSample, period, countdown);
  core::do_not_optimize(h);
  window.stop();
  const double counted =
      static_cast<double>(counted_samples) * static_cast<double>(kIterationsPerSample);
  core::finish_result(r, std::move(per_iteration), iterations, nullptr);
  window.write_per_op(r, counted);
  r.add_param("counted_ops", counted);
  r.add_param("counters", "counted in a separate untimed pass of the same loop after the timed "
                          "samples (counted_ops iterations)");
  // Syscalls per iteration, counted over two samples' worth of iterations after the timing.
  core::count_syscalls(r, 2 * kIterationsPerSample,
                 [&] { h = run_iterations(table.words.data(), h, 1, period, countdown); });
  core::do_not_optimize(h);

  r.add_param("category", kCategoryLoop);
  r.add_param("op", "one loop iteration");
  r.add_param("syscall_every", static_cast<double>(k));
  r.add_param("syscall", k == 0 ? "none" : "syscall(SYS_getppid)");
  r.add_param("table_bytes", static_cast<double>(sizeof(table.words)));
  r.add_param("steps_per_iteration", static_cast<double>(kStepsPerIteration));
  r.add_param("iterations_per_sample", static_cast<double>(kIterationsPerSample));
  r.add_param("samples", static_cast<double>(r.stats->n));
  r.add_param("clock", clock.info().source);

  const double p50 = r.stats->p50;
  if (p50 > 0) r.add_metric("iterations_per_s", 1e9 / p50, "iterations/s");
  if (k == 0) {
    r.meaning = fmt::format(
        "{} per iteration of the compute loop with no syscall: the "
        "baseline the other loops are compared with",
        core::format_ns(p50));
    return r;
  }

  const core::Stats* pure_stats = earlier_stats(ctx, "syscalls.loop_pure");
  const core::Stats* getppid_stats = earlier_stats(ctx, "syscalls.getppid_raw");
  const double pure = pure_stats ? pure_stats->p50 : 0;
  if (pure > 0) r.add_metric("slowdown_vs_pure", p50 / pure, "x");
  // The direct cost comes from getppid_raw, timed back to back with a hot kernel path; inside
  // this loop the syscall also runs colder, and that difference lands in "indirect" too.
  std::optional<IndirectCost> split;
  if (getppid_stats)
    r.add_metric("direct_cost_ns_per_iter", getppid_stats->p50 / static_cast<double>(k),
                 "ns/iter");
  if (pure_stats && getppid_stats) {
    split = indirect_cost(*r.stats, *pure_stats, *getppid_stats, k);
    r.add_metric("indirect_cost_ns_per_iter", split->indirect_ns, "ns/iter");
    if (std::isfinite(split->noise_ns))
      r.add_metric("indirect_noise_ns_per_iter", split->noise_ns, "ns/iter");
    r.add_metric("indirect_within_noise", split->within_noise() ? 1 : 0, "bool");
    if (std::string w = negative_indirect_warning(*split, p50, pure); !w.empty())
      r.warnings.push_back(std::move(w));
  }
  if (const auto sys = counter_per_op(r, "syscalls")) {
    r.add_metric("syscalls_per_iter", *sys, "syscalls/iter");
    const double expected = 1.0 / static_cast<double>(k);
    if (*sys < 0.9 * expected || *sys > 1.5 * expected + 1e-4)
      r.warnings.push_back(
          fmt::format("counted {:.4f} syscalls per iteration, expected {:.4f}", *sys, expected));
  }

  const std::string every =
      k == 1 ? std::string("every iteration") : fmt::format("every {} iterations", k);
  if (pure > 0) {
    r.meaning = fmt::format(
        "a getppid {} makes the loop {:.2f}x slower than the pure loop "
        "({} vs {}/iter){}",
        every, p50 / pure, core::format_ns(p50), core::format_ns(pure),
        split ? describe_split(*split) : std::string());
  } else {
    r.meaning = fmt::format(
        "{} per iteration with a getppid {} (no pure-loop result in "
        "this run to compare with)",
        core::format_ns(p50), every);
  }
  return r;
}

core::ExperimentBody loop(std::uint64_t k) {
  return
      [k](core::RunContext& ctx, core::Result r) { return run_tight_loop(ctx, std::move(r), k); };
}

}  // namespace

std::vector<core::Experiment> loop_rows() {
  return {
      experiment(
          "loop_pure", "loop, no syscalls",
          "A compute loop over a 16 KiB table with no syscall: the baseline for the loops below.",
          "ns/iter", kLoop, loop(0)),
      experiment("loop_every_1", "loop, syscall every iteration",
                 "The same loop with a getppid every iteration: direct cost plus cache and TLB "
                 "pollution.",
                 "ns/iter", kLoop, loop(1)),
      experiment("loop_every_10", "loop, syscall every 10",
                 "The loop with a getppid every 10 iterations.", "ns/iter", kLoop, loop(10)),
      experiment("loop_every_100", "loop, syscall every 100",
                 "The loop with a getppid every 100 iterations.", "ns/iter", kLoop, loop(100)),
      experiment(
          "loop_every_1000", "loop, syscall every 1000",
          "The loop with a getppid every 1000 iterations: the syscall's share nearly vanishes.",
          "ns/iter", kLoop, loop(1000)),
  };
}

}  // namespace illusion::labs::syscalls
