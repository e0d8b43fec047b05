// `illusion run` on the terminal: the lab tables, budgets, warnings and commentary.
#include "report/console.h"

#include <fmt/format.h>

#include <cmath>
#include <limits>
#include <map>
#include <optional>

#include "report/budget.h"
#include "report/format.h"
#include "report/text_table.h"

namespace illusion::report {
namespace {

constexpr std::size_t kLineWidth = 118;
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

std::string short_id(const core::Result& r) {
  const std::string prefix = r.lab + ".";
  return r.id.rfind(prefix, 0) == 0 ? r.id.substr(prefix.size()) : r.id;
}

std::optional<double> per_op(const core::Result& r, const std::string& name) {
  const core::CounterValue* c = r.counter(name);
  if (!c || !c->per_op || !std::isfinite(*c->per_op)) return std::nullopt;
  return c->per_op;
}

// A counter cell: the perf event when it could be opened, else getrusage(2)'s count of the
// same thing marked "*", else "—". Unavailable is never shown as 0.
struct CounterCell {
  std::string text = kMissing;
  bool from_rusage = false;
};

CounterCell faults_cell(const core::Result& r) {
  const auto perf = per_op(r, "page_faults");
  const auto minor = per_op(r, "rusage_minor_faults");
  const auto major = per_op(r, "rusage_major_faults");
  const std::optional<double> rusage =
      minor ? std::optional<double>(*minor + major.value_or(0)) : std::nullopt;
  // Faults the kernel takes on its own behalf (MAP_POPULATE, mlock, get_user_pages) raise no
  // perf event but count in getrusage: when perf saw clearly fewer, getrusage is the truth.
  const bool perf_missed = perf && rusage && *rusage > *perf + 0.5 && *rusage > 1.1 * *perf;
  if (perf && !perf_missed) return {format_count(*perf), false};
  if (rusage) return {format_count(*rusage) + "*", true};
  return {};
}

CounterCell switches_cell(const core::Result& r) {
  if (const auto v = per_op(r, "context_switches")) return {format_count(*v), false};
  const auto voluntary = per_op(r, "rusage_voluntary_switches");
  const auto involuntary = per_op(r, "rusage_involuntary_switches");
  if (voluntary && involuntary) return {format_count(*voluntary + *involuntary) + "*", true};
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

// The IO rows' throughput (metric throughput_gbps), when the row has one.
std::optional<double> throughput(const core::Result& r) {
  const core::Metric* m = r.metric("throughput_gbps");
  if (r.status != core::Status::ok || !m || !std::isfinite(m->value)) return std::nullopt;
  return m->value;
}

void write_lab_table(std::ostream& out, const std::vector<const core::Result*>& results) {
  // A GB/s column only for tables that have throughput figures (the IO lab's).
  bool any_throughput = false;
  for (const core::Result* r : results) any_throughput = any_throughput || throughput(*r);
  TextTable table(kLineWidth);
  table.add_column("experiment", Align::left);
  for (const char* h : {"p50", "p99", "max"}) table.add_column(h, Align::right);
  if (any_throughput) table.add_column("GB/s", Align::right);
  for (const char* h : {"faults", "ctx-sw", "syscalls"}) table.add_column(h, Align::right);
  bool any_rusage = false;
  for (const core::Result* r : results) {
    std::vector<std::string> row{short_id(*r)};
    const bool sampled = r->status == core::Status::ok && r->stats;
    for (double v : {sampled ? r->stats->p50 : kNaN, sampled ? r->stats->p99 : kNaN,
                     sampled ? r->stats->max : kNaN})
      row.push_back(format_value(v, r->unit));
    if (any_throughput) {
      const auto gbps = throughput(*r);
      row.push_back(gbps ? format_sig3(*gbps) : kMissing);
    }
    const CounterCell faults = faults_cell(*r), switches = switches_cell(*r);
    any_rusage = any_rusage || faults.from_rusage || switches.from_rusage;
    row.push_back(faults.text);
    row.push_back(switches.text);
    const auto syscalls = per_op(*r, "syscalls");
    row.push_back(syscalls ? format_count(*syscalls) : kMissing);
    // The meaning goes on its own line: as a last column it would get some 30 columns.
    table.add_row(std::move(row), status_text(*r));
  }
  table.write(out);
  out << "  counters are per op";
  if (any_rusage)
    out << "; * from getrusage(2): perf was unavailable or saw fewer\n  (faults the kernel "
           "takes for itself raise no perf event)";
  out << '\n';
}

void write_budget_table(std::ostream& out, const std::vector<BudgetRow>& rows) {
  if (rows.empty()) return;
  out << "\n  Budget: calls that fit in 1% of a period (at p50 / at p99)\n";
  TextTable table(kLineWidth);
  table.add_column("call", Align::left);
  for (const BudgetCell& c : rows.front().cells)
    table.add_column(fmt::format("{} ({})", format_hz(c.hz), format_ns(c.period_ns * kBudgetShare)),
                     Align::right);
  for (const BudgetRow& row : rows) {
    std::vector<std::string> cells{row.id.substr(row.id.find('.') + 1)};
    for (const BudgetCell& c : row.cells)
      cells.push_back(
          fmt::format("{} / {}", format_whole(c.fit_1pct_p50), format_whole(c.fit_1pct_p99)));
    table.add_row(std::move(cells));
  }
  table.write(out);
}

// Labs in run order: those the record names first, then any lab only the results mention (a
// hand-made or older file may lack "labs").
std::vector<LabInfo> labs_to_show(const RunRecord& record) {
  std::vector<LabInfo> labs = record.labs;
  for (const core::Result& r : record.results) {
    bool known = false;
    for (const LabInfo& lab : labs) known = known || lab.id == r.lab;
    if (!known) labs.push_back({r.lab, "", ""});
  }
  return labs;
}

// Each warning once, with the experiments that raised it: a missing PMU would otherwise
// repeat the same line for every experiment.
void write_warnings(std::ostream& out, const std::vector<core::Result>& results) {
  std::vector<std::string> order;
  std::map<std::string, std::vector<std::string>> where;
  for (const core::Result& r : results) {
    for (const std::string& w : r.warnings) {
      auto& ids = where[w];
      if (ids.empty()) order.push_back(w);
      if (ids.empty() || ids.back() != r.id) ids.push_back(r.id);
    }
  }
  if (order.empty()) return;
  out << "\nWarnings\n";
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
    write_bullet(out, fmt::format("{} — {}", w, from));
  }
}

void write_header(std::ostream& out, const RunRecord& record) {
  out << fmt::format("illusion {} · profile {} · {} · {}\n", record.tool_version, record.profile,
                     record.started_at.empty() ? "start time unknown" : record.started_at,
                     std::isfinite(record.duration_s) ? fmt::format("{:.1f} s", record.duration_s)
                                                      : std::string(kMissing));
  const core::EnvInfo& e = record.env;
  std::string machine = e.kernel.empty() ? "kernel unknown" : "Linux " + e.kernel;
  if (!e.cpu_model.empty()) machine += " · " + e.cpu_model;
  if (e.online_cpus > 0) machine += fmt::format(" · {} CPUs", e.online_cpus);
  if (e.virtualized) machine += " · VM" + (e.hypervisor.empty() ? "" : " (" + e.hypervisor + ")");
  if (!record.clock.source.empty())
    machine += fmt::format(" · clock {} ({} per reading)", record.clock.source,
                           format_ns(record.clock.overhead_ns));
  if (!record.pinned_cpu.empty()) machine += " · pinned to CPU " + record.pinned_cpu;
  out << truncate_to_width(machine, kLineWidth) << '\n';
  if (!record.complete) out << "Interrupted: the tables hold only the experiments that finished.\n";
}

}  // namespace

void write_console(std::ostream& out, const RunRecord& record) {
  write_header(out, record);
  for (const LabInfo& lab : labs_to_show(record)) {
    std::vector<const core::Result*> results;
    std::vector<core::Result> lab_results;
    for (const core::Result& r : record.results) {
      if (r.lab != lab.id) continue;
      results.push_back(&r);
      lab_results.push_back(r);
    }
    if (results.empty()) continue;
    out << '\n' << (lab.title.empty() ? lab.id : fmt::format("{} ({})", lab.title, lab.id)) << '\n';
    if (!lab.question.empty()) {
      for (const std::string& line : wrap_words(lab.question, kLineWidth)) out << line << '\n';
    }
    out << '\n';
    write_lab_table(out, results);
    write_budget_table(out, syscall_budget(lab_results));
  }
  write_warnings(out, record.results);
  if (!record.env.caveats.empty()) {
    out << "\nCaveats (details: illusion env)\n";
    for (const std::string& c : record.env.caveats) write_bullet(out, c);
  }
  if (!record.insights.empty()) {
    out << "\nCommentary\n";
    for (const Insight& in : record.insights) write_bullet(out, in.text);
  }
}

}  // namespace illusion::report
