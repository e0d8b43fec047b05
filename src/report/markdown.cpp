// `run --md` / `report --md`: the run as GitHub-flavoured Markdown (see markdown.h).
#include "report/markdown.h"
#include "report/lab_sections.h"

#include <fmt/format.h>

#include <vector>

#include "core/format.h"
#include "report/budget.h"
#include "report/cells.h"
#include "report/cost_ladder.h"
#include "report/legend.h"

namespace illusion::report {
namespace {

using Cells = std::vector<std::string>;

void write_table_row(std::ostream& out, const Cells& cells) {
  out << '|';
  for (const std::string& c : cells) out << ' ' << escape_markdown(c) << " |";
  out << '\n';
}

// The header row and the separator under it; the first column left-aligned, the rest right.
void write_table_header(std::ostream& out, const Cells& headers) {
  write_table_row(out, headers);
  out << '|';
  for (std::size_t i = 0; i < headers.size(); ++i) out << (i == 0 ? " :--- |" : " ---: |");
  out << '\n';
}

std::string join_escaped(const std::vector<std::string>& parts) {
  std::string text;
  for (const std::string& p : parts) text += (text.empty() ? "" : " · ") + escape_markdown(p);
  return text;
}

void write_header(std::ostream& out, const RunRecord& record) {
  out << "# " << join_escaped(run_header_parts(record)) << "\n\n";
  out << "**Machine:** " << join_escaped(machine_parts(record)) << "\n\n";
  if (!record.selection.empty())
    out << "**Selection:** " << join_escaped(record.selection) << "\n\n";
  if (!record.complete)
    out << "> **Interrupted:** the tables hold only the experiments that finished.\n\n";
}

void write_lab_table(std::ostream& out, const std::vector<const core::Result*>& results) {
  // Columns only for figures some row has (GB/s for the IO lab's, syscalls with tracefs).
  const TableColumns columns = table_columns(results);
  write_table_header(out, lab_table_headers(columns));
  std::vector<RowCells> rows;
  for (const core::Result* r : results) {
    rows.push_back(lab_table_row(*r, columns));
    write_table_row(out, rows.back().cells);
  }
  out << '\n' << escape_markdown(lab_table_note(rows, columns, true)) << "\n\n";
  // Each row's meaning, or why it has no figures.
  for (const core::Result* r : results) {
    const std::string text = status_text(*r);
    if (text.empty()) continue;
    out << "- **" << escape_markdown(short_id(*r)) << "**: " << escape_markdown(text) << '\n';
  }
  out << '\n';
}

void write_budget_table(std::ostream& out, const std::vector<BudgetRow>& rows) {
  if (rows.empty()) return;
  out << kBudgetTitle << "\n\n";
  Cells headers{"call"};
  for (const BudgetCell& c : rows.front().cells)
    headers.push_back(
        fmt::format("{} ({})", format_hz(c.hz), core::format_ns(c.period_ns * kBudgetShare)));
  write_table_header(out, headers);
  for (const BudgetRow& row : rows) {
    Cells cells{row.id.substr(row.id.find('.') + 1)};
    for (const BudgetCell& c : row.cells)
      cells.push_back(fmt::format("{} / {}", core::format_whole(c.fit_1pct_p50),
                                  core::format_whole(c.fit_1pct_p99)));
    write_table_row(out, cells);
  }
  out << '\n';
}

void write_ladder(std::ostream& out, const std::vector<LadderRung>& rungs) {
  if (rungs.size() < 2) return;
  out << "## Cost ladder\n\n" << escape_markdown(kLadderTitle) << "\n\n";
  write_table_header(out, ladder_headings());
  for (const LadderRung& r : rungs) write_table_row(out, ladder_cells(r));
  out << '\n';
}

void write_bullets(std::ostream& out, const std::string& heading,
                   const std::vector<std::string>& items) {
  if (items.empty()) return;
  out << "## " << heading << "\n\n";
  for (const std::string& item : items) out << "- " << item << '\n';
  out << '\n';
}

}  // namespace

std::string escape_markdown(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '\\':
      case '`':
      case '*':
      case '_':
      case '|':
      case '[':
      case ']':
      case '#':
      case '~':
        out += '\\';
        out += c;
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '&':
        out += "&amp;";
        break;
      case '\n':
      case '\r':
        out += ' ';
        break;
      default:
        out += c;
    }
  }
  return out;
}

void write_markdown(std::ostream& out, const RunRecord& record) {
  write_header(out, record);
  out << "**Legend.**";
  for (const LegendEntry& e : legend(record))
    out << ' ' << escape_markdown(e.term) << ": " << escape_markdown(e.meaning) << '.';
  out << "\n\n";
  for (const LabSection& s : lab_sections(record)) {
    out << "## " << lab_heading(s.lab, escape_markdown) << "\n\n";
    if (!s.lab.question.empty()) out << '*' << escape_markdown(s.lab.question) << "*\n\n";
    write_lab_table(out, s.results);
    write_budget_table(out, s.budget);
  }
  write_ladder(out, cost_ladder(record.results));
  std::vector<std::string> warnings;
  for (const WarningLine& w : deduplicated_warnings(record.results))
    warnings.push_back(fmt::format("{} — {}", escape_markdown(w.text), escape_markdown(w.from)));
  write_bullets(out, "Warnings", warnings);
  std::vector<std::string> caveats;
  for (const std::string& c : record.env.caveats) caveats.push_back(escape_markdown(c));
  write_bullets(out, "Caveats (details: `illusion env`)", caveats);
  std::vector<std::string> commentary;
  for (const Insight& in : record.insights) commentary.push_back(escape_markdown(in.text));
  write_bullets(out, "Commentary", commentary);
}

}  // namespace illusion::report
