// The commentary tests call each rule through checked_rule: it runs the rule on the results it
// is given and, as commentary() does, on only the rows its RuleSpec declares, and expects the
// same sentence from both. An experiment id a rule's body reads but rule_list.cpp does not
// declare fails whichever test reaches that branch.
#pragma once

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <vector>

#include "core/result.h"
#include "report/commentary.h"

namespace illusion::testing {

// Text and values exactly: {:a} keeps every bit of a double (NaN included).
inline std::string spoken(const std::optional<report::Insight>& in) {
  if (!in) return "(silent)";
  std::string out = in->id + ": " + in->text;
  for (const auto& [name, value] : in->values) out += fmt::format("\n{} = {:a}", name, value);
  return out;
}

// The rule named `name` in report::all_rules() on every result given, after checking that it
// says the same on its declared rows alone.
inline std::optional<report::Insight> checked_rule(const std::string& name,
                                                   const std::vector<core::Result>& results) {
  for (const report::RuleSpec& spec : report::all_rules()) {
    if (spec.name != name) continue;
    const auto everything = spec.rule(results);
    EXPECT_EQ(spoken(spec.rule(report::rule_inputs(results, spec))), spoken(everything))
        << name << " reads a row it does not declare in rule_list.cpp";
    return everything;
  }
  ADD_FAILURE() << "no rule named " << name;
  return std::nullopt;
}

}  // namespace illusion::testing
