// "Did you mean …": the closest of the names a user could have meant, for a mistyped command,
// option or experiment id. One implementation, used by every message that offers one.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace illusion::core {

// Levenshtein distance: insertions, deletions and substitutions, one each.
std::size_t edit_distance(std::string_view a, std::string_view b);

// The candidate nearest `typed` when it is near enough to be a typo (at most a third of the
// longer name's length in edits, and at least one), else "". Ties go to the earlier candidate.
std::string closest(std::string_view typed, const std::vector<std::string>& candidates);

// " (did you mean 'x'?)" for closest(), or "" when there is none.
std::string did_you_mean(std::string_view typed, const std::vector<std::string>& candidates);

}  // namespace illusion::core
