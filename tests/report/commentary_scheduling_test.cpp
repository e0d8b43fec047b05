// The Lab 3.5 commentary rules on hand-built results: each quotes the figures it was given and
// stays silent when an input is missing.
#include <gtest/gtest.h>

#include "report/commentary.h"
#include "synthetic.h"

using namespace illusion;
using illusion::testing::has;
using illusion::testing::make_result;
using illusion::testing::with_metrics;

namespace {

core::Result sched(const std::string& name, double p50,
                   std::initializer_list<std::pair<const char*, double>> metrics = {}) {
  return with_metrics(make_result("scheduling." + name, p50), metrics);
}

}  // namespace

TEST(SchedulingCommentary, SwitchCostAgainstASyscall) {
  const std::vector<core::Result> rs{
      sched("futex_same_cpu", 1'530), sched("pipe_threads_same_cpu", 1'980),
      sched("pipe_procs_same_cpu", 1'970), make_result("syscalls.getppid_raw", 164)};
  const auto in = report::rules::context_switch_cost(rs);
  ASSERT_TRUE(in);
  EXPECT_TRUE(has(in->text, "1.53 µs through a futex and 1.98 µs through a pipe")) << in->text;
  EXPECT_TRUE(has(in->text, "added little")) << in->text;
  EXPECT_TRUE(has(in->text, "9.3x a bare syscall (164 ns)")) << in->text;
  // A process switch well above the threads' names the address space.
  const auto costly =
      report::rules::context_switch_cost({rs[0], rs[1], sched("pipe_procs_same_cpu", 3'960)});
  ASSERT_TRUE(costly);
  EXPECT_TRUE(has(costly->text, "2.0x the threads' switch")) << costly->text;
  EXPECT_FALSE(report::rules::context_switch_cost({rs[0]}));
}

TEST(SchedulingCommentary, CrossCpuAndIndirectCost) {
  const auto cross = report::rules::cross_cpu_wakeup(
      {sched("futex_same_cpu", 1'530), sched("futex_cross_cpu", 20'800)});
  ASSERT_TRUE(cross);
  EXPECT_TRUE(has(cross->text, "14x slower: 20.8 µs")) << cross->text;
  EXPECT_FALSE(report::rules::cross_cpu_wakeup({sched("futex_same_cpu", 1'530)}));

  const auto indirect =
      report::rules::switch_indirect_cost({sched("switch_indirect_cost", 22'600,
                                                 {{"extra_ns_per_switch", 22'600},
                                                  {"reread_no_switch_p50_ns", 16'700},
                                                  {"reread_after_switch_p50_ns", 39'300},
                                                  {"ratio_to_direct_switch", 14.8}})});
  ASSERT_TRUE(indirect);
  EXPECT_TRUE(has(indirect->text, "39.3 µs after")) << indirect->text;
  EXPECT_TRUE(has(indirect->text, "15x the direct cost")) << indirect->text;
  EXPECT_FALSE(report::rules::switch_indirect_cost({sched("switch_indirect_cost", 1)}));
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
      sched("pin_cache_hungry_free", 1, {{"move_cost_ns", 29'300}, {"migrations", 0}})};
  const auto over = report::rules::oversubscription(rs);
  ASSERT_TRUE(over);
  EXPECT_TRUE(has(over->text, "8 busy threads did 0.99x")) << over->text;
  EXPECT_TRUE(has(over->text, "12.0 ms between its slices instead of 46.6 µs")) << over->text;
  EXPECT_FALSE(report::rules::oversubscription({rs[0]}));
  const auto pin = report::rules::pinning_tradeoffs(rs);
  ASSERT_TRUE(pin);
  EXPECT_TRUE(has(pin->text, "0.50x the throughput")) << pin->text;
  EXPECT_TRUE(has(pin->text, "100% idle")) << pin->text;
  EXPECT_TRUE(has(pin->text, "29.3 µs")) << pin->text;
  EXPECT_TRUE(has(pin->text, "bought nothing")) << pin->text;
  EXPECT_FALSE(report::rules::pinning_tradeoffs({rs[3]}));
}

TEST(SchedulingCommentary, WakeupsFramesAndInversion) {
  core::Result loaded = sched("wakeup_loaded", 14'200, {{"max_lateness_ns", 17.3e6}});
  loaded.stats->p99 = 33'300;
  const std::vector<core::Result> rs{
      sched("wakeup_idle", 23'800, {{"max_lateness_ns", 138'000}}),
      loaded,
      sched("wakeup_fifo", 13'700, {{"max_lateness_ns", 28'200}}),
      sched("frames_free", 1,
            {{"missed_deadlines", 16}, {"frames", 400}, {"worst_frame_ns", 13.2e6}}),
      sched("frames_pinned", 1, {{"missed_deadlines", 0}, {"worst_frame_ns", 1.74e6}}),
      sched("inversion_plain", 1, {{"h_wait_p50_ns", 20.0e6}, {"medium_work_ns", 20e6}}),
      sched("inversion_pi", 1, {{"h_wait_p50_ns", 2.0e6}, {"critical_section_ns", 2e6}})};
  const auto wake = report::rules::wakeup_latency(rs);
  ASSERT_TRUE(wake);
  EXPECT_TRUE(has(wake->text, "138 µs late on an idle machine and 17.3 ms")) << wake->text;
  EXPECT_TRUE(has(wake->text, "(p99 33.3 µs)")) << wake->text;
  EXPECT_TRUE(has(wake->text, "its worst was 28.2 µs")) << wake->text;
  const auto frames = report::rules::frame_loop_policies(rs);
  ASSERT_TRUE(frames);
  EXPECT_TRUE(has(frames->text, "missed 16 of 400")) << frames->text;
  EXPECT_TRUE(has(frames->text, "Against that, pinned apart from the batch: 0 missed (worst 1.74 ms)"))
      << frames->text;
  const auto inversion = report::rules::priority_inversion(rs);
  ASSERT_TRUE(inversion);
  EXPECT_TRUE(has(inversion->text, "waited 20.0 ms")) << inversion->text;
  EXPECT_TRUE(has(inversion->text, "2.00 ms (10x less)")) << inversion->text;
  EXPECT_FALSE(report::rules::wakeup_latency({rs[0]}));
  EXPECT_FALSE(report::rules::frame_loop_policies({rs[4]}));
  EXPECT_FALSE(report::rules::priority_inversion({rs[5]}));
}
