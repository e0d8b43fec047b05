// `illusion compare`: two saved runs side by side.
//
// Pure: compare() turns two RunRecords into a Comparison (no files, no clock), and
// write_comparison() prints it, so the verdict rule is tested on hand-built records and the CLI
// only reads files.
//
// The verdict rule. A difference of medians counts only when it is larger than what either run
// shows of its own sample-to-sample scatter, and larger than a floor that within-run spread
// cannot see:
//
//   |B.p50 − A.p50| > max(A.p90 − A.p50, B.p90 − B.p50, 10% of min(A.p50, B.p50))
//
// Why p90 − p50: it is the spread of the bulk of a run's samples above its median, measured by
// the run itself; p99 and max are dominated by interrupts and preemption, which say nothing
// about a shift of the median. Why the 10% floor: between two runs the CPU frequency, cache
// colouring and memory placement change, which moves the whole distribution by a few percent
// while leaving p90 − p50 tight; on the 2-vCPU dev VM two back-to-back quick runs of getppid
// differed by 5.5% (164 against 173 ns), so 5% called identical code "slower". A run compared with
// itself has a difference of 0 and is therefore always "within noise".
#pragma once

#include <ostream>
#include <string>
#include <vector>

#include "report/run_record.h"

namespace illusion::report {

// The share of the smaller median under which a difference is never called a change.
inline constexpr double kCompareFloor = 0.10;

enum class Verdict { faster, slower, within_noise };

// "faster" (B costs less than A), "slower", "within noise".
const char* verdict_text(Verdict v);

// An experiment measured (status ok, with stats) in both runs.
struct ComparedRow {
  std::string id, unit;
  double a_p50 = 0, b_p50 = 0;
  double ratio = 0;      // B / A; inf or NaN when A's median is 0
  double threshold = 0;  // the difference the medians had to exceed (same unit)
  Verdict verdict = Verdict::within_noise;
};

// The verdict as the table words it: "faster"/"slower"; for a difference inside the bar, "no
// clear change" when it is also within the floor (kCompareFloor of the smaller p50), else "too
// noisy to judge": a 1.9x ratio beside "within noise" read as a contradiction.
std::string verdict_words(const ComparedRow& row);

// An experiment that cannot be compared: in one run only, or not ok (or without stats) in
// either. `a_status` / `b_status` say what each run has: "absent", "ok", "skipped: why"...
struct UncomparedRow {
  std::string id;
  std::string a_status, b_status;
};

// One run's identity, as shown in the header of the comparison.
struct RunHeader {
  std::string tool_version, profile, started_at;
  std::string kernel, cpu_model;
  int online_cpus = 0;
  bool virtualized = false;
  std::string hypervisor;
  bool complete = true;
};

struct Comparison {
  RunHeader a, b;
  std::vector<ComparedRow> rows;         // in A's order
  std::vector<UncomparedRow> only_in_a;  // present in A, absent from B
  std::vector<UncomparedRow> only_in_b;  // present in B, absent from A
  std::vector<UncomparedRow> not_ok;     // in both, but skipped/failed/unsampled in one
  std::vector<std::string> warnings;     // machines or profiles differ, interrupted runs
};

// The verdict for one pair of medians and their runs' p90s (the rule above). Returns the
// threshold through `threshold` when given.
Verdict judge(double a_p50, double a_p90, double b_p50, double b_p90, double* threshold = nullptr);

Comparison compare(const RunRecord& a, const RunRecord& b);

// The comparison as text: both headers, warnings, the table, the uncompared experiments and a
// footer stating the rule. `a_name` / `b_name` label the runs (the file names).
void write_comparison(std::ostream& out, const Comparison& c, const std::string& a_name = "A",
                      const std::string& b_name = "B");

}  // namespace illusion::report
