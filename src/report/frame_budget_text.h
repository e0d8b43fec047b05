// `illusion budget`'s text: the frame-budget table (how many of each operation fit in a frame
// and in 1% of it, at p50 and at p99) and the notes under it: the frame lengths, what the
// counts mean, where the costs came from and which operations have none.
#pragma once

#include <ostream>
#include <string>

#include "report/frame_budget.h"
#include "report/run_record.h"

namespace illusion::report {

// `from`: the run file the costs came from, "" when this run measured them.
void write_frame_budget(std::ostream& out, const FrameBudget& budget, const RunRecord& record,
                        const std::string& from);

}  // namespace illusion::report
