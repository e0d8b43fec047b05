// Isolation made visible: a crash and a stray write, each run where it cannot hurt illusion, and
// reported as an outcome (what the other side observed), not as a failure of the run.
//   isolation.cpp         the table rows and crash_in_child
//   isolation_stray.cpp   stray_write_thread and stray_write_process
#pragma once

#include "core/experiment.h"
#include "core/result.h"

namespace illusion::labs::processes {

core::Result run_crash_in_child(core::RunContext& ctx, core::Result r);
core::Result run_stray_write_thread(core::RunContext& ctx, core::Result r);
core::Result run_stray_write_process(core::RunContext& ctx, core::Result r);

}  // namespace illusion::labs::processes
