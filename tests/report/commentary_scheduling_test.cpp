// The Lab 3.5 commentary rules on hand-built results: each quotes the figures it was given and
// stays silent when an input is missing.
#include <gtest/gtest.h>

#include "report/checked_rule.h"
#include "report/commentary.h"
#include "synthetic.h"

using namespace illusion;
using illusion::testing::checked_rule;
using illusion::testing::has;
using illusion::testing::make_result;
using illusion::testing::with_metrics;

namespace {

core::Result sched(const std::string& name, double p50,
                   std::initializer_list<std::pair<const char*, double>> metrics = {}) {
  return with_metrics(make_result("scheduling." + name, p50), metrics);
}

bool has_value(const report::Insight& in, const std::string& name) {
  for (const auto& [n, v] : in.values)
    if (n == name) return true;
  return false;
}

// The inversion rows as scheduling/inversion.cpp writes them: H's wait is the sampled op, the
// staging is in params, what the rounds measured is in metrics.
std::vector<core::Result> inversion(double plain_wait, double pi_wait, double plain_hold,
                                    double pi_hold, double burst, double plain_preempted,
                                    double pi_preempted) {
  core::Result plain = sched("inversion_plain", plain_wait,
                             {{"critical_section_held_p50_ns", plain_hold},
                              {"medium_burst_ran_p50_ns", burst},
                              {"l_preemptions_while_holding", plain_preempted}});
  core::Result pi = sched("inversion_pi", pi_wait,
                          {{"critical_section_held_p50_ns", pi_hold},
                           {"medium_burst_ran_p50_ns", burst},
                           {"l_preemptions_while_holding", pi_preempted}});
  for (core::Result* r : {&plain, &pi}) {
    r->add_param("critical_section_staged_ns", 2e6);
    r->add_param("medium_burst_staged_ns", 20e6);
  }
  return {plain, pi};
}

}  // namespace

