// The default run (`illusion run` with no targets): every lab contributes, every rung of the
// cost ladder and every chart's source is in it, and the rows' own time hints keep it inside the
// issue's limits (90 s by default, 20 s with --quick) on the machine they were measured on.
#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

#include "core/runner.h"
#include "labs/all_labs.h"
#include "report/cost_ladder.h"

namespace {

using namespace illusion;

double hinted_seconds(const std::vector<core::Selected>& selected, core::Profile p) {
  double s = 0;
  for (const core::Selected& sel : selected) s += sel.experiment->duration.for_profile(p);
  return s;
}

}  // namespace

TEST(HeadlineSet, EveryLabContributes) {
  const auto labs = labs::all_labs();
  std::map<std::string, int> per_lab;
  for (const core::Selected& s : core::select_experiments(labs, {})) ++per_lab[s.lab_id];
  for (const core::Lab& lab : labs) EXPECT_GE(per_lab[lab.id], 3) << lab.id;
}

TEST(HeadlineSet, HoldsEveryRungOfTheCostLadderAndEveryChartSource) {
  const auto labs = labs::all_labs();
  std::vector<std::string> wanted = report::cost_ladder_ids();
  // The HTML report's charts: wake-up CDFs, the first-touch timeline, throughput vs buffer,
  // fork latency vs parent size, latency vs working set.
  for (const char* id : {"scheduling.wakeup_idle", "scheduling.wakeup_loaded", "vm.first_touch",
                         "mmap_vs_read.read_sweep_warm", "processes.fork_vs_size", "vm.tlb_reach",
                         "mmap_vs_read.rand_copy_warm", "mmap_vs_read.rand_pread_warm"})
    wanted.emplace_back(id);
  const auto headline = core::select_experiments(labs, {});
  for (const std::string& id : wanted) {
    bool found = false;
    for (const core::Selected& s : headline) found = found || s.experiment->id == id;
    EXPECT_TRUE(found) << id << " is not in the default run";
  }
}

TEST(HeadlineSet, IsASubsetAndItsHintsFitTheTimeLimits) {
  const auto labs = labs::all_labs();
  const auto headline = core::select_experiments(labs, {});
  const auto everything = core::select_experiments(labs, {"all"});
  EXPECT_LT(headline.size(), everything.size());
  // The hints are this machine's measured wall times; the margin is for slower machines.
  EXPECT_LT(hinted_seconds(headline, core::Profile::standard), 75.0);
  EXPECT_LT(hinted_seconds(headline, core::Profile::quick), 15.0);
}
