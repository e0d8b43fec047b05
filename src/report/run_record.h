// One run of illusion as the reporters see it: what ran, where, and what it measured.
// Built by the CLI from the runner's results, or read back from a saved JSON file.
#pragma once

#include <string>
#include <vector>

#include "core/clock.h"
#include "core/env.h"
#include "core/result.h"

namespace illusion::report {

inline constexpr const char* kSchema = "illusion.run/1";

struct LabInfo {
  std::string id, title, question;
};

// A sentence computed from this run's numbers, with the values it quotes.
struct Insight {
  std::string id;
  std::string text;
  std::vector<std::pair<std::string, double>> values;
};

struct RunRecord {
  std::string tool_version;
  std::string profile = "default";  // "quick", "default", "thorough"
  bool complete = true;
  std::string started_at;           // ISO 8601 UTC
  double duration_s = 0;
  std::vector<std::string> selection;  // the patterns given to `run` (empty: the headline set)
  std::string pinned_cpu;              // "" when not pinned
  core::EnvInfo env;
  core::ClockInfo clock;
  std::vector<LabInfo> labs;  // labs that have results, in run order
  std::vector<core::Result> results;
  std::vector<Insight> insights;
};

}  // namespace illusion::report
