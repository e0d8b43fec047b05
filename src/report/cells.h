// What the console and the Markdown reports show for a run, computed once: a result's table
// cells ("—" for what does not exist, "*" for a getrusage(2) fallback), its meaning or
// skip/fail reason, the labs in run order, the warnings deduplicated with where they came from,
// and the header's machine description. Plain text: each writer lays it out (and escapes it).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/format.h"
#include "core/result.h"
#include "report/run_record.h"

namespace illusion::report {

// The id without its "lab." prefix.
std::string short_id(const core::Result& r);

// A counter's per-op value, when it exists and is finite.
std::optional<double> per_op(const core::Result& r, const std::string& name);

// A counter cell: the perf event when it could be opened (for faults: unless getrusage(2) saw
// clearly more, core::faults_per_op's rule), else getrusage's count of the same thing marked
// "*", else "—". Unavailable is never shown as 0.
struct CounterCell {
  std::string text = core::kMissing;
  bool from_rusage = false;
};
CounterCell faults_cell(const core::Result& r);
CounterCell switches_cell(const core::Result& r);

// The meaning for an ok row, "skipped: reason" or "FAILED: reason" otherwise.
std::string status_text(const core::Result& r);

// The IO rows' throughput (metric throughput_gbps), when the row has one.
std::optional<double> throughput(const core::Result& r);

// The lab table's optional columns, each shown only when some row has a figure for it: GB/s
// (the IO lab's), and the counters (syscalls needs tracefs, so a host without it has none). A
// column every row would fill with "—" says nothing; the note says why it is left out.
struct TableColumns {
  bool throughput = false, faults = false, switches = false, syscalls = false;
};
TableColumns table_columns(const std::vector<const core::Result*>& results);

// The lab table's column headers: experiment, p50, p99, max, then those of the optional
// columns shown: GB/s, faults, ctx-sw, syscalls.
std::vector<std::string> lab_table_headers(const TableColumns& columns);

// One result's row, cell for cell under lab_table_headers(columns).
struct RowCells {
  std::vector<std::string> cells;
  bool from_rusage = false;   // a counter cell fell back to getrusage ("*")
  bool no_op_tail = false;    // batched, no single-operation samples: p99 and max are "—"
  bool loose_median = false;  // the median's 95% interval is wider than ±1% (or unknown): "~"
  bool thin_tail = false;     // fewer single-op samples than a p99 needs: "†"
};

// A percentile q is a measured tail only when the samples reach it: n >= 1 / (1 - q) (100 for
// p99, 1000 for p99.9). Below that it is the largest sample or an interpolation next to it.
bool tail_supported(std::size_t n, double q);
inline constexpr const char* kThinTailMark = "†";

// Marks a p50 whose interval misses core::kFirmMedian.
inline constexpr const char* kLooseMedianMark = "~";
RowCells lab_table_row(const core::Result& r, const TableColumns& columns);

// The note under a lab table, in plain text (each writer escapes it): counters are per op, what
// "*" means when a counter came from getrusage, what "—" under p99/max means, and which counter
// columns no row had.
// With `marks_in_legend` (the console and the Markdown, which open with report/legend.h's
// legend) the marks are not explained again under each table.
std::string lab_table_note(const std::vector<RowCells>& rows, const TableColumns& columns,
                           bool marks_in_legend = false);

// Labs in run order: those the record names first, then any lab only the results mention (a
// hand-made or older file may lack "labs").
std::vector<LabInfo> labs_to_show(const RunRecord& record);

// Each warning once, with the experiments that raised it ("every experiment", or up to three
// ids and "and N more"), in order of first appearance; counters unavailable for the same reason
// on the same rows share one line ("cycles, instructions: unavailable (…)").
struct WarningLine {
  std::string text, from;
  std::size_t rows = 0;              // how many rows gave it
  std::vector<std::string> sources;  // the rows' own warnings this line stands for
};
std::vector<WarningLine> deduplicated_warnings(const std::vector<core::Result>& results);

// The header's pieces. Run: version, profile, start time, duration. Machine: kernel, CPU
// model, CPUs, VM/hypervisor, clock, pinning (absent pieces are left out).
std::vector<std::string> run_header_parts(const RunRecord& record);
std::vector<std::string> machine_parts(const RunRecord& record);

}  // namespace illusion::report
