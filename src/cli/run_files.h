// Where `illusion run` keeps its test files, checked before any work. The --dir the user chose
// (or $TMPDIR, or /tmp) must exist and be a directory (else a usage error: a typo should cost
// nothing). Whether files fit there is one rule for every row that writes one: a row whose
// files cannot be created, do not fit the free space, or exceed RLIMIT_FSIZE is skipped with
// the arithmetic, the rows that write nothing still run, and a selection left with nothing to
// run is refused (exit 2) naming its rows. --file-size must be a size the labs can use.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/experiment.h"
#include "core/room.h"
#include "core/runner.h"

namespace illusion::cli {

// The directory test files go in: `dir` when given, else $TMPDIR, else /tmp, with the room it
// offers (core::disk_room: `unusable` says why no file can be created there). Throws
// UsageError when it does not exist or is not a directory.
core::DiskRoom test_file_parent(const std::string& dir);

// Parses --file-size: a whole number of MiB, at least 1 MiB. "" gives 0 (each lab's default).
std::uint64_t parse_file_size(const std::string& text);

// Marks each selected row whose files do not fit `room` skipped (Selected::skip_reason) and
// returns their ids. Throws UsageError, naming the rows and the reason, when every selected row
// is one of them: a run of nothing is a mistake to fix before any work.
std::vector<std::string> skip_rows_without_room(const core::DiskRoom& room,
                                                std::vector<core::Selected>& selected,
                                                const core::RunContext& ctx);

// For commands that need every row they run (verify --peers): throws UsageError naming the
// first row whose files do not fit.
void require_room_for_all(const core::DiskRoom& room, const std::vector<core::Selected>& selected,
                          const core::RunContext& ctx);

// The line (no newline; "" when none) that tells the user, before any work, which rows will
// be skipped and why.
std::string skipped_for_room_words(const std::vector<std::string>& ids, const core::DiskRoom& room,
                                   const std::vector<core::Selected>& selected);

}  // namespace illusion::cli
