// The run file ("illusion.run/1", documented in docs/json_schema.md): writing a RunRecord as
// JSON and reading one back.
//
// Writing never produces invalid JSON: a non-finite double (NaN from a failed subtraction, inf
// from a division by a zero cost) becomes null. Reading rejects anything malformed with a
// core::UsageError that names the file, the field (as a path like "experiments[3].stats.p50")
// and what was wrong, because `illusion report` and `compare` are fed files by hand and a
// crash or a silent zero would be worse than a clear refusal.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "report/run_record.h"

namespace illusion::report {

// The whole run, in the schema's field order. "budgets" is derived from the results
// (syscall_budget) and is not read back: it is recomputed on every write.
nlohmann::ordered_json to_json(const RunRecord& record);

// The run file's "env" and "clock" objects, alone: `illusion env --json` prints them.
nlohmann::ordered_json env_to_json(const core::EnvInfo& env);
nlohmann::ordered_json clock_to_json(const core::ClockInfo& clock);

// The schemas of `illusion list --json` and `illusion env --json` (docs/json_schema.md), versioned
// as the run file's is.
inline constexpr const char* kListSchema = "illusion.list/1";
inline constexpr const char* kEnvSchema = "illusion.env/1";

// A RunRecord from a parsed run file. Throws core::UsageError naming the problem: a missing or
// unsupported "schema", a missing field, a value of the wrong type.
//
// Required: schema, tool.version, profile, complete, started_at, duration_s, env, experiments,
// and in each experiment id, lab, title, unit, status and stats (which may be null). Every
// other field may be absent (it takes its default) but is type-checked when present; unknown
// fields are ignored, since "/1" may grow new fields.
RunRecord run_from_json(const nlohmann::ordered_json& doc);

// Reads and parses `path`, then run_from_json. Throws core::UsageError for an unreadable or
// empty file, text that is not JSON (with the line and column of the first error), and
// everything run_from_json rejects; messages start with the path.
RunRecord read_run_file(const std::string& path);

}  // namespace illusion::report
