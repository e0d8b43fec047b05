// Two outputs on one path, or an output on its own input, lose a file without a word: the
// later rename replaces the earlier file (`--json same.out --md same.out` kept only the
// Markdown; `report self.json --md self.json` replaced the run with Markdown). Paths are
// compared as the directory entries they name, not as strings, so `./same.out`, `same.out`
// and `dir/../same.out` collide, and a symlink to an input counts as that input.
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace illusion::report {

// (flag, path) of each output asked for, e.g. {"--json", "run.json"}.
using FlaggedPaths = std::vector<std::pair<std::string, std::string>>;

// Throws core::UsageError (exit 2, before any work) naming both flags when two outputs name
// the same directory entry, or when an output names the entry an input is read from (the
// input's symlinks followed: writing the output would replace what the link points at). An
// output whose directory cannot be looked at is left to check_output_path to refuse.
void check_distinct_paths(const FlaggedPaths& outputs, const std::vector<std::string>& inputs);

}  // namespace illusion::report