TEST(SchedulingCommentary, SwitchCostAgainstASyscall) {
  const std::vector<core::Result> rs{
      sched("futex_same_cpu", 1'530), sched("pipe_threads_same_cpu", 1'980),
      sched("pipe_procs_same_cpu", 1'970), make_result("syscalls.getppid_raw", 164)};
  const auto in = checked_rule("context_switch_cost", rs);
  ASSERT_TRUE(in);
  EXPECT_TRUE(has(in->text, "1.53 µs through a futex and 1.98 µs through a pipe")) << in->text;
  EXPECT_TRUE(has(in->text, "added little")) << in->text;
  EXPECT_TRUE(has(in->text, "9.3x a bare syscall (164 ns)")) << in->text;
  // A process switch well above the threads' names the address space.
  const auto costly =
      checked_rule("context_switch_cost", {rs[0], rs[1], sched("pipe_procs_same_cpu", 3'960)});
  ASSERT_TRUE(costly);
  EXPECT_TRUE(has(costly->text, "2.0x the threads' switch")) << costly->text;
  EXPECT_FALSE(checked_rule("context_switch_cost", {rs[0]}));
}

TEST(SchedulingCommentary, CrossCpuAndIndirectCost) {
  const auto cross = checked_rule(
      "cross_cpu_wakeup", {sched("futex_same_cpu", 1'530), sched("futex_cross_cpu", 20'800)});
  ASSERT_TRUE(cross);
  EXPECT_TRUE(has(cross->text, "14x slower: 20.8 µs")) << cross->text;
  EXPECT_FALSE(checked_rule("cross_cpu_wakeup", {sched("futex_same_cpu", 1'530)}));

  EXPECT_TRUE(has(cross->text, "The likely cause: the woken CPU was idle")) << cross->text;
  EXPECT_TRUE(has(cross->text, "did not count idle states")) << cross->text;

  const auto indirect =
      checked_rule("switch_indirect_cost", {sched("switch_indirect_cost", 22'600,
                                                  {{"extra_ns_per_switch", 22'600},
                                                   {"noise_ns", 1'200},
                                                   {"reread_no_switch_p50_ns", 16'700},
                                                   {"reread_after_switch_p50_ns", 39'300},
                                                   {"ratio_to_direct_switch", 14.8}})});
  ASSERT_TRUE(indirect);
  EXPECT_TRUE(has(indirect->text, "The switch itself is the small part")) << indirect->text;
  EXPECT_TRUE(has(indirect->text, "re-reading its working set took")) << indirect->text;
  EXPECT_TRUE(has(indirect->text, "39.3 µs after")) << indirect->text;
  EXPECT_TRUE(has(indirect->text, "(noise ±1.20 µs)")) << indirect->text;
  EXPECT_TRUE(has(indirect->text, "15x the direct cost")) << indirect->text;
  EXPECT_FALSE(checked_rule("switch_indirect_cost", {sched("switch_indirect_cost", 1)}));
}

TEST(SchedulingCommentary, OversubscriptionAndPinning) {
  const std::vector<core::Result> rs{
      sched("cpu_bound_cores", 1,
            {{"units_per_s", 17.2e6}, {"wait_p50_ns", 46'600}, {"units_per_cpu_s", 8.63e6}}),
      sched("cpu_bound_4x", 1,
            {{"units_per_s", 17.1e6},
             {"wait_p50_ns", 12.0e6},
             {"threads", 8},
             {"units_per_cpu_s", 8.63e6}}),
      sched("pin_two_on_one_cpu", 1,
            {{"throughput_ratio", 0.5},
             {"spare_cpu_idle_share", 1.0},
             {"pinned_wait_p50_ns", 4.02e6}}),
      sched("pin_cache_hungry_free", 1,
            {{"move_cost_ns", 29'300},
             {"migrations", 0},
             {"forced_move_first_walk_p50_ns", 60'000},
             {"forced_move_second_walk_p50_ns", 30'700}})};
  const auto over = checked_rule("oversubscription", rs);
  ASSERT_TRUE(over);
  EXPECT_TRUE(has(over->text, "8 busy threads did 0.99x")) << over->text;
  EXPECT_TRUE(has(over->text, "12.0 ms between its slices instead of 46.6 µs")) << over->text;
  EXPECT_TRUE(has(over->text, "adds waiting, not work")) << over->text;
  EXPECT_TRUE(has(over->text, "(the same within 10%)")) << over->text;
  EXPECT_FALSE(checked_rule("oversubscription", {rs[0]}));
  const auto pin = checked_rule("pinning_tradeoffs", rs);
  ASSERT_TRUE(pin);
  EXPECT_TRUE(has(pin->text, "0.50x the throughput")) << pin->text;
  EXPECT_TRUE(has(pin->text, "100% idle")) << pin->text;
  EXPECT_TRUE(has(pin->text, "29.3 µs")) << pin->text;
  EXPECT_TRUE(has(pin->text, "bought nothing")) << pin->text;
  EXPECT_TRUE(has(pin->text, "most likely refilling the cache")) << pin->text;
  EXPECT_FALSE(checked_rule("pinning_tradeoffs", {rs[3]}));
}

TEST(SchedulingCommentary, WakeupsFramesAndInversion) {
  core::Result loaded = sched("wakeup_loaded", 14'200, {{"max_lateness_ns", 17.3e6}});
  loaded.stats->p99 = 33'300;
  std::vector<core::Result> rs{
      sched("wakeup_idle", 23'800, {{"max_lateness_ns", 138'000}}),
      loaded,
      sched("wakeup_fifo", 13'700, {{"max_lateness_ns", 28'200}}),
      sched("frames_free", 1,
            {{"missed_deadlines", 16}, {"frames", 400}, {"worst_frame_ns", 13.2e6}}),
      sched("frames_pinned", 1, {{"missed_deadlines", 0}, {"worst_frame_ns", 1.74e6}}),
  };
  const auto inv = inversion(20.0e6, 2.0e6, 20.0e6, 2.0e6, 20.0e6, 2, 1);
  const std::vector<core::Result> with_inversion{inv[0], inv[1]};
  const auto wake = checked_rule("wakeup_latency", rs);
  ASSERT_TRUE(wake);
  EXPECT_TRUE(has(wake->text, "138 µs late on an idle machine (p99 35.7 µs) and 17.3 ms"))
      << wake->text;
  EXPECT_TRUE(has(wake->text, "(p99 33.3 µs)")) << wake->text;
  EXPECT_TRUE(has(wake->text, "its worst was 28.2 µs")) << wake->text;
  const auto frames = checked_rule("frame_loop_policies", rs);
  ASSERT_TRUE(frames);
  EXPECT_TRUE(has(frames->text, "missed 16 of 400")) << frames->text;
  EXPECT_TRUE(
      has(frames->text, "Against that, pinned apart from the batch: 0 missed (worst 1.74 ms)"))
      << frames->text;
  const auto inverted = checked_rule("priority_inversion", with_inversion);
  ASSERT_TRUE(inverted);
  EXPECT_TRUE(has(inverted->text, "waited 20.0 ms")) << inverted->text;
  EXPECT_TRUE(has(inverted->text, "2.00 ms (10x less)")) << inverted->text;
  EXPECT_FALSE(checked_rule("wakeup_latency", {rs[0]}));
  EXPECT_FALSE(checked_rule("frame_loop_policies", {rs[4]}));
  EXPECT_FALSE(checked_rule("priority_inversion", {inv[0]}));
}

// --- Unfavourable inputs: each clause that names a direction or a cause follows the data. ---

TEST(SchedulingCommentary, ProcessSwitchWithinNoiseOrBelowTheThreads) {
  const auto below = checked_rule(
      "context_switch_cost", {sched("futex_same_cpu", 1'530), sched("pipe_threads_same_cpu", 1'980),
                              sched("pipe_procs_same_cpu", 1'000)});
  ASSERT_TRUE(below);
  EXPECT_TRUE(has(below->text, "1.00 µs, less than between the threads")) << below->text;
  EXPECT_FALSE(has(below->text, "address space switch")) << below->text;
  const auto above = checked_rule(
      "context_switch_cost", {sched("futex_same_cpu", 1'530), sched("pipe_threads_same_cpu", 1'980),
                              sched("pipe_procs_same_cpu", 3'960)});
  ASSERT_TRUE(above);
  EXPECT_TRUE(has(above->text, "most likely the address space switch")) << above->text;
  // A wide spread (MAD 1 µs over 4 samples) makes even 2x a difference within noise.
  core::Result threads = sched("pipe_threads_same_cpu", 1'980);
  core::Result procs = sched("pipe_procs_same_cpu", 3'960);
  for (core::Result* r : {&threads, &procs}) {
    r->stats->mad = 1'000;
    r->stats->n = 4;
  }
  const auto noisy =
      checked_rule("context_switch_cost", {sched("futex_same_cpu", 1'530), threads, procs});
  ASSERT_TRUE(noisy);
  EXPECT_TRUE(has(noisy->text, "the threads' figure within noise")) << noisy->text;
}

TEST(SchedulingCommentary, CrossCpuWithinNoiseOrFasterClaimsNoWakeCost) {
  const auto same = checked_rule("cross_cpu_wakeup",
                                 {sched("futex_same_cpu", 1'530), sched("futex_cross_cpu", 1'600)});
  ASSERT_TRUE(same);
  EXPECT_FALSE(has(same->text, "slower")) << same->text;
  EXPECT_FALSE(has(same->text, "inter-processor")) << same->text;
  EXPECT_TRUE(has(same->text, "within noise")) << same->text;
  const auto faster = checked_rule(
      "cross_cpu_wakeup", {sched("futex_same_cpu", 3'000), sched("futex_cross_cpu", 1'500)});
  ASSERT_TRUE(faster);
  EXPECT_FALSE(has(faster->text, "slower")) << faster->text;
  EXPECT_TRUE(has(faster->text, "2.0x less than the 3.00 µs on one CPU")) << faster->text;
}

TEST(SchedulingCommentary, IndirectCostWithinNoiseNegativeOrSmall) {
  auto run = [](double extra, double ratio, std::optional<double> noise) {
    core::Result r = sched("switch_indirect_cost", extra,
                           {{"extra_ns_per_switch", extra},
                            {"reread_no_switch_p50_ns", 16'700},
                            {"reread_after_switch_p50_ns", 16'700 + extra},
                            {"ratio_to_direct_switch", ratio}});
    if (noise) r.add_metric("noise_ns", *noise, "ns");
    return checked_rule("switch_indirect_cost", {r});
  };
  const auto within = run(500, 0.3, 1'200);
  ASSERT_TRUE(within);
  EXPECT_FALSE(has(within->text, "small part")) << within->text;
  EXPECT_TRUE(has(within->text, "within noise (±1.20 µs)")) << within->text;
  const auto negative = run(-5'000, -3, 1'200);
  ASSERT_TRUE(negative);
  EXPECT_FALSE(has(negative->text, "small part")) << negative->text;
  EXPECT_TRUE(has(negative->text, "5.00 µs faster than without one")) << negative->text;
  // Above the noise but no larger than the direct switch: not "the small part".
  const auto modest = run(1'500, 0.9, 300);
  ASSERT_TRUE(modest);
  EXPECT_FALSE(has(modest->text, "small part")) << modest->text;
  EXPECT_TRUE(has(modest->text, "0.90x the direct cost")) << modest->text;
  // Beyond noise and a little above the direct cost (the switch then about half the total):
  // still not "the small part".
  const auto about_half = run(1'770, 1.11, 40);
  ASSERT_TRUE(about_half);
  EXPECT_FALSE(has(about_half->text, "small part")) << about_half->text;
  const auto unbounded = run(22'600, 14.8, std::nullopt);
  ASSERT_TRUE(unbounded);
  EXPECT_FALSE(has(unbounded->text, "small part")) << unbounded->text;
  EXPECT_TRUE(has(unbounded->text, "no direction is claimed")) << unbounded->text;
}

TEST(SchedulingCommentary, OversubscriptionFollowsThroughputAndWaits) {
  auto run = [](double over_units, double over_wait, double over_per_cpu, double threads) {
    return checked_rule(
        "oversubscription",
        {sched("cpu_bound_cores", 1,
               {{"units_per_s", 17.2e6}, {"wait_p50_ns", 46'600}, {"units_per_cpu_s", 8.63e6}}),
         sched("cpu_bound_4x", 1,
               {{"units_per_s", over_units},
                {"wait_p50_ns", over_wait},
                {"threads", threads},
                {"units_per_cpu_s", over_per_cpu}})});
  };
  // More work and no more waiting: the headline would be false.
  const auto more = run(25e6, 47'000, 8.63e6, 8);
  ASSERT_TRUE(more);
  EXPECT_FALSE(has(more->text, "adds waiting, not work")) << more->text;
  EXPECT_TRUE(has(more->text, "1.5x the work of one per CPU (more)")) << more->text;
  EXPECT_TRUE(has(more->text, "against 46.6 µs (the same within 10%)")) << more->text;
  // Less work per CPU-second: more CPU time per unit, not "no more energy".
  const auto costly = run(17.1e6, 12e6, 5e6, 8);
  ASSERT_TRUE(costly);
  EXPECT_FALSE(has(costly->text, "no more CPU time per unit")) << costly->text;
  EXPECT_TRUE(has(costly->text, "spent more CPU time per unit of work")) << costly->text;
  EXPECT_FALSE(run(17.1e6, 12e6, 8.63e6, 0));  // no threads: nothing to say
  EXPECT_FALSE(run(0, 12e6, 8.63e6, 8));
}

TEST(SchedulingCommentary, PinningWithoutALossOrAMoveCost) {
  auto run = [](double ratio, double first, double second) {
    return checked_rule("pinning_tradeoffs", {sched("pin_two_on_one_cpu", 1,
                                                    {{"throughput_ratio", ratio},
                                                     {"spare_cpu_idle_share", 0.9},
                                                     {"pinned_wait_p50_ns", 4.02e6}}),
                                              sched("pin_cache_hungry_free", 1,
                                                    {{"move_cost_ns", first - second},
                                                     {"migrations", 3},
                                                     {"forced_move_first_walk_p50_ns", first},
                                                     {"forced_move_second_walk_p50_ns", second}})});
  };
  const auto no_loss = run(0.97, 31'000, 30'700);
  ASSERT_TRUE(no_loss);
  EXPECT_FALSE(has(no_loss->text, "takes the scheduler's freedom away")) << no_loss->text;
  EXPECT_TRUE(has(no_loss->text,
                  "0.97x the throughput of the same two unpinned (the same within "
                  "10%)"))
      << no_loss->text;
  EXPECT_FALSE(has(no_loss->text, "What pinning protects against")) << no_loss->text;
  EXPECT_TRUE(has(no_loss->text, "nothing measurable to protect")) << no_loss->text;
  // A negative move cost (the second walk slower) is no cost either.
  const auto negative = run(0.5, 28'000, 30'700);
  ASSERT_TRUE(negative);
  EXPECT_FALSE(has(negative->text, "What pinning protects against")) << negative->text;
  EXPECT_FALSE(checked_rule("pinning_tradeoffs", {sched("pin_two_on_one_cpu", 1,
                                                        {{"throughput_ratio", 0},
                                                         {"spare_cpu_idle_share", 0.9},
                                                         {"pinned_wait_p50_ns", 1}})}));
}

TEST(SchedulingCommentary, WakeupCauseOnlyWhenLoadedIsClearlyLater) {
  auto run = [](double idle_p99, double loaded_p99, double idle_max, double loaded_max) {
    core::Result idle = sched("wakeup_idle", 10'000, {{"max_lateness_ns", idle_max}});
    idle.stats->p99 = idle_p99;
    core::Result loaded = sched("wakeup_loaded", 10'000, {{"max_lateness_ns", loaded_max}});
    loaded.stats->p99 = loaded_p99;
    loaded.add_param("interval_ns", 1e6);
    return checked_rule("wakeup_latency", {idle, loaded});
  };
  const auto later = run(20'000, 33'300, 138'000, 17.3e6);
  ASSERT_TRUE(later);
  EXPECT_TRUE(has(later->text, "sleeping to a 1.00 ms deadline")) << later->text;
  EXPECT_TRUE(has(later->text, "fair scheduling gives a waking thread its share")) << later->text;
  const auto same = run(33'000, 33'300, 138'000, 140'000);
  ASSERT_TRUE(same);
  EXPECT_FALSE(has(same->text, "fair scheduling")) << same->text;
  EXPECT_TRUE(has(same->text, "no clear difference")) << same->text;
  const auto idle_later = run(90'000, 33'300, 900'000, 140'000);
  ASSERT_TRUE(idle_later);
  EXPECT_FALSE(has(idle_later->text, "fair scheduling")) << idle_later->text;
  EXPECT_TRUE(has(idle_later->text, "the load was not what delayed it")) << idle_later->text;
  EXPECT_FALSE(run(20'000, 33'300, -1, 17.3e6));
}

TEST(SchedulingCommentary, FramesQuoteTheStagingAsSuchAndRejectBrokenCounts) {
  core::Result free = sched("frames_free", 1,
                            {{"missed_deadlines", 16},
                             {"frames", 400},
                             {"worst_frame_ns", 13.2e6},
                             {"work_p50_ns", 1.02e6}});
  free.add_param("period_ns", 5e6);
  free.add_param("work_target_ns", 1e6);
  const auto in = checked_rule("frame_loop_policies", {free});
  ASSERT_TRUE(in);
  EXPECT_TRUE(has(in->text, "staged as 5.00 ms frames with 1.00 ms of work (1.02 ms measured)"))
      << in->text;
  for (auto [missed, frames] :
       {std::pair{16.0, 0.0}, std::pair{-1.0, 400.0}, std::pair{500.0, 400.0}}) {
    EXPECT_FALSE(checked_rule(
        "frame_loop_policies",
        {sched("frames_free", 1,
               {{"missed_deadlines", missed}, {"frames", frames}, {"worst_frame_ns", 13.2e6}})}))
        << missed << " of " << frames;
  }
}

TEST(SchedulingCommentary, InversionQuotesWhatWasMeasuredAndLabelsTheStaging) {
  // Measured figures that differ from the staging, so each can be told apart in the text.
  const auto in =
      checked_rule("priority_inversion", inversion(21.0e6, 2.4e6, 20.9e6, 2.3e6, 18.5e6, 2, 1));
  ASSERT_TRUE(in);
  EXPECT_TRUE(has(in->text,
                  "(configured: a 2.00 ms critical section, a 20.0 ms medium-priority "
                  "burst)"))
      << in->text;
  EXPECT_TRUE(has(in->text, "waited 21.0 ms")) << in->text;
  EXPECT_TRUE(has(in->text, "keeping the mutex 20.9 ms (against 2.30 ms with inheritance)"))
      << in->text;
  EXPECT_TRUE(has(in->text, "because the medium thread's burst (18.5 ms as run) preempted it"))
      << in->text;
  EXPECT_TRUE(has(in->text, "2.00 preemptions of the holder per round, against 1.00")) << in->text;
  EXPECT_TRUE(has(in->text, "waited 2.40 ms (8.8x less)")) << in->text;
  // The configured values appear only inside the "configured:" clause.
  const std::string after = in->text.substr(in->text.find("):"));
  EXPECT_FALSE(has(after, "2.00 ms")) << in->text;
  EXPECT_FALSE(has(after, "20.0 ms")) << in->text;
}

TEST(SchedulingCommentary, InversionUnfavourable) {
  // No difference between the protocols: no inversion, no cause.
  const auto same =
      checked_rule("priority_inversion", inversion(2.1e6, 2.0e6, 2.1e6, 2.0e6, 20e6, 1, 1));
  ASSERT_TRUE(same);
  EXPECT_FALSE(has(same->text, "because")) << same->text;
  EXPECT_FALSE(has(same->text, "less).")) << same->text;
  EXPECT_TRUE(has(same->text, "the same within noise")) << same->text;
  EXPECT_TRUE(has(same->text, "no inversion showed")) << same->text;
  // Inheritance slower: turned around.
  const auto reversed =
      checked_rule("priority_inversion", inversion(2.0e6, 20e6, 2.0e6, 20e6, 20e6, 1, 2));
  ASSERT_TRUE(reversed);
  EXPECT_TRUE(has(reversed->text, "10x longer than with the plain mutex")) << reversed->text;
  // A long wait, but the holder was not preempted more often: the burst is not the cause.
  const auto uncaused =
      checked_rule("priority_inversion", inversion(20e6, 2e6, 20e6, 2e6, 20e6, 1, 1));
  ASSERT_TRUE(uncaused);
  EXPECT_FALSE(has(uncaused->text, "because")) << uncaused->text;
  EXPECT_TRUE(has(uncaused->text, "not shown to be the cause")) << uncaused->text;
  // Preemptions not counted: the cause is only likely.
  auto rows = inversion(20e6, 2e6, 20e6, 2e6, 20e6, 2, 1);
  for (auto& r : rows) r.metrics.erase(r.metrics.begin() + 2);
  const auto likely = checked_rule("priority_inversion", rows);
  ASSERT_TRUE(likely);
  EXPECT_TRUE(has(likely->text, "most likely because the medium thread's burst")) << likely->text;
  // A zero wait: nothing to divide by, silent.
  EXPECT_FALSE(checked_rule("priority_inversion", inversion(20e6, 0, 20e6, 2e6, 20e6, 2, 1)));
  EXPECT_FALSE(has_value(*likely, "critical_section_ns"));
}
