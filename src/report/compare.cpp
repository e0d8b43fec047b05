// `illusion compare`: the rule is in compare.h; this file applies it and prints the result.
#include "report/compare.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <string_view>
#include <unordered_map>

#include "core/format.h"
#include "report/text_table.h"

namespace illusion::report {
namespace {

// A run's results by id: looked up once per row of the other run, so a linear search made
// comparing two runs of thousands of rows with long ids take seconds.
class ById {
 public:
  explicit ById(const RunRecord& run) {
    for (const core::Result& r : run.results) index_.emplace(r.id, &r);  // the first of an id
  }
  const core::Result* find(const std::string& id) const {
    const auto it = index_.find(id);
    return it == index_.end() ? nullptr : it->second;
  }

 private:
  std::unordered_map<std::string_view, const core::Result*> index_;
};

// A median to compare: only an ok result with finite stats has one. A failed row may still
// carry partial stats, and those must not pass for a measurement.
bool comparable(const core::Result& r) {
  return r.status == core::Status::ok && r.stats && std::isfinite(r.stats->p50) &&
         std::isfinite(r.stats->p90);
}

std::string status_text(const core::Result* r) {
  if (!r) return "absent";
  switch (r->status) {
    case core::Status::skipped:
      return "skipped: " + r->reason;
    case core::Status::failed:
      return "failed: " + r->reason;
    case core::Status::ok:
      break;
  }
  return comparable(*r) ? "ok" : "ok, but no median";
}

RunHeader header_of(const RunRecord& run) {
  RunHeader h;
  h.tool_version = run.tool_version;
  h.profile = run.profile;
  h.started_at = run.started_at;
  h.kernel = run.env.kernel;
  h.cpu_model = run.env.cpu_model;
  h.online_cpus = run.env.online_cpus;
  h.virtualized = run.env.virtualized;
  h.hypervisor = core::hypervisor_display_name(run.env);
  h.complete = run.complete;
  return h;
}

ComparedRow compare_row(const core::Result& a, const core::Result& b) {
  ComparedRow row;
  row.id = a.id;
  row.unit = a.unit;
  row.a_p50 = a.stats->p50;
  row.b_p50 = b.stats->p50;
  row.ratio = row.b_p50 / row.a_p50;
  row.verdict = judge(a.stats->p50, a.stats->p90, b.stats->p50, b.stats->p90, &row.threshold);
  return row;
}

// What makes timings from two machines incomparable, in words, or nothing when they match.
std::vector<std::string> machine_differences(const RunHeader& a, const RunHeader& b) {
  std::vector<std::string> diffs;
  if (a.kernel != b.kernel) diffs.push_back(fmt::format("kernel {} vs {}", a.kernel, b.kernel));
  if (a.cpu_model != b.cpu_model)
    diffs.push_back(fmt::format("CPU {} vs {}", a.cpu_model, b.cpu_model));
  if (a.online_cpus != b.online_cpus)
    diffs.push_back(fmt::format("{} vs {} CPUs", a.online_cpus, b.online_cpus));
  if (a.virtualized != b.virtualized || a.hypervisor != b.hypervisor) {
    // Named: "VM vs VM" said nothing when only the hypervisor differed.
    const auto machine = [](const RunHeader& h) {
      if (!h.virtualized) return std::string("bare metal");
      return h.hypervisor.empty() ? std::string("a VM") : "a VM under " + h.hypervisor;
    };
    diffs.push_back(fmt::format("{} vs {}", machine(a), machine(b)));
  }
  return diffs;
}

std::vector<std::string> warnings_for(const RunHeader& a, const RunHeader& b) {
  std::vector<std::string> warnings;
  const auto diffs = machine_differences(a, b);
  if (!diffs.empty()) {
    warnings.push_back("The runs come from different machines (" + join(diffs, "; ") +
                       "): differences may be the machine's, not the code's.");
  }
  if (a.profile != b.profile)
    warnings.push_back(
        fmt::format("The profiles differ ({} vs {}): sample counts and time "
                    "budgets differ, so the spreads are not alike.",
                    a.profile, b.profile));
  if (a.tool_version != b.tool_version)
    warnings.push_back(
        fmt::format("The tool versions differ ({} vs {}): an experiment may "
                    "measure something else under the same id.",
                    a.tool_version, b.tool_version));
  if (!a.complete || !b.complete)
    warnings.push_back(
        "A run was interrupted: experiments it did not reach are listed as "
        "absent.");
  return warnings;
}

std::string machine_line(const RunHeader& h) {
  std::string machine = h.kernel.empty() ? "kernel unknown" : "Linux " + h.kernel;
  if (!h.cpu_model.empty()) machine += " · " + h.cpu_model;
  if (h.online_cpus > 0) machine += fmt::format(" · {} CPUs", h.online_cpus);
  machine += h.virtualized ? " · VM" + (h.hypervisor.empty() ? "" : " under " + h.hypervisor)
                           : " · not a VM";
  return machine;
}

void write_header(std::ostream& out, const std::string& label, const std::string& name,
                  const RunHeader& h) {
  out << fmt::format("{}: {}\n", label, name);
  out << fmt::format("   illusion {} · profile {} · {}{}\n", h.tool_version, h.profile,
                     h.started_at.empty() ? "start time unknown" : h.started_at,
                     h.complete ? "" : " · interrupted");
  out << "   " << truncate_to_width(machine_line(h), kConsoleWidth - 3) << '\n';
}

void write_compared(std::ostream& out, const std::vector<ComparedRow>& rows) {
  if (rows.empty()) {
    out << "\nNo experiment was measured in both runs.\n";
    return;
  }
  out << '\n';
  TextTable table(kConsoleWidth);
  table.add_column("experiment", Align::left);
  table.add_column("A p50", Align::right);
  table.add_column("B p50", Align::right);
  table.add_column("B/A", Align::right);
  // The bar the difference had to clear, so a verdict can be checked by eye.
  table.add_column("noise", Align::right);
  table.add_column("verdict", Align::left);
  for (const ComparedRow& r : rows)
    table.add_row({r.id, core::format_value(r.a_p50, r.unit), core::format_value(r.b_p50, r.unit),
                   core::format_ratio(r.ratio), "±" + core::format_value(r.threshold, r.unit),
                   verdict_words(r)});
  table.write(out);
}

void write_uncompared(std::ostream& out, const std::string& title,
                      const std::vector<UncomparedRow>& rows) {
  if (rows.empty()) return;
  out << '\n' << title << '\n';
  TextTable table(kConsoleWidth);
  table.add_column("experiment", Align::left);
  table.add_column("A", Align::left);
  table.add_column("B", Align::left);
  for (const UncomparedRow& r : rows) table.add_row({r.id, r.a_status, r.b_status});
  table.write(out);
}

}  // namespace

const char* verdict_text(Verdict v) {
  switch (v) {
    case Verdict::faster:
      return "faster";
    case Verdict::slower:
      return "slower";
    case Verdict::within_noise:
      break;
  }
  return "within noise";
}

std::string verdict_words(const ComparedRow& row) {
  if (row.verdict != Verdict::within_noise) return verdict_text(row.verdict);
  const double floor = kCompareFloor * std::min(std::abs(row.a_p50), std::abs(row.b_p50));
  return std::abs(row.b_p50 - row.a_p50) <= floor ? "no clear change" : "too noisy to judge";
}

Verdict judge(double a_p50, double a_p90, double b_p50, double b_p90, double* threshold) {
  // A negative spread (p90 < p50 cannot happen in one run's stats, but a hand-edited file can
  // say anything) counts as no spread, not as a lowered bar.
  const double spread = std::max({a_p90 - a_p50, b_p90 - b_p50, 0.0});
  const double floor = kCompareFloor * std::min(std::abs(a_p50), std::abs(b_p50));
  const double limit = std::max(spread, floor);
  if (threshold) *threshold = limit;
  const double diff = b_p50 - a_p50;
  // Strictly greater: equal medians (a run against itself) are never a change, even when
  // both spreads are 0. A NaN anywhere fails the comparison and stays "within noise".
  if (!(std::abs(diff) > limit)) return Verdict::within_noise;
  // Every figure is a cost (time per op, fault, page...): less is faster.
  return diff < 0 ? Verdict::faster : Verdict::slower;
}

Comparison compare(const RunRecord& a, const RunRecord& b) {
  Comparison c;
  c.a = header_of(a);
  c.b = header_of(b);
  c.warnings = warnings_for(c.a, c.b);
  const ById in_a(a), in_b(b);
  for (const core::Result& ra : a.results) {
    const core::Result* rb = in_b.find(ra.id);
    if (!rb)
      c.only_in_a.push_back({ra.id, status_text(&ra), status_text(nullptr)});
    else if (comparable(ra) && comparable(*rb))
      c.rows.push_back(compare_row(ra, *rb));
    else
      c.not_ok.push_back({ra.id, status_text(&ra), status_text(rb)});
  }
  for (const core::Result& rb : b.results)
    if (!in_a.find(rb.id)) c.only_in_b.push_back({rb.id, status_text(nullptr), status_text(&rb)});
  return c;
}

void write_comparison(std::ostream& out, const Comparison& c, const std::string& a_name,
                      const std::string& b_name) {
  write_header(out, "A", a_name, c.a);
  write_header(out, "B", b_name, c.b);
  if (!c.warnings.empty()) {
    out << "\nWarnings\n";
    for (const std::string& w : c.warnings) write_bullet(out, w);
  }
  write_compared(out, c.rows);
  write_uncompared(out, "Only in A", c.only_in_a);
  write_uncompared(out, "Only in B", c.only_in_b);
  write_uncompared(out, "Not compared (skipped, failed or without a median in a run)", c.not_ok);
  out << '\n';
  write_bullet(
      out, fmt::format("Verdict rule: a change only when |B p50 − A p50| exceeds both runs' own "
                       "spread (the larger p90 − p50) and {:.0f}% of the smaller p50 (the noise "
                       "column); otherwise \"no clear change\" when the difference is also within "
                       "that {:.0f}%, \"too noisy to judge\" when it is not. Faster/slower is B "
                       "relative to A.",
                       kCompareFloor * 100, kCompareFloor * 100));
}

}  // namespace illusion::report
