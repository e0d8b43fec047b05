#include "report/legend.h"

#include <fmt/format.h>

#include "core/format.h"
#include "core/stats.h"
#include "report/cells.h"
#include "report/lab_sections.h"

namespace illusion::report {
namespace {

// What every row of every lab table carries, gathered the way the tables mark them.
struct Used {
  bool rusage = false, no_op_tail = false, loose = false, thin = false;
  bool faults = false, switches = false, syscalls = false;
};

Used marks_in(const RunRecord& record) {
  Used u;
  for (const LabSection& s : lab_sections(record)) {
    const TableColumns columns = table_columns(s.results);
    u.faults = u.faults || columns.faults;
    u.switches = u.switches || columns.switches;
    u.syscalls = u.syscalls || columns.syscalls;
    for (const core::Result* r : s.results) {
      const RowCells row = lab_table_row(*r, columns);
      u.rusage = u.rusage || row.from_rusage;
      u.no_op_tail = u.no_op_tail || row.no_op_tail;
      u.loose = u.loose || row.loose_median;
      u.thin = u.thin || row.thin_tail;
    }
  }
  return u;
}

bool some_row_says(const RunRecord& record, const std::string& word) {
  for (const core::Result& r : record.results)
    if (r.meaning.find(word) != std::string::npos || r.title.find(word) != std::string::npos)
      return true;
  return false;
}

LegendEntry percentiles() {
  return {"p50, p99, max",
          "the median, the 99th percentile and the largest of a row's timed samples"};
}
LegendEntry rusage_mark() {
  return {"*",
          "a count from getrusage(2): perf was unavailable or saw fewer (faults the kernel "
          "takes for itself raise no perf event)"};
}
LegendEntry no_tail_mark() {
  return {fmt::format("{} under p99/max", core::kMissing),
          "the operation is too short to time alone, so only batch means were measured, which "
          "hide a slow single call (their percentiles are in the JSON)"};
}
LegendEntry loose_mark() {
  return {fmt::format("{} after a p50", kLooseMedianMark),
          fmt::format("its 95% interval is wider than ±{:.0f}% of it, or the samples were too "
                      "few for one: not a firm median",
                      core::kFirmMedian * 100)};
}
LegendEntry thin_mark() {
  return {fmt::format("{} after a p99", kThinTailMark),
          "fewer than 100 single-operation samples: (close to) their largest, not a measured "
          "1-in-100 tail"};
}

}  // namespace

std::vector<LegendEntry> legend(const RunRecord& record) {
  const Used u = marks_in(record);
  std::vector<LegendEntry> out = {percentiles()};
  if (u.faults || u.switches || u.syscalls)
    out.push_back({"faults, ctx-sw, syscalls",
                   "counted per op: page faults and context switches by perf software events, "
                   "syscalls by the raw_syscalls tracepoint"});
  if (u.rusage) out.push_back(rusage_mark());
  if (u.loose) out.push_back(loose_mark());
  if (u.thin) out.push_back(thin_mark());
  if (u.no_op_tail) out.push_back(no_tail_mark());
  if (some_row_says(record, "PSS"))
    out.push_back({"PSS",
                   "proportional set size: each shared page counted as a share among the "
                   "processes that map it (smaps_rollup)"});
  if (some_row_says(record, "VmPTE"))
    out.push_back({"VmPTE", "the memory a process's page tables take (/proc/PID/status)"});
  if (some_row_says(record, "fault-around"))
    out.push_back({"fault-around",
                   "a fault on a file page also maps the neighbouring pages "
                   "already in the page cache, so one fault covers many pages"});
  out.push_back({core::kMissing, "not measured or unreadable here, never a zero"});
  return out;
}

std::string legend_help_text() {
  std::string out;
  for (const LegendEntry& e :
       {percentiles(), rusage_mark(), loose_mark(), thin_mark(), no_tail_mark()})
    out += fmt::format("  {}: {}\n", e.term, e.meaning);
  return out;
}

}  // namespace illusion::report
