// The cells and lines both reports share (see cells.h).
#include "report/cells.h"

#include <fmt/format.h>

#include <cctype>
#include <cmath>
#include <limits>
#include <map>
#include <optional>
#include <utility>

#include "core/counters.h"
#include "core/format.h"

namespace illusion::report {

std::string short_id(const core::Result& r) {
  const std::string prefix = r.lab + ".";
  return r.id.rfind(prefix, 0) == 0 ? r.id.substr(prefix.size()) : r.id;
}

std::optional<double> per_op(const core::Result& r, const std::string& name) {
  const core::CounterValue* c = r.counter(name);
  if (!c || !c->per_op || !std::isfinite(*c->per_op)) return std::nullopt;
  return c->per_op;
}

CounterCell faults_cell(const core::Result& r) {
  // The labs' rule (perf unless getrusage saw clearly more), so the column and their figures
  // agree.
  const std::optional<core::FaultsPerOp> f = core::faults_per_op(r);
  if (!f) return {};
  return {core::format_count(f->value) + (f->from_rusage ? "*" : ""), f->from_rusage};
}

CounterCell switches_cell(const core::Result& r) {
  if (const auto v = per_op(r, "context_switches")) return {core::format_count(*v), false};
  const auto voluntary = per_op(r, "rusage_voluntary_switches");
  const auto involuntary = per_op(r, "rusage_involuntary_switches");
  if (voluntary && involuntary) return {core::format_count(*voluntary + *involuntary) + "*", true};
  return {};
}

std::string status_text(const core::Result& r) {
  switch (r.status) {
    case core::Status::skipped:
      return "skipped: " + r.reason;
    case core::Status::failed:
      return "FAILED: " + r.reason;
    case core::Status::ok:
      break;
  }
  return r.meaning;
}

std::optional<double> throughput(const core::Result& r) {
  const core::Metric* m = r.metric("throughput_gbps");
  if (r.status != core::Status::ok || !m || !std::isfinite(m->value)) return std::nullopt;
  return m->value;
}

TableColumns table_columns(const std::vector<const core::Result*>& results) {
  TableColumns c;
  for (const core::Result* r : results) {
    c.throughput = c.throughput || throughput(*r);
    c.faults = c.faults || faults_cell(*r).text != core::kMissing;
    c.switches = c.switches || switches_cell(*r).text != core::kMissing;
    c.syscalls = c.syscalls || per_op(*r, "syscalls");
  }
  return c;
}

bool tail_supported(std::size_t n, double q) {
  // n * (1 - q) >= 1, with a little slack for 1 - 0.99 not being exactly 0.01 in binary.
  return static_cast<double>(n) * (1 - q) >= 1 - 1e-9;
}

std::vector<std::string> lab_table_headers(const TableColumns& columns) {
  std::vector<std::string> h{"experiment", "p50", "p99", "max"};
  if (columns.throughput) h.emplace_back("GB/s");
  if (columns.faults) h.emplace_back("faults");
  if (columns.switches) h.emplace_back("ctx-sw");
  if (columns.syscalls) h.emplace_back("syscalls");
  return h;
}

RowCells lab_table_row(const core::Result& r, const TableColumns& columns) {
  constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
  RowCells row;
  row.cells.push_back(short_id(r));
  const bool sampled = r.status == core::Status::ok && r.stats;
  // p99 and max are an operation's or nothing: a batched row without single-operation samples
  // shows "—" there (its batch-mean percentiles stay in the JSON, labelled).
  const core::Stats* ops = sampled ? core::per_op_stats(r) : nullptr;
  row.no_op_tail = sampled && !ops;
  for (double v : {sampled ? r.stats->p50 : kNaN, ops ? ops->p99 : kNaN, ops ? ops->max : kNaN})
    row.cells.push_back(core::format_value(v, r.unit));
  if (ops && !tail_supported(ops->n, 0.99)) {
    row.thin_tail = true;
    row.cells[2] += kThinTailMark;
  }
  if (sampled) {
    const auto half = core::median_relative_half_width(*r.stats);
    row.loose_median = !half || *half > core::kFirmMedian;
    if (row.loose_median) row.cells[1] += kLooseMedianMark;
  }
  if (columns.throughput) {
    const auto gbps = throughput(r);
    row.cells.push_back(gbps ? core::format_sig3(*gbps) : core::kMissing);
  }
  const CounterCell faults = faults_cell(r), switches = switches_cell(r);
  if (columns.faults) {
    row.cells.push_back(faults.text);
    row.from_rusage = row.from_rusage || faults.from_rusage;
  }
  if (columns.switches) {
    row.cells.push_back(switches.text);
    row.from_rusage = row.from_rusage || switches.from_rusage;
  }
  if (columns.syscalls) {
    const auto syscalls = per_op(r, "syscalls");
    row.cells.push_back(syscalls ? core::format_count(*syscalls) : core::kMissing);
  }
  return row;
}

std::string lab_table_note(const std::vector<RowCells>& rows, const TableColumns& columns,
                           bool marks_in_legend) {
  bool any_rusage = false, any_no_tail = false, any_loose = false, any_thin = false;
  for (const RowCells& row : rows) {
    any_thin = any_thin || row.thin_tail;
    any_rusage = any_rusage || row.from_rusage;
    any_no_tail = any_no_tail || row.no_op_tail;
    any_loose = any_loose || row.loose_median;
  }
  std::string note = "Counters are per op";
  if (marks_in_legend) any_rusage = any_no_tail = any_loose = any_thin = false;
  if (any_rusage)
    note +=
        "; * from getrusage(2): perf was unavailable or saw fewer (faults the kernel takes "
        "for itself raise no perf event)";
  if (any_no_tail)
    note += "; p99/max " + std::string(core::kMissing) +
            ": the operation is too short to time alone, so it was timed in "
            "batches and only batch means were measured, which hide a slow single call (their "
            "percentiles are in the JSON, ops_per_sample and op_tail_note say so)";
  if (any_loose)
    note += fmt::format(
        "; {} after a p50: its 95% interval (order statistics of the samples) is wider than "
        "±{:.0f}% of it, or there were too few samples for one, so that median is not firm (the "
        "interval is in the JSON as median_lo/median_hi)",
        kLooseMedianMark, core::kFirmMedian * 100);
  if (any_thin)
    note += fmt::format(
        "; {} after a p99: fewer than 100 single-operation samples, so it is (close to) their "
        "largest, not a measured 1-in-100 tail",
        kThinTailMark);
  std::vector<std::string> absent;
  if (!columns.faults) absent.emplace_back("faults");
  if (!columns.switches) absent.emplace_back("context switches");
  if (!columns.syscalls) absent.emplace_back("syscalls");
  if (!absent.empty())
    note += fmt::format("; no row counted {}, so {} left out (each row's warnings say why)",
                        fmt::join(absent, " or "),
                        absent.size() == 1 ? "that column is" : "those columns are");
  return note + ".";
}

std::vector<LabInfo> labs_to_show(const RunRecord& record) {
  std::vector<LabInfo> labs = record.labs;
  for (const core::Result& r : record.results) {
    bool known = false;
    for (const LabInfo& lab : labs) known = known || lab.id == r.lab;
    if (!known) labs.push_back({r.lab, "", ""});
  }
  return labs;
}

namespace {

// "cycles: unavailable (no PMU …)" → {"cycles", " unavailable (no PMU …)"}; nullopt for any other
// warning. core::counter_window words a counter that could not be opened this way.
std::optional<std::pair<std::string, std::string>> counter_and_rest(const std::string& w) {
  const auto colon = w.find(": unavailable (");
  if (colon == std::string::npos || colon == 0) return std::nullopt;
  for (std::size_t i = 0; i < colon; ++i)
    if (!std::islower(static_cast<unsigned char>(w[i])) && w[i] != '_') return std::nullopt;
  return std::make_pair(w.substr(0, colon), w.substr(colon + 1));
}

// Counters unavailable for one reason, on the same rows, are one line: "cycles, instructions,
// cache_misses: unavailable (no PMU …)" instead of a line each.
std::vector<WarningLine> merge_unavailable_counters(const std::vector<WarningLine>& lines) {
  std::vector<WarningLine> out;
  std::map<std::pair<std::string, std::string>, std::size_t> merged;  // (rest, from) → index
  for (const WarningLine& w : lines) {
    const auto parts = counter_and_rest(w.text);
    if (!parts) {
      out.push_back(w);
      continue;
    }
    const auto key = std::make_pair(parts->second, w.from);
    if (const auto it = merged.find(key); it != merged.end()) {
      WarningLine& first = out[it->second];
      first.text.insert(first.text.find(": unavailable ("), ", " + parts->first);
      first.sources.push_back(w.text);
      continue;
    }
    merged[key] = out.size();
    out.push_back(w);
  }
  return out;
}

}  // namespace

std::vector<WarningLine> deduplicated_warnings(const std::vector<core::Result>& results) {
  std::vector<std::string> order;
  std::map<std::string, std::vector<std::string>> where;
  for (const core::Result& r : results) {
    for (const std::string& w : r.warnings) {
      auto& ids = where[w];
      if (ids.empty()) order.push_back(w);
      if (ids.empty() || ids.back() != r.id) ids.push_back(r.id);
    }
  }
  std::vector<WarningLine> lines;
  for (const std::string& w : order) {
    const auto& ids = where[w];
    std::string from;
    if (ids.size() == results.size() && ids.size() > 1) {
      from = "every experiment";
    } else {
      constexpr std::size_t kShown = 3;
      for (std::size_t i = 0; i < ids.size() && i < kShown; ++i) from += (i ? ", " : "") + ids[i];
      if (ids.size() > kShown) from += fmt::format(" and {} more", ids.size() - kShown);
    }
    lines.push_back({w, from, ids.size(), {w}});
  }
  return merge_unavailable_counters(lines);
}

std::vector<std::string> run_header_parts(const RunRecord& record) {
  return {"illusion " + record.tool_version, "profile " + record.profile,
          record.started_at.empty() ? "start time unknown" : record.started_at,
          std::isfinite(record.duration_s) ? fmt::format("{:.1f} s", record.duration_s)
                                           : std::string(core::kMissing)};
}

std::vector<std::string> machine_parts(const RunRecord& record) {
  const core::EnvInfo& e = record.env;
  std::vector<std::string> parts{e.kernel.empty() ? "kernel unknown" : "Linux " + e.kernel};
  if (!e.cpu_model.empty()) parts.push_back(e.cpu_model);
  if (e.online_cpus > 0) parts.push_back(fmt::format("{} CPUs", e.online_cpus));
  if (e.virtualized) {
    const std::string name = core::hypervisor_display_name(e);
    parts.push_back(name.empty() ? "VM" : "VM under " + name);
  }
  if (!record.clock.source.empty())
    // illusion's own timer, not the kernel's clocksource (a caveat may name that one).
    parts.push_back(fmt::format("illusion's timer {} ({} per reading)", record.clock.source,
                                core::format_ns(record.clock.overhead_ns)));
  if (!record.pinned_cpu.empty()) parts.push_back("pinned to CPU " + record.pinned_cpu);
  return parts;
}

}  // namespace illusion::report
