// Reading back the part of a verify file ("illusion.verify/1", written by `illusion verify
// --peers --json`, documented in docs/json_schema.md) that `illusion stability` needs: each
// comparison's id, statistic, and the median of each side. Everything else in the file (round
// values, verdicts, method terms) is ignored, so the reader stays valid while "/1" grows.
//
// A bad file is refused with a core::UsageError (a std::runtime_error) whose message starts
// with the path and names the field, never read as zeros: the files are given by hand.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace illusion::peers {

// One side of a comparison as the file gives it.
struct VerifySide {
  std::string name;    // illusion: the experiment id; the peer: the tool ("perf bench sched pipe")
  std::string figure;  // illusion: what of the row is compared ("mean per call"); peer: ""
  std::optional<double> median_ns;  // the median over the file's rounds; empty: no figure
};

struct VerifyComparisonRead {
  std::string id;         // "getppid", "wakeup_p99"
  std::string statistic;  // "mean", "p50", "p99", "max"
  VerifySide illusion, peer;
};

struct VerifyFile {
  std::string path;
  std::string started_at;  // ISO 8601 UTC
  std::string profile;     // "quick", "default"
  bool complete = true;
  std::vector<VerifyComparisonRead> comparisons;  // in the file's order
};

// Is `schema` a verify file's ("illusion.verify/…", any version)?
bool is_verify_schema(const std::string& schema);

// From a parsed document; `path` only names the file in messages. Throws core::UsageError.
VerifyFile verify_from_json(const nlohmann::json& doc, const std::string& path);

// Reads `path` when it is a verify file. Empty when it is not one: not a regular file, not a
// JSON object, or its "schema" is not "illusion.verify/…" (the caller then reads it as a run
// file, whose reader explains what is wrong). Throws core::UsageError when it claims to be a
// verify file and is not a good one: an unsupported version, a missing or mistyped field.
std::optional<VerifyFile> try_read_verify_file(const std::string& path);

// Reads `path`, which must be a verify file. Throws core::UsageError naming the file otherwise
// (unreadable, not a regular file, not JSON, another schema, a bad field).
VerifyFile read_verify_file(const std::string& path);

}  // namespace illusion::peers
