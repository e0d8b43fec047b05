// What `illusion verify --peers` found, as data, and its JSON form ("illusion.verify/1",
// documented in docs/json_schema.md). Pure: the tests build records by hand.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "peers/comparison.h"

namespace illusion::peers {

inline constexpr const char* kVerifySchema = "illusion.verify/1";

struct VerifyRecord {
  std::string tool_version;
  std::string started_at;  // UTC, ISO 8601
  std::string profile;     // "quick", "default"
  bool complete = true;    // false: interrupted; the comparisons are those finished
  double duration_s = 0;
  int rounds = 0;          // rounds asked for
  std::optional<int> cpu;  // the one CPU both sides ran on; empty when placement was free
  std::string kernel, cpu_model, hypervisor;
  int online_cpus = 0;
  std::vector<Comparison> comparisons;
};

nlohmann::ordered_json to_json(const VerifyRecord& record);

}  // namespace illusion::peers
