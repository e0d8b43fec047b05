// Reading the run file back, for `illusion report` and `compare`.
//
// Every check names the field by its path ("experiments[3].stats.p50") and says what was
// expected and what was found, so a user with a hand-edited or truncated file knows which
// line to look at. Nothing is defaulted silently except fields the schema marks optional.
#include <algorithm>
#include <cctype>
#include <cmath>
#include <set>
#include <utility>

#include <fmt/format.h>

#include "core/errors.h"
#include "core/json_words.h"
#include "core/text_file.h"
#include "report/json.h"
#include "report/json_fields.h"
#include "report/json_text.h"
#include "report/run_file_limits.h"

namespace illusion::report {
namespace {

using namespace json_fields;  // NOLINT(google-build-using-namespace): this file is their user

// The path of `key` under `where`. Keys name params, counters and metrics in the report, so
// they are checked like string values.
std::string key_path(const std::string& where, const std::string& key) {
  check_printable(key, where + " (a key)");
  return child(where, key);
}

void check_schema(const Json& doc) {
  const std::string supported = fmt::format("this illusion reads \"{}\"", kSchema);
  const Json* schema = optional_field(doc, "schema");
  if (!schema)
    fail("", fmt::format("not an illusion run file: no \"schema\" field ({}, as written by "
                         "'illusion run --json')",
                         supported));
  if (!schema->is_string())
    fail("schema", fmt::format("expected a string such as \"{}\", found {}", kSchema,
                               core::json_type_words(*schema)));
  const std::string found = text(*schema, "schema");
  if (found == kSchema) return;
  if (found.rfind("illusion.run/", 0) == 0)
    fail("", fmt::format("schema \"{}\" is not supported: {} (the file was written by a "
                         "different version of illusion)",
                         found, supported));
  fail("", fmt::format("schema \"{}\" is not an illusion run file; {}", found, supported));
}

// Absent in files written before the behaviours were probed: then unknown, as a probe that
// could not decide.
void read_fact(const Json& obj, const char* key, const std::string& where,
               core::BehaviourFact& out) {
  const Json* f = optional_field(obj, key);
  if (!f) return;
  const std::string at = child(where, key);
  const Json& j = as_object(*f, at);
  if (const Json* value = optional_field(j, "value"); value && !value->is_null())
    out.value = flag(*value, child(at, "value"));
  read_text(j, "evidence", at, out.evidence);
}

// A string that is null when unknown: "" then.
void read_text_or_null(const Json& obj, const char* key, const std::string& where,
                       std::string& out) {
  if (const Json* v = optional_field(obj, key); v && !v->is_null())
    out = text(*v, child(where, key));
}

// Absent in files written before the disk was described: then unknown.
void read_scratch_disk(const Json& obj, const std::string& where, core::ScratchDisk& out) {
  const Json* d = optional_field(obj, "scratch_disk");
  if (!d) return;
  const std::string at = child(where, "scratch_disk");
  const Json& j = as_object(*d, at);
  read_text(j, "dir", at, out.dir);
  read_text_or_null(j, "mount_point", at, out.mount_point);
  read_text_or_null(j, "filesystem", at, out.filesystem);
  read_text_or_null(j, "disk", at, out.disk);
  read_text_or_null(j, "driver", at, out.driver);
  if (const Json* r = optional_field(j, "rotational"); r && !r->is_null())
    out.rotational = flag(*r, child(at, "rotational"));
  read_fact(j, "virtual", at, out.virtual_disk);
  read_flag(j, "may_be_virtual", at, out.may_be_virtual);
}

core::EnvInfo read_env(const Json& v, const std::string& where) {
  const Json& j = as_object(v, where);
  core::EnvInfo e;
  read_text(j, "kernel", where, e.kernel);
  read_text(j, "cpu_model", where, e.cpu_model);
  read_count(j, "online_cpus", where, e.online_cpus);
  read_count(j, "allowed_cpus", where, e.allowed_cpus);
  if (const Json* limit = optional_field(j, "cgroup_cpu_limit")) {
    const double cpus = number_or_null(*limit, child(where, "cgroup_cpu_limit"));
    if (!std::isnan(cpus)) e.cgroup_cpu_limit = cpus;
  }
  read_optional_count(j, "cgroup_memory_max_bytes", where, e.cgroup_memory_max);
  read_optional_count(j, "cgroup_pids_max", where, e.cgroup_pids_max);
  read_flag(j, "virtualized", where, e.virtualized);
  read_text(j, "hypervisor", where, e.hypervisor);
  read_text_or_null(j, "hypervisor_source", where, e.hypervisor_source);
  if (const Json* name = optional_field(j, "hypervisor_kernel_name"); name && !name->is_null())
    e.hypervisor_kernel_name = text(*name, child(where, "hypervisor_kernel_name"));
  read_text(j, "hypervisor_kernel_note", where, e.hypervisor_kernel_note);
  read_text(j, "clocksource", where, e.clocksource);
  read_flag(j, "invariant_tsc", where, e.invariant_tsc);
  if (const Json* t = optional_field(j, "kernel_trusts_tsc"); t && !t->is_null())
    e.kernel_trusts_tsc = flag(*t, child(where, "kernel_trusts_tsc"));
  if (const Json* m = optional_field(j, "mitigations")) {
    const std::string at = child(where, "mitigations");
    for (const auto& [name, value] : as_object(*m, at).items())
      e.mitigations.emplace_back(name, text(value, key_path(at, name)));
  }
  read_text(j, "thp_enabled", where, e.thp_enabled);
  read_count(j, "mem_total_bytes", where, e.mem_total_bytes);
  read_count(j, "mem_available_bytes", where, e.mem_available_bytes);
  read_count(j, "swap_total_bytes", where, e.swap_total_bytes);
  read_count(j, "page_size_bytes", where, e.page_size_bytes);
  read_count(j, "huge_page_size_bytes", where, e.huge_page_size_bytes);
  read_optional_count(j, "perf_event_paranoid", where, e.perf_event_paranoid);
  read_flag(j, "pmu_available", where, e.pmu_available);
  read_flag(j, "is_root", where, e.is_root);
  read_flag(j, "cap_sys_nice", where, e.cap_sys_nice);
  read_flag(j, "cap_perfmon", where, e.cap_perfmon);
  read_fact(j, "zero_page_on_read", where, e.zero_page_on_read);
  read_fact(j, "remote_tlb_flush_ipis", where, e.remote_tlb_flush_ipis);
  read_fact(j, "clock_in_user_space", where, e.clock_in_user_space);
  read_fact(j, "concurrent_run", where, e.concurrent_run);
  read_scratch_disk(j, where, e.scratch_disk);
  if (const Json* c = optional_field(j, "caveats"))
    e.caveats = strings(*c, child(where, "caveats"));
  return e;
}

core::ClockInfo read_clock(const Json& v, const std::string& where) {
  const Json& j = as_object(v, where);
  core::ClockInfo c;
  read_text(j, "source", where, c.source);
  read_flag(j, "invariant_tsc", where, c.invariant_tsc);
  read_number(j, "ticks_per_ns", where, c.ticks_per_ns);
  read_number(j, "overhead_ns", where, c.overhead_ns);
  read_number(j, "resolution_ns", where, c.resolution_ns);
  return c;
}

std::optional<core::Stats> read_stats(const Json& v, const std::string& where) {
  if (v.is_null()) return std::nullopt;  // skipped or failed: nothing was sampled
  const Json& j = as_object(v, where);
  core::Stats s;
  s.n = whole<std::size_t>(required_field(j, "n", where), child(where, "n"));
  const std::pair<const char*, double*> fields[] = {
      {"min", &s.min}, {"p50", &s.p50},   {"p90", &s.p90},       {"p99", &s.p99}, {"p999", &s.p999},
      {"max", &s.max}, {"mean", &s.mean}, {"stddev", &s.stddev}, {"cv", &s.cv}};
  for (const auto& [key, out] : fields)
    *out = number_or_null(required_field(j, key, where), child(where, key));
  s.outliers = whole<std::size_t>(required_field(j, "outliers", where), child(where, "outliers"));
  // The median's interval: absent in older files, null for fewer than 10 samples.
  for (const auto& [key, out] : {std::pair{"median_lo", &s.median_lo}, {"median_hi", &s.median_hi}})
    if (const Json* field = optional_field(j, key); field && !field->is_null())
      *out = number_or_null(*field, child(where, key));
  return s;
}

// Files written before ops_per_sample existed say it only in params.batch: a batched row read
// from them must not have its batch-mean percentiles shown as an operation's.
void read_ops_per_sample(const Json& j, const std::string& where, core::Result& r) {
  double k = 1;
  if (const Json* v = optional_field(j, "ops_per_sample")) {
    k = number_or_null(*v, child(where, "ops_per_sample"));
  } else {
    for (const core::Param& p : r.params)
      if (p.name == "batch" && std::holds_alternative<double>(p.value))
        k = std::get<double>(p.value);
  }
  std::string note;
  read_text(j, "op_tail_note", where, note);
  core::set_ops_per_sample(r, k, note);
  if (const Json* t = optional_field(j, "op_tail")) {
    r.op_tail = read_stats(*t, child(where, "op_tail"));
    if (r.op_tail) r.op_tail_note.clear();
  }
}

core::Status read_status(const Json& v, const std::string& where) {
  const std::string s = text(v, where);
  if (s == "ok") return core::Status::ok;
  if (s == "skipped") return core::Status::skipped;
  if (s == "failed") return core::Status::failed;
  fail(where, fmt::format("unknown status \"{}\" (expected \"ok\", \"skipped\" or \"failed\")", s));
}

void read_params(const Json& v, const std::string& where, core::Result& r) {
  for (const auto& [name, value] : as_object(v, where).items()) {
    const std::string at = key_path(where, name);
    if (value.is_string()) {
      r.add_param(name, text(value, at));
    } else if (value.is_number() || value.is_null()) {
      r.add_param(name, number_or_null(value, at));
    } else {
      wrong_type(value, at, "a number, a string or null");
    }
  }
}

void read_metrics(const Json& v, const std::string& where, core::Result& r) {
  for (const auto& [name, value] : as_object(v, where).items()) {
    const std::string at = key_path(where, name);
    // The design's first sketch wrote a bare number; the schema writes {value, unit}.
    if (value.is_number() || value.is_null()) {
      r.add_metric(name, number_or_null(value, at), "");
      continue;
    }
    const Json& m = as_object(value, at);
    std::string unit;
    read_text(m, "unit", at, unit);
    r.add_metric(name, number_or_null(required_field(m, "value", at), child(at, "value")), unit);
  }
}

core::Series read_series(const Json& v, const std::string& where) {
  const Json& j = as_object(v, where);
  core::Series s;
  s.name = text(required_field(j, "name", where), child(where, "name"));
  read_text(j, "x_unit", where, s.x_unit);
  read_text(j, "y_unit", where, s.y_unit);
  const std::string at = child(where, "points");
  const Json& points = as_array(required_field(j, "points", where), at);
  for (std::size_t i = 0; i < points.size(); ++i) {
    const std::string pt = element(at, i);
    // Described, not dumped: dump() recurses, and a hostile file nests deep enough to
    // overflow the stack (and long enough to flood the terminal).
    if (!points[i].is_array())
      fail(pt, fmt::format("expected a pair [x, y], found {}", core::json_type_words(points[i])));
    if (points[i].size() != 2)
      fail(pt, fmt::format("expected a pair [x, y], found an array of {}", points[i].size()));
    s.points.emplace_back(number_or_null(points[i][0], pt + "[0]"),
                          number_or_null(points[i][1], pt + "[1]"));
  }
  return s;
}

core::Result read_experiment(const Json& v, const std::string& where) {
  const Json& j = as_object(v, where);
  core::Result r;
  auto required_text = [&](const char* key) {
    return text(required_field(j, key, where), child(where, key));
  };
  r.id = required_text("id");
  r.lab = required_text("lab");
  r.title = required_text("title");
  r.unit = required_text("unit");
  r.status = read_status(required_field(j, "status", where), child(where, "status"));
  read_text(j, "reason", where, r.reason);
  if (const Json* p = optional_field(j, "params")) read_params(*p, child(where, "params"), r);
  r.stats = read_stats(required_field(j, "stats", where), child(where, "stats"));
  read_ops_per_sample(j, where, r);
  if (const Json* c = optional_field(j, "counters")) {
    const std::string at = child(where, "counters");
    for (const auto& [name, value] : as_object(*c, at).items()) {
      const double per_op = number_or_null(value, key_path(at, name));
      r.counters.push_back({name, value.is_null() ? std::nullopt : std::optional(per_op)});
    }
  }
  if (const Json* m = optional_field(j, "metrics")) read_metrics(*m, child(where, "metrics"), r);
  if (const Json* s = optional_field(j, "series")) {
    const std::string at = child(where, "series");
    const Json& arr = as_array(*s, at);
    for (std::size_t i = 0; i < arr.size(); ++i)
      r.series.push_back(read_series(arr[i], element(at, i)));
  }
  if (const Json* w = optional_field(j, "warnings"))
    r.warnings = strings(*w, child(where, "warnings"));
  read_text(j, "meaning", where, r.meaning);
  read_number(j, "wall_s", where, r.wall_s);
  return r;
}

Insight read_insight(const Json& v, const std::string& where) {
  const Json& j = as_object(v, where);
  Insight in;
  in.id = text(required_field(j, "id", where), child(where, "id"));
  in.text = text(required_field(j, "text", where), child(where, "text"));
  if (const Json* values = optional_field(j, "values")) {
    const std::string at = child(where, "values");
    for (const auto& [name, value] : as_object(*values, at).items())
      in.values.emplace_back(name, number_or_null(value, key_path(at, name)));
  }
  return in;
}

RunRecord read_record(const Json& doc) {
  if (!doc.is_object())
    fail("", fmt::format("not an illusion run file: expected a JSON object at the top level, "
                         "found {}",
                         core::json_type_words(doc)));
  check_schema(doc);
  RunRecord rec;
  const Json& tool = as_object(required_field(doc, "tool", ""), "tool");
  rec.tool_version = text(required_field(tool, "version", "tool"), "tool.version");
  rec.profile = text(required_field(doc, "profile", ""), "profile");
  rec.complete = flag(required_field(doc, "complete", ""), "complete");
  rec.started_at = text(required_field(doc, "started_at", ""), "started_at");
  rec.duration_s = number_or_null(required_field(doc, "duration_s", ""), "duration_s");
  if (const Json* s = optional_field(doc, "selection")) rec.selection = strings(*s, "selection");
  read_text(doc, "pinned_cpu", "", rec.pinned_cpu);
  rec.env = read_env(required_field(doc, "env", ""), "env");
  if (const Json* c = optional_field(doc, "clock")) rec.clock = read_clock(*c, "clock");
  if (const Json* labs = optional_field(doc, "labs")) {
    const Json& arr = as_array(*labs, "labs");
    for (std::size_t i = 0; i < arr.size(); ++i) {
      const std::string at = element("labs", i);
      const Json& lab = as_object(arr[i], at);
      LabInfo info;
      info.id = text(required_field(lab, "id", at), child(at, "id"));
      read_text(lab, "title", at, info.title);
      read_text(lab, "question", at, info.question);
      rec.labs.push_back(std::move(info));
    }
  }
  const Json& experiments = as_array(required_field(doc, "experiments", ""), "experiments");
  std::set<std::string> ids;
  for (std::size_t i = 0; i < experiments.size(); ++i) {
    const std::string at = element("experiments", i);
    core::Result r = read_experiment(experiments[i], at);
    // Reports and compare look results up by id; a duplicate would hide one of them.
    if (!ids.insert(r.id).second) fail(child(at, "id"), fmt::format("duplicate id \"{}\"", r.id));
    rec.results.push_back(std::move(r));
  }
  if (const Json* insights = optional_field(doc, "insights")) {
    const Json& arr = as_array(*insights, "insights");
    for (std::size_t i = 0; i < arr.size(); ++i)
      rec.insights.push_back(read_insight(arr[i], element("insights", i)));
  }
  // "budgets" is derived from the experiments and recomputed on write: not read.
  return rec;
}

}  // namespace

RunRecord run_from_json(const nlohmann::ordered_json& doc) {
  try {
    return read_record(doc);
  } catch (const core::UsageError& e) {
    throw core::UsageError(std::string("run file: ") + e.what());
  }
}

RunRecord read_run_file(const std::string& path) {
  // Not regular_only: a process substitution or /dev/stdin is a fine run file.
  const std::string data = core::read_input_file(
      path, {"run file", "'illusion run --json'", kMaxRunFileBytes, /*regular_only=*/false});
  const bool blank = std::all_of(
      data.begin(), data.end(), [](char c) { return std::isspace(static_cast<unsigned char>(c)); });
  if (blank)
    fail(path, fmt::format("the file is empty; expected an illusion run file (\"{}\") as written "
                           "by 'illusion run --json'",
                           kSchema));
  // The limits (run_file_limits.h) keep a hostile file from exhausting the stack, the memory or
  // the user's patience.
  const Json doc =
      parse_json_text(path, data, {kMaxRunFileDepth, kRunFileDepth, "a run file"}, run_file_caps());
  try {
    return read_record(doc);
  } catch (const core::UsageError& e) {
    throw core::UsageError(path + ": " + e.what());
  }
}

}  // namespace illusion::report
