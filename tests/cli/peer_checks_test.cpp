// The pairs of `illusion verify --peers` name illusion rows by id: a renamed row must fail
// here, not silently drop a comparison.
#include "cli/peer_checks.h"

#include <set>

#include <gtest/gtest.h>

#include "labs/all_labs.h"

namespace illusion::cli {
namespace {

TEST(PeerChecks, EveryRowExistsInTheLabs) {
  std::set<std::string> ids;
  for (const core::Lab& lab : labs::all_labs())
    for (const core::Experiment& e : lab.experiments) ids.insert(e.id);
  for (const PeerCheck& c : peer_checks()) EXPECT_TRUE(ids.count(c.row)) << c.row;
}

TEST(PeerChecks, ComparisonIdsAreUniqueAndEveryCheckIsComplete) {
  std::set<std::string> seen;
  for (const PeerCheck& c : peer_checks()) {
    EXPECT_FALSE(c.program.empty()) << c.row;
    EXPECT_FALSE(c.package.empty()) << c.row;
    EXPECT_FALSE(c.peer.empty()) << c.row;
    EXPECT_TRUE(c.run) << c.row;
    ASSERT_FALSE(c.figures.empty()) << c.row;
    for (const Figure& f : c.figures) {
      EXPECT_TRUE(seen.insert(f.comparison_id).second) << f.comparison_id;
      EXPECT_TRUE(f.illusion_value) << f.comparison_id;
      EXPECT_TRUE(f.peer_value) << f.comparison_id;
    }
  }
}

TEST(PeerChecks, TheIssuesPairsAreAllThere) {
  std::set<std::string> rows;
  for (const PeerCheck& c : peer_checks()) rows.insert(c.row);
  for (const char* row :
       {"syscalls.getppid_raw", "scheduling.pipe_threads_same_cpu",
        "scheduling.pipe_procs_same_cpu", "processes.posix_spawn_true", "mmap_vs_read.read_1m_warm",
        "mmap_vs_read.rand_pread_warm", "scheduling.wakeup_idle"})
    EXPECT_TRUE(rows.count(row)) << row;
}

// The peer's statistic decides illusion's: a mean against a mean, a percentile of single
// operations against the peer's percentile, and a row timed only in batches has no percentile.
TEST(PeerChecks, IllusionsFigureFollowsThePeersStatistic) {
  core::Result r;
  r.id = "lab.row";
  core::Stats batches;
  batches.n = 10;
  batches.mean = 120;
  batches.p50 = 100;
  r.stats = batches;
  r.ops_per_sample = 1000;  // batch means only
  r.op_tail_note = "one op is shorter than 20 empty clock pairs";
  for (const PeerCheck& c : peer_checks())
    for (const Figure& f : c.figures) {
      std::string why;
      const auto v = f.illusion_value(r, why);
      if (f.statistic == peers::Statistic::mean && c.row != "scheduling.pipe_threads_same_cpu" &&
          c.row != "scheduling.pipe_procs_same_cpu") {
        ASSERT_TRUE(v) << f.comparison_id << ": " << why;
        EXPECT_DOUBLE_EQ(*v, 120) << f.comparison_id;
      } else if (f.statistic != peers::Statistic::mean) {
        EXPECT_FALSE(v) << f.comparison_id;
        EXPECT_NE(why.find("only in batches"), std::string::npos) << why;
      }
    }
}

TEST(PeerChecks, ARowThatDidNotRunGivesNoFigureAndSaysWhy) {
  core::Result r;
  r.id = "lab.row";
  r.status = core::Status::skipped;
  r.reason = "no second CPU";
  for (const PeerCheck& c : peer_checks())
    for (const Figure& f : c.figures) {
      std::string why;
      EXPECT_FALSE(f.illusion_value(r, why)) << f.comparison_id;
      EXPECT_NE(why.find("no second CPU"), std::string::npos) << why;
    }
}

TEST(PeerChecks, ThePipeRowsCompareTheMeanRoundTrip) {
  core::Result r;
  r.id = "scheduling.pipe_threads_same_cpu";
  core::Stats per_switch;
  per_switch.n = 10;
  per_switch.mean = 700;
  r.stats = per_switch;
  r.add_metric("round_trip_mean_ns", 2'500, "ns");
  for (const PeerCheck& c : peer_checks()) {
    if (c.row != r.id) continue;
    std::string why;
    const auto v = c.figures.front().illusion_value(r, why);
    ASSERT_TRUE(v) << why;
    EXPECT_DOUBLE_EQ(*v, 2'500);
  }
}

}  // namespace
}  // namespace illusion::cli
