// Hand-built results and scratch directories for the report tests: every figure is chosen by
// the test, so each assertion can name the exact text it expects.
#pragma once

#include <stdlib.h>

#include <algorithm>
#include <filesystem>
#include <initializer_list>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "core/env.h"
#include "core/result.h"
#include "report/run_record.h"
#include "support/files.h"

namespace illusion::testing {

// An ok result in `unit` with the given median and p99 (p99 defaults to 1.5 x p50).
inline core::Result make_result(const std::string& id, double p50, double p99 = -1,
                                const std::string& unit = "ns/op") {
  core::Result r;
  r.id = id;
  r.lab = id.substr(0, id.find('.'));
  r.title = "title of " + id;
  r.unit = unit;
  core::Stats s;
  s.n = 100;
  s.min = p50 * 0.9;
  s.p50 = p50;
  s.p90 = p50 * 1.2;
  s.p99 = p99 < 0 ? p50 * 1.5 : p99;
  s.p999 = s.p99 * 1.1;
  s.max = s.p999 * 2;
  s.mean = p50 * 1.05;
  s.stddev = p50 * 0.1;
  s.cv = 0.1;
  s.outliers = 2;
  r.stats = s;
  return r;
}

inline core::Result make_call(const std::string& id, double p50, double p99,
                              const std::string& category = "syscall") {
  core::Result r = make_result(id, p50, p99);
  r.add_param("category", category);
  return r;
}

// `r` with the given metrics added (unitless): the inputs commentary rules read.
inline core::Result with_metrics(core::Result r,
                                 std::initializer_list<std::pair<const char*, double>> metrics) {
  for (const auto& [name, value] : metrics) r.add_metric(name, value, "");
  return r;
}

// True when `text` contains `part`: rules are checked for the numbers they quote.
inline bool has(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

inline core::Result make_skipped(const std::string& id, const std::string& reason) {
  core::Result r;
  r.id = id;
  r.lab = id.substr(0, id.find('.'));
  r.title = "title of " + id;
  r.unit = "ns/op";
  r.status = core::Status::skipped;
  r.reason = reason;
  return r;
}

// The smallest valid run: one getppid result, fixed version and time. The readers' tests
// start from it and break one thing at a time.
inline report::RunRecord minimal_run_record() {
  report::RunRecord rec;
  rec.tool_version = "0.1.0";
  rec.started_at = "2026-11-24T12:00:00Z";
  rec.results.push_back(make_call("syscalls.getppid_raw", 84, 120));
  return rec;
}

// The scratch disk as the probe records a tmpfs --dir: no device under it, so every device
// field is unknown.
inline core::ScratchDisk tmpfs_scratch_disk() {
  return {"/tmp",
          "/tmp",
          "tmpfs",
          "",
          "",
          std::nullopt,
          {std::nullopt, "tmpfs: memory-backed, no disk under it"},
          false};
}

}  // namespace illusion::testing
