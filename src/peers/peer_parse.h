// Reading what the peer tools print: perf bench, hyperfine, perf stat -r, fio and cyclictest.
// Pure functions over the tools' text, so recorded outputs under tests/peers/samples test them.
// Malformed or truncated text gives a reading with `error` set, never a throw or a made-up 0.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace illusion::peers {

// What a peer tool reported, converted to nanoseconds. A field the tool does not print stays
// empty (never 0).
struct PeerReading {
  std::optional<double> mean_ns, p50_ns, p99_ns, max_ns, min_ns, stddev_ns;
  std::optional<double> ops;  // operations (or runs) the figures summarise
  // perf stat -r: the "+-" beside its mean, which is the standard error of that mean (the
  // runs' sample standard deviation over sqrt(runs)), not the runs' spread.
  std::optional<double> mean_stderr_ns;
  // Half the width of the bucket a percentile was read from (cyclictest's 1 µs histogram
  // buckets: 500 ns; fio's log-linear ones: at most 1/128 of its p50); 0 when the tool's
  // figures are exact to the nanosecond or near it.
  double resolution_ns = 0;
  std::optional<double> minor_faults;  // fio's "minf": the job's minor faults, whole job
  std::optional<double> overflows;     // cyclictest: samples beyond the histogram's last bucket
  std::string error;                   // non-empty: what could not be read
  bool ok() const { return error.empty(); }
};

PeerReading parse_perf_bench_syscall(std::string_view text);
PeerReading parse_perf_bench_sched_pipe(std::string_view text);
PeerReading parse_hyperfine_json(std::string_view text);
PeerReading parse_perf_stat_elapsed(std::string_view text);
PeerReading parse_fio_json(std::string_view text);
PeerReading parse_cyclictest_histogram(std::string_view text);

}  // namespace illusion::peers
