// The terminal report: what `illusion run` prints on stdout, and `illusion env`.
//
// Written for a person at a 100-120 column terminal: one aligned table per lab, units chosen
// per value, "—" wherever a figure does not exist (an unavailable counter is never printed as
// 0), long text truncated with "…" rather than wrapped into the next column.
#pragma once

#include <ostream>

#include "core/clock.h"
#include "core/env.h"
#include "report/run_record.h"

namespace illusion::report {

// Per lab: title and question, a table (experiment, p50, p99, max, GB/s for a lab with
// throughput figures, faults, ctx-sw, syscalls) with a skip/fail reason (and, verbose, each
// experiment's meaning) on a line under its row, and for calls with a "category" the budget
// table (1% of a 90 Hz / 120 Hz / 1 kHz period). The warnings, once each with the experiments
// they came from, come last.
// What the summary needs first, the detail after: the header and legend, the cost ladder, the
// caveats that change how to read it and the commentary; then the lab tables and the warnings.
// Each row's own sentence (its meaning) only with `verbose`; a skipped or failed row always
// says why. (The Markdown, HTML and JSON keep every sentence.)
struct ConsoleOptions {
  bool verbose = false;
};
void write_console(std::ostream& out, const RunRecord& record, const ConsoleOptions& options = {});

// `illusion env`: one aligned "key: value" line per field ("unknown" where the probe could not
// tell), the clock, and the caveats as bullets. The vulnerabilities the CPU is "Not affected"
// by are counted in one line unless `all_mitigations`; every other state gets its line.
void write_env(std::ostream& out, const core::EnvInfo& env, const core::ClockInfo& clock,
               bool all_mitigations = false);

}  // namespace illusion::report
