// The cost ladder: the OS's prices in one column, cheapest first as the issue orders them
// (function call, vDSO call, syscall, context switch, minor fault, thread, process, cold 4 KiB
// read, major fault), each against a function call and against a 90 Hz frame. Used by the
// console table and the HTML chart, so both show the same rungs.
#pragma once

#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "core/result.h"

namespace illusion::report {

struct LadderRung {
  std::string id, label, unit;
  double p50 = 0, p99 = 0;
  std::optional<double> times_call;  // p50 / syscalls.function_call's p50, when that ran
  double frame_share = 0;            // p50 / one 90 Hz frame (11.1 ms)
};

// The rungs present (ok, with stats in a unit of ns) in the run, in ladder order.
std::vector<LadderRung> cost_ladder(const std::vector<core::Result>& results);

// The console table; nothing when fewer than two rungs ran.
void write_ladder_table(std::ostream& out, const std::vector<LadderRung>& rungs);

}  // namespace illusion::report
