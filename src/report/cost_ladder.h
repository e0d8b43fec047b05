// The cost ladder: the OS's prices in one column (function call, vDSO call, syscall, context
// switch, minor fault, thread, process, cold 4 KiB read, major fault), each against a function
// call and against a 90 Hz frame, ordered by this run's medians: which costs more is a
// measurement, not an assumption (a cold read served by a host's cache can undercut a fork).
// Used by the console table and the HTML chart, so both show the same rungs.
#pragma once

#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "core/result.h"

namespace illusion::report {

struct LadderRung {
  std::string id, label, unit;
  double p50 = 0;
  // A single operation's p99; nullopt for a batched row without single-operation samples,
  // whose p99 of batch means is no operation's tail ("—").
  std::optional<double> p99;
  std::optional<double> times_call;  // p50 / syscalls.function_call's p50, when that ran
  double frame_share = 0;            // p50 / one 90 Hz frame (11.1 ms)
};

// The experiment ids of every rung, in ladder order (all of them run in the default run).
std::vector<std::string> cost_ladder_ids();

// The rungs present (ok, with stats in a unit of ns) in the run, cheapest median first.
std::vector<LadderRung> cost_ladder(const std::vector<core::Result>& results);

// The ladder table's title, column headings and one rung's cells: the same in the console,
// Markdown and HTML. A table is worth printing only with two rungs or more.
inline constexpr const char* kLadderTitle =
    "Cost ladder: what each illusion costs (p50, against a function call and a 90 Hz frame)";
std::vector<std::string> ladder_headings();
std::vector<std::string> ladder_cells(const LadderRung& r);

// The console table; nothing when fewer than two rungs ran.
void write_ladder_table(std::ostream& out, const std::vector<LadderRung>& rungs);

}  // namespace illusion::report
