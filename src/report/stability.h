// `illusion stability RUN.json RUN.json [...]`: how well runs of the same selection repeat,
// and where their seconds go. bench/stability.sh makes the runs back to back.
//
// Pure: stability() turns run records into a Stability (no files, no clock); the writers print
// it as a terminal table or Markdown. A row's repeatability is the coefficient of variation of
// its p50 across the runs that measured it (sample standard deviation over mean, n - 1), which
// needs two runs at least; a row some run did not measure is listed with "—" there.
#pragma once

#include <cstddef>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "report/run_record.h"

namespace illusion::report {

// The CV thresholds the summary counts rows under: 3% (firm) and 10% (usable).
inline constexpr double kStableCv = 0.03;
inline constexpr double kUsableCv = 0.10;

struct StabilityRow {
  std::string id, lab, unit;
  std::vector<std::optional<double>> p50;  // one per run; empty when that run did not measure it
  std::optional<double> cv;                // of the p50s that exist; empty with < 2 or mean <= 0
  std::optional<double> mean_wall_s;       // the row's own wall time, mean over the runs
};

struct LabTime {
  std::string lab;
  double mean_s = 0;  // the lab's rows' wall time, mean over the runs
};

struct Stability {
  std::vector<double> durations_s;  // each run's whole duration
  std::vector<std::string> started_at;  // each run's start (ISO 8601 UTC)
  std::vector<std::string> profiles;    // each run's profile
  std::vector<StabilityRow> rows;   // in the first run's order, then rows only later runs have
  std::vector<LabTime> labs;        // in run order
  std::size_t with_cv = 0;          // rows with a CV
  std::size_t within_stable = 0;    // of those, CV <= kStableCv
  std::size_t within_usable = 0;    // of those, CV <= kUsableCv
  std::optional<double> median_cv;
};

Stability stability(const std::vector<RunRecord>& runs);

// The summary line: "31 of 72 rows within 3% CV, 57 within 10%; median CV 3.4%; runs took
// 70.6 s, 73.1 s, 69.6 s".
std::string stability_summary(const Stability& s);

// Worst rows first, then the time by lab and by row.
void write_stability(std::ostream& out, const Stability& s, const std::vector<std::string>& names);
void write_stability_markdown(std::ostream& out, const Stability& s,
                              const std::vector<std::string>& names);

}  // namespace illusion::report
