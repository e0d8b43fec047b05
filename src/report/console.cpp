// `illusion run` on the terminal: the lab tables, budgets, warnings and commentary.
#include "report/console.h"
#include "report/lab_sections.h"

#include <fmt/format.h>

#include "core/format.h"
#include "report/budget.h"
#include "report/cells.h"
#include "report/cost_ladder.h"
#include "report/legend.h"
#include "report/text_table.h"

namespace illusion::report {
namespace {

void write_lab_table(std::ostream& out, const std::vector<const core::Result*>& results,
                     bool verbose) {
  // Columns only for figures some row has (GB/s for the IO lab's, syscalls with tracefs).
  const TableColumns columns = table_columns(results);
  TextTable table(kConsoleWidth);
  for (const std::string& h : lab_table_headers(columns))
    table.add_column(h, h == "experiment" ? Align::left : Align::right);
  std::vector<RowCells> rows;
  for (const core::Result* r : results) {
    rows.push_back(lab_table_row(*r, columns));
    // The meaning goes on its own line: as a last column it would get some 30 columns.
    table.add_row(rows.back().cells,
                  verbose || r->status != core::Status::ok ? status_text(*r) : std::string());
  }
  table.write(out);
  for (const std::string& line : wrap_words(lab_table_note(rows, columns, true), kConsoleWidth - 2))
    out << "  " << line << '\n';
}

void write_budget_table(std::ostream& out, const std::vector<BudgetRow>& rows) {
  if (rows.empty()) return;
  out << "\n  " << kBudgetTitle << '\n';
  TextTable table(kConsoleWidth);
  table.add_column("call", Align::left);
  for (const BudgetCell& c : rows.front().cells)
    table.add_column(
        fmt::format("{} ({})", format_hz(c.hz), core::format_ns(c.period_ns * kBudgetShare)),
        Align::right);
  for (const BudgetRow& row : rows) {
    std::vector<std::string> cells{row.id.substr(row.id.find('.') + 1)};
    for (const BudgetCell& c : row.cells)
      cells.push_back(fmt::format("{} / {}", core::format_whole(c.fit_1pct_p50),
                                  core::format_whole(c.fit_1pct_p99)));
    table.add_row(std::move(cells));
  }
  table.write(out);
}

// Each warning once, with the experiments that raised it: a missing PMU would otherwise
// repeat the same line for every experiment.
void write_warnings(std::ostream& out, const std::vector<core::Result>& results) {
  const std::vector<WarningLine> lines = deduplicated_warnings(results);
  if (lines.empty()) return;
  out << "\nWarnings\n";
  for (const WarningLine& w : lines) write_bullet(out, fmt::format("{} — {}", w.text, w.from));
}

void write_header(std::ostream& out, const RunRecord& record) {
  out << join(run_header_parts(record), " · ") << '\n';
  out << truncate_to_width(join(machine_parts(record), " · "), kConsoleWidth) << '\n';
  if (!record.complete) out << "Interrupted: the tables hold only the experiments that finished.\n";
}

// The terms and marks this report uses, once, before the tables that use them.
void write_legend(std::ostream& out, const RunRecord& record) {
  out << "\nLegend\n";
  for (const LegendEntry& e : legend(record)) {
    const std::vector<std::string> lines = wrap_words(e.term + ": " + e.meaning, kConsoleWidth - 4);
    for (std::size_t i = 0; i < lines.size(); ++i) out << (i ? "    " : "  ") << lines[i] << '\n';
  }
}

}  // namespace

void write_console(std::ostream& out, const RunRecord& record, const ConsoleOptions& options) {
  write_header(out, record);
  write_legend(out, record);
  write_ladder_table(out, cost_ladder(record.results));
  if (!record.env.caveats.empty()) {
    out << "\nCaveats (details: illusion env)\n";
    for (const std::string& c : record.env.caveats) write_bullet(out, c);
  }
  if (!record.insights.empty()) {
    out << "\nCommentary\n";
    for (const Insight& in : record.insights) write_bullet(out, in.text);
  }
  for (const LabSection& s : lab_sections(record)) {
    out << '\n' << lab_heading(s.lab) << '\n';
    if (!s.lab.question.empty())
      for (const std::string& line : wrap_words(s.lab.question, kConsoleWidth)) out << line << '\n';
    out << '\n';
    write_lab_table(out, s.results, options.verbose);
    write_budget_table(out, s.budget);
  }
  write_warnings(out, record.results);
  if (!options.verbose)
    out << "\n(Each row's sentence: --verbose, or the --md/--html/--json outputs.)\n";
}

}  // namespace illusion::report
