// `illusion stability RUN.json RUN.json [...]`: how well runs of the same selection repeat,
// and where their seconds go. bench/stability.sh makes the runs back to back.
//
// Pure: stability() turns run records into a Stability (no files, no clock); the writers print
// it as a terminal table or Markdown. A row's repeatability is the coefficient of variation of
// its p50 across the runs that measured it (sample standard deviation over mean, n - 1), which
// needs two runs at least; a row some run did not measure is listed with "—" there.
//
// A row above kStableCv carries the evidence for why: each run's own 95% interval of its median
// (core::Stats::median_lo/hi) against the spread across runs. When every run pinned its median
// far more tightly than the runs differ, more samples would not help: the machine's state, or
// what ran before the row, differed between the runs ("runs disagree"); which of the two, the
// verdict cannot tell (re-running the row alone can). Otherwise the within-run uncertainty explains
// part of the spread ("few samples"). Given verify files (`illusion verify --peers --json`, made
// in the same slots), the peer tools' own CVs are printed beside as the machine's reference.
#pragma once

#include <cstddef>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "peers/peer_stability.h"
#include "report/run_record.h"

namespace illusion::report {

// The CV thresholds the summary counts rows under: 3% (firm) and 10% (usable).
inline constexpr double kStableCv = 0.03;
inline constexpr double kUsableCv = 0.10;

// Why a row's p50s agree or not (for rows with a CV).
enum class StabilityWhy {
  firm,           // CV <= kStableCv
  runs_disagree,  // above it, and every run's interval is within half the CV
  few_samples,    // above it, and some run had no interval (n < 10) or a wide one
};
const char* why_name(StabilityWhy w);  // "firm", "runs disagree", "few samples"

struct StabilityRow {
  std::string id, lab, unit;
  std::vector<std::optional<double>> p50;  // one per run; empty when that run did not measure it
  std::optional<double> cv;                // of the p50s that exist; empty with < 2 or mean <= 0
  std::optional<double> mean_wall_s;       // the row's own wall time, mean over the runs
  // Per run: the median's 95% interval as a relative half-width, the wider side over the p50
  // (core::median_relative_half_width, as the tables' "~" mark); empty when that run has no
  // p50, no interval (n < 10) or a p50 at or below zero.
  std::vector<std::optional<double>> half_width;
  // The widest half_width over the runs with a p50; empty when any of them lacks one.
  std::optional<double> within_run;
  std::optional<StabilityWhy> why;  // empty when there is no CV
};

struct LabTime {
  std::string lab;
  double mean_s = 0;  // the lab's rows' wall time, mean over the runs
};

struct Stability {
  std::vector<double> durations_s;      // each run's whole duration
  std::vector<std::string> started_at;  // each run's start (ISO 8601 UTC)
  std::vector<std::string> profiles;    // each run's profile
  std::vector<StabilityRow> rows;       // in the first run's order, then rows only later runs have
  std::vector<LabTime> labs;            // in run order
  std::size_t with_cv = 0;              // rows with a CV
  std::size_t within_stable = 0;        // of those, CV <= kStableCv
  std::size_t within_usable = 0;        // of those, CV <= kUsableCv
  std::optional<double> median_cv;
  std::size_t runs_disagree = 0;  // rows above kStableCv judged "runs disagree"
  std::size_t few_samples = 0;    // rows above kStableCv judged "few samples"
};

Stability stability(const std::vector<RunRecord>& runs);

// The verdict on one row from its CV and the widest within-run half-width (empty when some run
// has no interval): the rule above, exposed for the tests' boundaries.
StabilityWhy judge_stability(double cv, const std::optional<double>& within_run);

// The summary line: "31 of 72 rows within 3% CV, 57 within 10%; median CV 3.4%; runs took
// 70.6 s, 73.1 s, 69.6 s".
std::string stability_summary(const Stability& s);

// The second line: "Of the 9 rows above 3%: 6 where the runs disagree beyond their own
// intervals (more samples would not narrow them: the machine, or what ran before, differed), 3
// limited by their samples." Empty when no row
// is above 3%.
std::string stability_why_summary(const Stability& s);

// Worst rows first, then the time by lab and by row; `names` are the run files. With verify
// records from two files or more (`peers.records` >= 2), then the peer tools' table ("Peer tools
// in the same slots"); with fewer, nothing about the peers.
void write_stability(std::ostream& out, const Stability& s, const std::vector<std::string>& names,
                     const peers::PeerStability& peers = {});
void write_stability_markdown(std::ostream& out, const Stability& s,
                              const std::vector<std::string>& names,
                              const peers::PeerStability& peers = {});

}  // namespace illusion::report
