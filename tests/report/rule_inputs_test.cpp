// commentary() hands each rule only the rows it declared (RuleSpec::inputs). An id a rule's body
// reads but its declaration lacks would silence that part of the sentence; here every rule is
// run on the committed runs both ways, and the two must agree to the byte. The rule tests do the
// same on their synthetic results (checked_rule.h), which reach the branches and the rules the
// committed runs leave silent. Whether the declared ids exist at all is cli_tests'
// ReportInputs test (it needs the lab tables).
#include <gtest/gtest.h>

#include <set>
#include <string>
#include <vector>

#include "report/checked_rule.h"
#include "report/commentary.h"
#include "report/json.h"

namespace illusion::report {
namespace {

// Committed runs of the default set, a few hours apart (the thorough one holds only some rows).
const char* const kRuns[] = {"docs/results/dev-vm.json", "docs/results/stability-dev-vm/run1.json",
                             "docs/results/stability-dev-vm/run2.json",
                             "docs/results/stability-dev-vm-thorough/run1.json"};

using illusion::testing::spoken;

TEST(RuleInputs, EachRuleReadsOnlyWhatItDeclares) {
  for (const char* file : kRuns) {
    const RunRecord run = read_run_file(std::string(ILLUSION_SOURCE_DIR) + "/" + file);
    for (const RuleSpec& spec : all_rules()) {
      const auto everything = spec.rule(run.results);
      const auto declared = spec.rule(rule_inputs(run.results, spec));
      EXPECT_EQ(spoken(declared), spoken(everything))
          << spec.name << " on " << file << ": it reads a row it does not declare";
      if (everything) {
        EXPECT_EQ(everything->id, spec.name) << file;
      }
    }
  }
}

TEST(RuleInputs, NamesAndInputsAreUnique) {
  std::set<std::string> names;
  for (const RuleSpec& spec : all_rules()) {
    EXPECT_TRUE(names.insert(spec.name).second) << spec.name;
    EXPECT_FALSE(spec.inputs.empty()) << spec.name;
    const std::set<std::string> inputs(spec.inputs.begin(), spec.inputs.end());
    EXPECT_EQ(inputs.size(), spec.inputs.size()) << spec.name << " declares an id twice";
  }
}

}  // namespace
}  // namespace illusion::report
