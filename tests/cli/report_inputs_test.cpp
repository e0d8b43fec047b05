// The report names experiments by id: each commentary rule's inputs (rule_list.cpp), each
// chart's rows (chart_sources.h), the cost ladder's rungs and the frame budget's operations; and
// it picks the syscall budget's rows by their "category" value (budget.h). A rule, chart or
// table whose row is missing stays silent by design, so a renamed experiment or category must
// fail here instead of deleting a sentence or a chart. The report never links the labs; this
// test links both.
#include <gtest/gtest.h>

#include <set>
#include <string>

#include "labs/all_labs.h"
#include "report/chart_sources.h"
#include "report/commentary.h"
#include "report/cost_ladder.h"
#include "report/frame_budget.h"
#include "syscalls/common.h"

namespace illusion {
namespace {

TEST(ReportInputs, EveryDeclaredIdIsInTheLabTables) {
  std::set<std::string> ids;
  for (const core::Lab& lab : labs::all_labs())
    for (const core::Experiment& e : lab.experiments) ids.insert(e.id);
  ASSERT_FALSE(ids.empty());

  std::size_t rules = 0;
  for (const report::RuleSpec& spec : report::all_rules()) {
    ++rules;
    for (const std::string& id : spec.inputs)
      EXPECT_TRUE(ids.count(id)) << "rule " << spec.name << " reads " << id << ", no lab has it";
  }
  EXPECT_GT(rules, 0u);

  for (const report::ChartSource& chart : report::chart_sources()) {
    const std::string want = chart.id;
    bool found = false;
    for (const std::string& id : ids)
      found = found || (chart.prefix ? id.rfind(want, 0) == 0 : id == want);
    EXPECT_TRUE(found) << "chart of " << chart.series << " draws " << want
                       << (chart.prefix ? "*" : "") << ", no lab has it";
  }

  for (const std::string& id : report::cost_ladder_ids())
    EXPECT_TRUE(ids.count(id)) << "cost ladder rung " << id << ", no lab has it";
  for (const std::string& id : report::frame_op_ids())
    EXPECT_TRUE(ids.count(id)) << "frame budget operation " << id << ", no lab has it";

  namespace sys = labs::syscalls;
  const std::set<std::string> categories = {sys::kCategoryCall, sys::kCategorySyscall,
                                            sys::kCategoryLoop, sys::kCategoryAmortisation};
  for (const char* category : report::kBudgetedCategories)
    EXPECT_TRUE(categories.count(category)) << "budget category " << category << ", no row has it";
}

}  // namespace
}  // namespace illusion
