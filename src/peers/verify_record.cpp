#include "peers/verify_record.h"

namespace illusion::peers {
namespace {

using nlohmann::ordered_json;

ordered_json optional_number(const std::optional<double>& v) {
  return v ? ordered_json(*v) : ordered_json(nullptr);
}

ordered_json range(const std::optional<double>& lo, const std::optional<double>& hi) {
  if (!lo || !hi) return nullptr;
  return ordered_json::array({*lo, *hi});
}

ordered_json comparison_json(const Comparison& c) {
  const Judgement j = judge(c);
  ordered_json out;
  out["id"] = c.id;
  out["statistic"] = statistic_name(c.statistic);
  out["illusion"] = {{"experiment", c.illusion_row},
                     {"figure", c.illusion_figure},
                     {"rounds_ns", c.illusion_ns},
                     {"median_ns", optional_number(j.illusion_ns)},
                     {"range_ns", range(j.illusion_lo, j.illusion_hi)}};
  out["peer"] = {{"tool", c.peer},
                 {"command", c.peer_command},
                 {"rounds_ns", c.peer_ns},
                 {"median_ns", optional_number(j.peer_ns)},
                 {"range_ns", range(j.peer_lo, j.peer_hi)},
                 {"resolution_ns", c.peer_resolution_ns}};
  out["ratio"] = optional_number(j.ratio);
  out["verdict"] = verdict_name(j.verdict);
  out["within_tolerance"] = j.within_tolerance;
  out["ranges_overlap"] = j.ranges_overlap;
  out["reason"] = j.reason;
  out["method_terms"] = ordered_json::array();
  for (const MethodTerm& t : c.terms)
    out["method_terms"].push_back({{"what", t.what},
                                   {"included_by", t.in_peer ? "peer" : "illusion"},
                                   {"rounds_ns", t.rounds_ns}});
  out["method_note"] = c.method_note;
  out["round_notes"] = c.round_notes;
  return out;
}

}  // namespace

nlohmann::ordered_json to_json(const VerifyRecord& record) {
  ordered_json doc;
  doc["schema"] = kVerifySchema;
  doc["tool"] = {{"name", "illusion"}, {"version", record.tool_version}};
  doc["profile"] = record.profile;
  doc["complete"] = record.complete;
  doc["started_at"] = record.started_at;
  doc["duration_s"] = record.duration_s;
  doc["rounds"] = record.rounds;
  doc["cpu"] = record.cpu ? ordered_json(*record.cpu) : ordered_json(nullptr);
  doc["tolerance"] = kAgreementTolerance;
  doc["env"] = {{"kernel", record.kernel},
                {"cpu_model", record.cpu_model},
                {"online_cpus", record.online_cpus},
                {"hypervisor", record.hypervisor}};
  doc["comparisons"] = ordered_json::array();
  for (const auto& c : record.comparisons) doc["comparisons"].push_back(comparison_json(c));
  return doc;
}

}  // namespace illusion::peers
