// Writing the run file. Field names and order follow docs/json_schema.md; scripts key on them.
#include "report/json.h"

#include <cmath>
#include <cstdint>
#include <string_view>
#include <unordered_map>
#include <variant>

#include "report/budget.h"

namespace illusion::report {
namespace {

using Json = nlohmann::ordered_json;

// nlohmann would write NaN and inf as null anyway, but only at dump time and silently; doing
// it here keeps the in-memory document equal to what a reader gets back.
Json number(double v) {
  return std::isfinite(v) ? Json(v) : Json(nullptr);
}

Json number(const std::optional<double>& v) {
  return v ? number(*v) : Json(nullptr);
}

// Counts the environment could not read are stored as 0 in EnvInfo; in the file they are
// null, so no script mistakes "unknown" for "none".
template <class Int>
Json known_count(Int v) {
  return v == 0 ? Json(nullptr) : Json(v);
}

template <class Int>
Json optional_count(const std::optional<Int>& v) {
  return v ? Json(*v) : Json(nullptr);
}

// Counts held in doubles (batch, samples, sizes, calls that fit) are written as integers when
// they are whole, so "batch": 1000 reads like the skeleton rather than 1000.0.
Json whole_if_exact(double v) {
  constexpr double kExactInt = 9007199254740992.0;  // 2^53: every integer below is exact
  if (std::isfinite(v) && std::floor(v) == v && std::fabs(v) < kExactInt)
    return static_cast<std::int64_t>(v);
  return number(v);
}

Json param_value(const std::variant<double, std::string>& value) {
  if (const auto* text = std::get_if<std::string>(&value)) return *text;
  return whole_if_exact(std::get<double>(value));
}

const char* status_name(core::Status s) {
  switch (s) {
    case core::Status::skipped:
      return "skipped";
    case core::Status::failed:
      return "failed";
    case core::Status::ok:
      break;
  }
  return "ok";
}

// {"value": true | false | null, "evidence": "..."}: null when the probe could not decide.
Json fact_json(const core::BehaviourFact& f) {
  Json j = Json::object();
  j["value"] = f.value ? Json(*f.value) : Json(nullptr);
  j["evidence"] = f.evidence;
  return j;
}

Json text_or_null(const std::string& s) {
  return s.empty() ? Json(nullptr) : Json(s);
}

Json scratch_disk_json(const core::ScratchDisk& d) {
  Json j = Json::object();
  j["dir"] = d.dir;
  j["mount_point"] = text_or_null(d.mount_point);
  j["filesystem"] = text_or_null(d.filesystem);
  j["disk"] = text_or_null(d.disk);
  j["driver"] = text_or_null(d.driver);
  j["rotational"] = d.rotational ? Json(*d.rotational) : Json(nullptr);
  j["virtual"] = fact_json(d.virtual_disk);
  j["may_be_virtual"] = d.may_be_virtual;
  return j;
}

Json env_json(const core::EnvInfo& e) {
  Json j = Json::object();
  j["kernel"] = e.kernel;
  j["cpu_model"] = e.cpu_model;
  j["online_cpus"] = known_count(e.online_cpus);
  j["allowed_cpus"] = known_count(e.allowed_cpus);
  j["cgroup_cpu_limit"] = number(e.cgroup_cpu_limit);
  j["cgroup_memory_max_bytes"] = optional_count(e.cgroup_memory_max);
  j["cgroup_pids_max"] = optional_count(e.cgroup_pids_max);
  j["virtualized"] = e.virtualized;
  j["hypervisor"] = e.hypervisor;
  j["hypervisor_source"] = text_or_null(e.hypervisor_source);
  j["hypervisor_kernel_name"] =
      e.hypervisor_kernel_name.empty() ? Json(nullptr) : Json(e.hypervisor_kernel_name);
  j["hypervisor_kernel_note"] = e.hypervisor_kernel_note;
  j["clocksource"] = e.clocksource;
  j["invariant_tsc"] = e.invariant_tsc;
  j["kernel_trusts_tsc"] = e.kernel_trusts_tsc ? Json(*e.kernel_trusts_tsc) : Json(nullptr);
  Json mitigations = Json::object();
  for (const auto& [name, text] : e.mitigations) mitigations[name] = text;
  j["mitigations"] = std::move(mitigations);
  j["thp_enabled"] = e.thp_enabled;
  j["mem_total_bytes"] = known_count(e.mem_total_bytes);
  j["mem_available_bytes"] = known_count(e.mem_available_bytes);
  j["swap_total_bytes"] = e.swap_total_bytes;  // 0 is a real answer: no swap
  j["page_size_bytes"] = known_count(e.page_size_bytes);
  j["huge_page_size_bytes"] = known_count(e.huge_page_size_bytes);
  j["perf_event_paranoid"] = optional_count(e.perf_event_paranoid);
  j["pmu_available"] = e.pmu_available;
  j["is_root"] = e.is_root;
  j["cap_sys_nice"] = e.cap_sys_nice;
  j["cap_perfmon"] = e.cap_perfmon;
  j["zero_page_on_read"] = fact_json(e.zero_page_on_read);
  j["remote_tlb_flush_ipis"] = fact_json(e.remote_tlb_flush_ipis);
  j["clock_in_user_space"] = fact_json(e.clock_in_user_space);
  j["concurrent_run"] = fact_json(e.concurrent_run);
  j["scratch_disk"] = scratch_disk_json(e.scratch_disk);
  j["caveats"] = e.caveats;
  return j;
}

Json clock_json(const core::ClockInfo& c) {
  Json j = Json::object();
  j["source"] = c.source;
  j["invariant_tsc"] = c.invariant_tsc;
  j["ticks_per_ns"] = number(c.ticks_per_ns);
  j["overhead_ns"] = number(c.overhead_ns);
  j["resolution_ns"] = number(c.resolution_ns);
  return j;
}

Json stats_json(const std::optional<core::Stats>& s) {
  if (!s) return nullptr;
  Json j = Json::object();
  j["n"] = s->n;
  j["min"] = number(s->min);
  j["p50"] = number(s->p50);
  j["p90"] = number(s->p90);
  j["p99"] = number(s->p99);
  j["p999"] = number(s->p999);
  j["max"] = number(s->max);
  j["mean"] = number(s->mean);
  j["stddev"] = number(s->stddev);
  j["cv"] = number(s->cv);
  j["outliers"] = s->outliers;
  j["median_lo"] = s->median_lo ? number(*s->median_lo) : Json(nullptr);
  j["median_hi"] = s->median_hi ? number(*s->median_hi) : Json(nullptr);
  return j;
}

// An object built key by key as `obj[name] = value` would build it (a repeated name keeps its
// first place and its last value), but through a hash index: ordered_json's operator[] compares
// each new key with every key before it, and a run file read back may hold hundreds of keys per
// object in thousands of rows (report/run_file_limits.h), which made `report --json` take
// seconds. The names must outlive the builder.
class ObjectBuilder {
 public:
  void set(const std::string& name, Json value) {
    const auto [it, fresh] = index_.emplace(name, members_.size());
    if (fresh) {
      members_.emplace_back(name, std::move(value));
    } else {
      members_[it->second].second = std::move(value);
    }
  }
  Json take() {
    Json j = Json::object();
    static_cast<Members&>(j.get_ref<Json::object_t&>()) = std::move(members_);
    return j;
  }

