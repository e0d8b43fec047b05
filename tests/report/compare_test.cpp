// The comparison of two runs on hand-built records: every median and spread is chosen here, so
// each verdict is known in advance.
#include "report/compare.h"

#include <gtest/gtest.h>

#include <cmath>
#include <sstream>

#include "core/format.h"
#include "report/synthetic.h"

namespace illusion::report {
namespace {

using testing::has;
using testing::make_result;
using testing::make_skipped;

RunRecord make_run(std::vector<core::Result> results) {
  RunRecord run;
  run.tool_version = "0.1.0";
  run.profile = "quick";
  run.started_at = "2026-01-01T00:00:00Z";
  run.env.kernel = "6.1.0-test";
  run.env.cpu_model = "Test CPU";
  run.env.online_cpus = 4;
  run.results = std::move(results);
  return run;
}

std::string text_of(const Comparison& c) {
  std::ostringstream out;
  write_comparison(out, c, "a.json", "b.json");
  return out.str();
}

// Lines of the table whose verdict is `verdict` (the footer also says "faster/slower").
int rows_saying(const std::string& text, const std::string& verdict) {
  int count = 0;
  std::istringstream lines(text);
  for (std::string line; std::getline(lines, line);) {
    const std::string tail = "  " + verdict;
    count += line.size() >= tail.size() &&
             line.compare(line.size() - tail.size(), tail.size(), tail) == 0;
  }
  return count;
}

const ComparedRow* row(const Comparison& c, const std::string& id) {
  for (const ComparedRow& r : c.rows)
    if (r.id == id) return &r;
  return nullptr;
}

TEST(Compare, IdenticalRunsAreAllWithinNoise) {
  const RunRecord run = make_run({make_result("syscalls.a", 100), make_result("syscalls.b", 5),
                                  make_result("vm.c", 2500, -1, "ns/page")});
  const Comparison c = compare(run, run);
  ASSERT_EQ(c.rows.size(), 3u);
  for (const ComparedRow& r : c.rows) {
    EXPECT_EQ(r.verdict, Verdict::within_noise) << r.id;
    EXPECT_DOUBLE_EQ(r.ratio, 1.0) << r.id;
  }
  EXPECT_TRUE(c.only_in_a.empty());
  EXPECT_TRUE(c.only_in_b.empty());
  EXPECT_TRUE(c.not_ok.empty());
  EXPECT_TRUE(c.warnings.empty());
  const std::string text = text_of(c);
  EXPECT_EQ(rows_saying(text, "faster"), 0) << text;
  EXPECT_EQ(rows_saying(text, "slower"), 0) << text;
  EXPECT_EQ(rows_saying(text, "no clear change"), 3) << text;
}

// Zero spread and equal medians: still no change (the comparison is strict).
TEST(Compare, IdenticalRunsWithoutSpreadAreWithinNoise) {
  core::Result r = make_result("syscalls.a", 100);
  r.stats->p90 = r.stats->p50;
  const RunRecord run = make_run({r});
  EXPECT_EQ(compare(run, run).rows.at(0).verdict, Verdict::within_noise);
}

TEST(Compare, TenfoldChangeIsSlowerOrFasterWithTheRatio) {
  const RunRecord a = make_run({make_result("syscalls.a", 100), make_result("syscalls.b", 1000)});
  const RunRecord b = make_run({make_result("syscalls.a", 1000), make_result("syscalls.b", 100)});
  const Comparison c = compare(a, b);
  const ComparedRow* slower = row(c, "syscalls.a");
  const ComparedRow* faster = row(c, "syscalls.b");
  ASSERT_TRUE(slower && faster);
  EXPECT_EQ(slower->verdict, Verdict::slower);
  EXPECT_DOUBLE_EQ(slower->ratio, 10.0);
  EXPECT_EQ(faster->verdict, Verdict::faster);
  EXPECT_DOUBLE_EQ(faster->ratio, 0.1);
  const std::string text = text_of(c);
  EXPECT_EQ(rows_saying(text, "slower"), 1) << text;
  EXPECT_EQ(rows_saying(text, "faster"), 1) << text;
  EXPECT_TRUE(has(text, core::format_ratio(10.0))) << text;
  EXPECT_TRUE(has(text, core::format_ratio(0.1))) << text;
  EXPECT_TRUE(has(text, "100 ns")) << text;
  EXPECT_TRUE(has(text, "1.00 µs")) << text;
  EXPECT_TRUE(has(text, "±200 ns")) << text;  // B's p90 − p50 for the slower row
}

TEST(Compare, DifferenceInsideTheSpreadIsWithinNoise) {
  // p90 − p50 is 20% of the median in make_result: a 10% shift is inside it.
  const Comparison c = compare(make_run({make_result("syscalls.a", 100)}),
                               make_run({make_result("syscalls.a", 110)}));
  EXPECT_EQ(c.rows.at(0).verdict, Verdict::within_noise);
  EXPECT_DOUBLE_EQ(c.rows.at(0).threshold, 22.0);  // B's p90 − p50 (132 − 110)
}

// Inside the bar, the words say which of two things it is: a difference within the 10% floor
// ("no clear change"), or a larger one the runs' spread hides ("too noisy to judge"), never
// "within noise" beside a ratio of 1.9x (issue 22).
TEST(Compare, InsideTheBarTheWordsSayNoChangeOrTooNoisy) {
  ComparedRow small{"syscalls.a", "ns/op", 100, 105, 1.05, 30, Verdict::within_noise};
  EXPECT_EQ(verdict_words(small), "no clear change");
  ComparedRow noisy{"syscalls.b", "ns/op", 100, 190, 1.9, 400, Verdict::within_noise};
  EXPECT_EQ(verdict_words(noisy), "too noisy to judge");
  ComparedRow slower{"syscalls.c", "ns/op", 100, 190, 1.9, 10, Verdict::slower};
  EXPECT_EQ(verdict_words(slower), "slower");
  // In the table: the row reads "1.1x … no clear change".
  const std::string text = text_of(compare(make_run({make_result("syscalls.a", 100)}),
                                           make_run({make_result("syscalls.a", 105)})));
  EXPECT_TRUE(has(text, "no clear change")) << text;
  EXPECT_FALSE(has(text, "within noise")) << text;
}

TEST(Compare, FloorAppliesWhenBothRunsAreTight) {
  EXPECT_EQ(judge(100, 100, 108, 108), Verdict::within_noise);  // 8% < 10%
  EXPECT_EQ(judge(100, 100, 112, 112), Verdict::slower);        // 12% > 10%
  EXPECT_EQ(judge(100, 100, 88, 88), Verdict::faster);
  double threshold = 0;
  judge(100, 100, 200, 200, &threshold);
  EXPECT_DOUBLE_EQ(threshold, 10.0);
}

TEST(Compare, NonFiniteMediansAreNeverAChange) {
  EXPECT_EQ(judge(NAN, NAN, 100, 120), Verdict::within_noise);
}

TEST(Compare, ExperimentsInOneRunOnlyAreListed) {
  const RunRecord a = make_run({make_result("syscalls.a", 100), make_result("syscalls.only_a", 5)});
  const RunRecord b = make_run({make_result("syscalls.a", 100), make_result("vm.only_b", 7)});
  const Comparison c = compare(a, b);
  ASSERT_EQ(c.rows.size(), 1u);
  ASSERT_EQ(c.only_in_a.size(), 1u);
  EXPECT_EQ(c.only_in_a[0].id, "syscalls.only_a");
  EXPECT_EQ(c.only_in_a[0].b_status, "absent");
  ASSERT_EQ(c.only_in_b.size(), 1u);
  EXPECT_EQ(c.only_in_b[0].id, "vm.only_b");
  const std::string text = text_of(c);
  EXPECT_TRUE(has(text, "Only in A")) << text;
  EXPECT_TRUE(has(text, "syscalls.only_a")) << text;
  EXPECT_TRUE(has(text, "Only in B")) << text;
  EXPECT_TRUE(has(text, "vm.only_b")) << text;
}

TEST(Compare, SkippedAndFailedAreListedWithTheirStatus) {
  core::Result failed = make_result("vm.f", 10);
  failed.status = core::Status::failed;
  failed.reason = "mmap: ENOMEM";
  const RunRecord a = make_run({make_skipped("vm.s", "no perf"), make_result("vm.f", 10)});
  const RunRecord b = make_run({make_result("vm.s", 10), failed});
  const Comparison c = compare(a, b);
  EXPECT_TRUE(c.rows.empty());
  ASSERT_EQ(c.not_ok.size(), 2u);
  EXPECT_EQ(c.not_ok[0].a_status, "skipped: no perf");
  EXPECT_EQ(c.not_ok[0].b_status, "ok");
  EXPECT_EQ(c.not_ok[1].b_status, "failed: mmap: ENOMEM");
  const std::string text = text_of(c);
  EXPECT_TRUE(has(text, "skipped: no perf")) << text;
  EXPECT_TRUE(has(text, "failed: mmap: ENOMEM")) << text;
  EXPECT_TRUE(has(text, "No experiment was measured in both runs")) << text;
}

TEST(Compare, DifferentMachinesAreWarnedButCompared) {
  const RunRecord a = make_run({make_result("syscalls.a", 100)});
  RunRecord b = make_run({make_result("syscalls.a", 100)});
  b.env.cpu_model = "Other CPU";
  b.env.virtualized = true;
  b.env.hypervisor = "KVM";
  const Comparison c = compare(a, b);
  EXPECT_EQ(c.rows.size(), 1u);
  ASSERT_EQ(c.warnings.size(), 1u);
  EXPECT_TRUE(has(c.warnings[0], "different machines")) << c.warnings[0];
  EXPECT_TRUE(has(c.warnings[0], "Other CPU")) << c.warnings[0];
  const std::string text = text_of(c);
  EXPECT_TRUE(has(text, "Warnings")) << text;
  EXPECT_TRUE(has(text, "VM under KVM")) << text;
  EXPECT_TRUE(has(c.warnings[0], "bare metal vs a VM under KVM")) << c.warnings[0];
}

// Two VMs under different hypervisors: named side by side, not "VM vs VM".
TEST(Compare, DifferentHypervisorsAreNamed) {
  RunRecord a = make_run({make_result("syscalls.a", 100)});
  a.env.virtualized = true;
  a.env.hypervisor = "KVM";
  RunRecord b = a;
  b.env.hypervisor = "Xen";
  const Comparison c = compare(a, b);
  ASSERT_EQ(c.warnings.size(), 1u);
  EXPECT_TRUE(has(c.warnings[0], "a VM under KVM vs a VM under Xen")) << c.warnings[0];
}

TEST(Compare, DifferentProfilesAreWarned) {
  const RunRecord a = make_run({make_result("syscalls.a", 100)});
  RunRecord b = a;
  b.profile = "default";
  const Comparison c = compare(a, b);
  ASSERT_EQ(c.warnings.size(), 1u);
  EXPECT_TRUE(has(c.warnings[0], "quick vs default")) << c.warnings[0];
}

TEST(Compare, OutputShowsBothHeadersAndTheRule) {
  const RunRecord run = make_run({make_result("syscalls.a", 100)});
  const std::string text = text_of(compare(run, run));
  EXPECT_TRUE(has(text, "A: a.json")) << text;
  EXPECT_TRUE(has(text, "B: b.json")) << text;
  EXPECT_TRUE(has(text, "profile quick")) << text;
  EXPECT_TRUE(has(text, "Linux 6.1.0-test · Test CPU · 4 CPUs")) << text;
  EXPECT_TRUE(has(text, "2026-01-01T00:00:00Z")) << text;
  EXPECT_TRUE(has(text, "Verdict rule")) << text;
  EXPECT_TRUE(has(text, "p90 − p50")) << text;
  EXPECT_TRUE(has(text, "10% of the smaller p50")) << text;
}

}  // namespace
}  // namespace illusion::report
