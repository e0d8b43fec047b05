// What an experiment returns, and the only thing the reporters read.
//
// Units: `stats` are in the experiment's `unit` (almost always ns per op); counters are per op,
// nullopt when the event was unavailable (the reason is in `warnings`); sizes are bytes.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "core/stats.h"

namespace illusion::core {

struct Param {
  std::string name;
  std::variant<double, std::string> value;
};

struct Metric {
  std::string name;  // "ops_per_s", "syscalls_per_mib", ...
  double value = 0;
  std::string unit;  // "ops/s", "GB/s", "ns/KiB", ...
};

struct Series {
  std::string name;  // "cdf", "timeline", ...
  std::string x_unit, y_unit;
  std::vector<std::pair<double, double>> points;
};

struct CounterValue {
  std::string name;              // "page_faults", "rusage_minor_faults", "cycles", ...
  std::optional<double> per_op;  // nullopt: unavailable this run
};

enum class Status { ok, skipped, failed };

struct Result {
  std::string id, lab, title, unit;
  Status status = Status::ok;
  std::string reason;  // why skipped or failed
  std::vector<Param> params;
  std::optional<Stats> stats;
  // Operations each sample in `stats` covers. 1: every sample is one operation, so the
  // percentiles are an operation's. K > 1: each sample is the mean of K operations timed
  // together (the op is too short for the clock to time alone), so p99 and max are percentiles
  // of batch means, which hide single slow operations; they are never shown as an operation's.
  double ops_per_sample = 1;
  // The per-operation distribution of a batched row, from a separate pass of single-operation
  // samples (clock cost subtracted), when the clock resolves one operation; else nullopt and
  // `op_tail_note` says why.
  std::optional<Stats> op_tail;
  std::string op_tail_note;
  std::vector<CounterValue> counters;
  std::vector<Metric> metrics;
  std::vector<Series> series;
  std::vector<std::string> warnings;
  std::string meaning;  // one line computed from this run's values; empty -> the "shows" text
  double wall_s = 0;    // wall-clock seconds the experiment took, set-up and warm-up included

  void add_param(std::string name, double value) { params.push_back({std::move(name), value}); }
  void add_param(std::string name, std::string value) {
    params.push_back({std::move(name), std::move(value)});
  }
  void add_metric(std::string name, double value, std::string metric_unit) {
    metrics.push_back({std::move(name), value, std::move(metric_unit)});
  }
  const Metric* metric(const std::string& name) const;
  const CounterValue* counter(const std::string& name) const;
};

// `r` marked skipped with the reason the machine cannot run it (said in the output, never
// silent).
inline Result skipped(Result r, std::string reason) {
  r.status = Status::skipped;
  r.reason = std::move(reason);
  return r;
}

// The distribution of single operations: `stats` when each sample is one operation, else
// `op_tail`; nullptr when the row has none (batch means only, or not sampled).
const Stats* per_op_stats(const Result& r);

// Declares what one sample of `r` covers, for rows whose values are means of `k` operations
// (k <= 1: single operations), with the reason there is no per-operation tail.
void set_ops_per_sample(Result& r, double k, std::string why_no_tail = "");

// Finds a result by id in a run; nullptr when absent (or not ok).
const Result* find_result(const std::vector<Result>& results, const std::string& id);

}  // namespace illusion::core