 private:
  using Members = Json::object_t::Container;  // ordered_json's object is a vector of pairs
  Members members_;
  std::unordered_map<std::string_view, std::size_t> index_;
};

Json experiment_json(const core::Result& r) {
  Json j = Json::object();
  j["id"] = r.id;
  j["lab"] = r.lab;
  j["title"] = r.title;
  j["unit"] = r.unit;
  j["status"] = status_name(r.status);
  j["reason"] = r.reason;
  ObjectBuilder params;
  for (const core::Param& p : r.params) params.set(p.name, param_value(p.value));
  j["params"] = params.take();
  j["stats"] = stats_json(r.stats);
  j["ops_per_sample"] = number(r.ops_per_sample);
  j["op_tail"] = stats_json(r.op_tail);
  j["op_tail_note"] = r.op_tail_note;
  ObjectBuilder counters;
  for (const core::CounterValue& c : r.counters) counters.set(c.name, number(c.per_op));
  j["counters"] = counters.take();
  ObjectBuilder metrics;
  for (const core::Metric& m : r.metrics)
    metrics.set(m.name, Json{{"value", number(m.value)}, {"unit", m.unit}});
  j["metrics"] = metrics.take();
  Json series = Json::array();
  for (const core::Series& s : r.series) {
    Json points = Json::array();
    for (const auto& [x, y] : s.points) points.push_back(Json::array({number(x), number(y)}));
    series.push_back(
        Json{{"name", s.name}, {"x_unit", s.x_unit}, {"y_unit", s.y_unit}, {"points", points}});
  }
  j["series"] = std::move(series);
  j["warnings"] = r.warnings;
  j["meaning"] = r.meaning;
  j["wall_s"] = number(r.wall_s);
  return j;
}

Json budgets_json(const std::vector<core::Result>& results) {
  Json rows = Json::array();
  for (const BudgetRow& row : syscall_budget(results)) {
    Json cells = Json::array();
    for (const BudgetCell& c : row.cells) {
      cells.push_back(Json{{"hz", number(c.hz)},
                           {"period_ns", number(c.period_ns)},
                           {"fit_1pct_p50", whole_if_exact(c.fit_1pct_p50)},
                           {"fit_1pct_p99", whole_if_exact(c.fit_1pct_p99)},
                           {"fit_period_p50", whole_if_exact(c.fit_period_p50)},
                           {"fit_period_p99", whole_if_exact(c.fit_period_p99)}});
    }
    rows.push_back(Json{{"id", row.id},
                        {"title", row.title},
                        {"p50_ns", number(row.p50_ns)},
                        {"p99_ns", number(row.p99_ns)},
                        {"cells", std::move(cells)}});
  }
  return Json{{"syscalls", std::move(rows)}};
}

}  // namespace

nlohmann::ordered_json env_to_json(const core::EnvInfo& env) {
  return env_json(env);
}
nlohmann::ordered_json clock_to_json(const core::ClockInfo& clock) {
  return clock_json(clock);
}

nlohmann::ordered_json to_json(const RunRecord& record) {
  Json j = Json::object();
  j["schema"] = kSchema;
  j["tool"] = Json{{"name", "illusion"}, {"version", record.tool_version}};
  j["profile"] = record.profile;
  j["complete"] = record.complete;
  j["started_at"] = record.started_at;
  j["duration_s"] = number(record.duration_s);
  j["selection"] = record.selection;
  j["pinned_cpu"] = record.pinned_cpu;
  j["env"] = env_json(record.env);
  j["clock"] = clock_json(record.clock);
  // Where the run's seconds went: each lab's rows' wall time (each row has its own wall_s).
  Json labs = Json::array();
  for (const LabInfo& lab : record.labs) {
    double wall = 0;
    for (const core::Result& r : record.results)
      if (r.lab == lab.id) wall += r.wall_s;
    labs.push_back(Json{{"id", lab.id},
                        {"title", lab.title},
                        {"question", lab.question},
                        {"wall_s", number(wall)}});
  }
  j["labs"] = std::move(labs);
  Json experiments = Json::array();
  for (const core::Result& r : record.results) experiments.push_back(experiment_json(r));
  j["experiments"] = std::move(experiments);
  Json insights = Json::array();
  for (const Insight& in : record.insights) {
    Json values = Json::object();
    for (const auto& [name, v] : in.values) values[name] = number(v);
    insights.push_back(Json{{"id", in.id}, {"text", in.text}, {"values", std::move(values)}});
  }
  j["insights"] = std::move(insights);
  j["budgets"] = budgets_json(record.results);
  return j;
}

}  // namespace illusion::report
