// Where `illusion run` keeps its test files, checked before any work: the --dir the user chose
// (or $TMPDIR, or /tmp) must be a writable directory with room for the largest file a selected
// experiment will write, and --file-size must be a size the labs can use.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/experiment.h"
#include "core/runner.h"

namespace illusion::cli {

// The directory test files go in: `dir` when given, else $TMPDIR, else /tmp. Throws UsageError
// when it does not exist, is not a directory, or is not writable.
std::string test_file_parent(const std::string& dir);

// Parses --file-size: a whole number of MiB, at least 1 MiB. "" gives 0 (each lab's default).
std::uint64_t parse_file_size(const std::string& text);

// Throws UsageError when `parent` has not room for the most disk any selected row asks for.
void check_disk_room(const std::string& parent, const std::vector<core::Selected>& selected,
                     const core::RunContext& ctx);

}  // namespace illusion::cli
