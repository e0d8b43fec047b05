// `run --html` / `report --html`: the run as one self-contained HTML page (see html.h).
#include "report/html.h"
#include "report/lab_sections.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "core/format.h"
#include "report/budget.h"
#include "report/cells.h"
#include "report/chart_sources.h"
#include "report/cost_ladder.h"
#include "report/html_charts.h"
#include "report/html_spread.h"
#include "report/html_style.h"
#include "report/html_table.h"
#include "report/svg_chart.h"

namespace illusion::report {
namespace {

std::string join_escaped(const std::vector<std::string>& parts) {
  std::string text;
  for (const std::string& p : parts) text += (text.empty() ? "" : " · ") + escape_html(p);
  return text;
}

void write_list(std::ostream& out, const std::string& anchor, const std::string& heading,
                const std::vector<std::string>& escaped_items) {
  if (escaped_items.empty()) return;
  out << "<section id=\"" << escape_html(anchor) << "\">\n<h2>" << escape_html(heading)
      << "</h2>\n<ul>\n";
  for (const std::string& item : escaped_items) out << "<li>" << item << "</li>\n";
  out << "</ul>\n</section>\n";
}

void write_header(std::ostream& out, const RunRecord& record) {
  out << "<h1>" << join_escaped(run_header_parts(record)) << "</h1>\n";
  out << "<p class=\"machine\"><strong>Machine:</strong> " << join_escaped(machine_parts(record))
      << "</p>\n";
  if (!record.selection.empty())
    out << "<p><strong>Selection:</strong> " << join_escaped(record.selection) << "</p>\n";
  if (!record.complete)
    out << "<p class=\"interrupted\"><strong>Interrupted:</strong> the tables hold only the "
           "experiments that finished.</p>\n";
}

// A warning given by this many rows or more is listed once at the end, not under each row.
constexpr std::size_t kSharedWarningRows = 3;

// `escaped_head` then `escaped_body`, folded into <details> when the plain `text` is long: the
// summary line is its first clause.
std::string folded(const std::string& escaped_head, const std::string& text,
                   const std::string& escaped_body) {
  constexpr std::size_t kLong = 160, kSummary = 110;
  if (text.size() <= kLong) return escaped_head + escaped_body;
  // The first sentence or clause; a comma only when no clause ends early enough.
  std::size_t cut = std::string::npos;
  for (const char* end : {". ", "; ", ": "}) {
    const std::size_t at = text.find(end, 30);
    if (at != std::string::npos && at < kSummary) cut = std::min(cut, at);
  }
  if (cut == std::string::npos) {
    const std::size_t at = text.find(", ", 30);
    if (at != std::string::npos && at < kSummary) cut = at;
  }
  std::string summary;
  if (cut != std::string::npos) {
    summary = text.substr(0, cut) + " …";
  } else {
    const std::size_t space = text.rfind(' ', kSummary);
    summary = text.substr(0, space == std::string::npos ? kSummary : space) + " …";
  }
  return "<details><summary>" + escaped_head + escape_html(summary) + "</summary>" + escaped_body +
         "</details>";
}

void write_lab_table(std::ostream& out, const std::vector<const core::Result*>& results,
                     const std::string& caption, const std::set<std::string>& shared) {
  // Columns only for figures some row has (GB/s for the IO lab's, syscalls with tracefs).
  const TableColumns columns = table_columns(results);
  open_table(out, caption);
  out << "<thead>";
  write_row(out, lab_table_headers(columns), true);
  out << "</thead>\n<tbody>\n";
  std::vector<RowCells> rows;
  for (const core::Result* r : results) {
    rows.push_back(lab_table_row(*r, columns));
    write_row(out, rows.back().cells, false);
  }
  close_table(out);
  out << "<p class=\"note\">" << escape_html(lab_table_note(rows, columns)) << "</p>\n";
  std::vector<std::string> items;
  for (const core::Result* r : results) {
    const std::string text = status_text(*r);
    std::vector<std::string> own;  // its warnings that few other rows share
    for (const std::string& w : r->warnings)
      if (!shared.count(w)) own.push_back(w);
    if (text.empty() && own.empty()) continue;
    std::string item = "<strong>" + escape_html(short_id(*r)) + "</strong>: ";
    std::string body = escape_html(text);
    if (!own.empty()) {
      body += "\n<ul class=\"warn\">";
      for (const std::string& w : own) body += "<li>⚠ " + escape_html(w) + "</li>";
      body += "</ul>";
    }
    items.push_back(folded(item, text, body));
  }
  if (items.empty()) return;
  out << "<ul class=\"meanings\">\n";
  for (const std::string& item : items) out << "<li>" << item << "</li>\n";
  out << "</ul>\n";
}

void write_budget_table(std::ostream& out, const std::vector<BudgetRow>& rows) {
  if (rows.empty()) return;
  open_table(out, kBudgetTitle);
  out << "<thead>";
  std::vector<std::string> headers{"call"};
  for (const BudgetCell& c : rows.front().cells)
    headers.push_back(
        fmt::format("{} ({})", format_hz(c.hz), core::format_ns(c.period_ns * kBudgetShare)));
  write_row(out, headers, true);
  out << "</thead>\n<tbody>\n";
  for (const BudgetRow& row : rows) {
    std::vector<std::string> cells{row.id.substr(row.id.find('.') + 1)};
    for (const BudgetCell& c : row.cells)
      cells.push_back(fmt::format("{} / {}", core::format_whole(c.fit_1pct_p50),
                                  core::format_whole(c.fit_1pct_p99)));
    write_row(out, cells, false);
  }
  close_table(out);
}

void write_ladder_section(std::ostream& out, const std::vector<LadderRung>& rungs) {
  if (rungs.size() < 2) return;
  out << "<h2>Cost ladder</h2>\n";
  open_table(out, kLadderTitle);
  out << "<thead>";
  write_row(out, ladder_headings(), true);
  out << "</thead>\n<tbody>\n";
  for (const LadderRung& r : rungs) write_row(out, ladder_cells(r), false);
  close_table(out);
}

}  // namespace

std::string escape_html(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

void write_html(std::ostream& out, const RunRecord& record) {
  out << "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
      << "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
      << "<meta name=\"color-scheme\" content=\"light dark\">\n"
      << "<title>" << join_escaped(run_header_parts(record)) << "</title>\n"
      << "<style>" << kHtmlStyle << "</style>\n</head>\n<body>\n";
  // A reader's order: the prices, what they mean, under which conditions; then every lab's
  // table with its charts; warnings many rows share last (the others sit under their row).
  write_header(out, record);
  const std::vector<LadderRung> rungs = cost_ladder(record.results);
  const std::vector<LabSection> labs = lab_sections(record);
  std::vector<std::string> caveats;
  for (const std::string& c : record.env.caveats) caveats.push_back(escape_html(c));
  std::vector<std::string> shared_lines;
  std::set<std::string> shared;
  for (const WarningLine& w : deduplicated_warnings(record.results)) {
    if (w.rows < kSharedWarningRows) continue;
    shared.insert(w.sources.begin(), w.sources.end());
    shared_lines.push_back(fmt::format("{} — {}", escape_html(w.text), escape_html(w.from)));
  }

  std::vector<std::pair<std::string, std::string>> toc;  // anchor, heading
  if (rungs.size() >= 2) toc.emplace_back("ladder", "Cost ladder");
  if (!record.insights.empty()) toc.emplace_back("commentary", "Commentary");
  if (!caveats.empty()) toc.emplace_back("caveats", "Caveats");
  for (const LabSection& s : labs) toc.emplace_back("lab-" + s.lab.id, s.lab.title);
  if (!shared_lines.empty()) toc.emplace_back("warnings", "Warnings");
  out << "<nav class=\"toc\" aria-label=\"Contents\"><ul>";
  for (const auto& [anchor, heading] : toc)
    out << "<li><a href=\"#" << escape_html(anchor) << "\">" << escape_html(heading) << "</a></li>";
  out << "</ul></nav>\n";

  if (rungs.size() >= 2) {
    out << "<section id=\"ladder\">\n";
    write_ladder_section(out, rungs);
    write_ladder_figure(out, ladder_chart(record));
    out << "</section>\n";
  }
  std::vector<std::string> commentary;
  for (const Insight& in : record.insights)
    commentary.push_back(folded("", in.text, escape_html(in.text)));
  write_list(out, "commentary", "Commentary", commentary);
  write_list(out, "caveats", "Caveats (details: illusion env)", caveats);

  const std::vector<PlacedChart> charts = line_charts(record);
  for (const LabSection& s : labs) {
    out << "<section class=\"lab\" id=\"lab-" << escape_html(s.lab.id) << "\">\n<h2>"
        << lab_heading(s.lab, escape_html) << "</h2>\n";
    if (!s.lab.question.empty())
      out << "<p class=\"question\">" << escape_html(s.lab.question) << "</p>\n";
    write_lab_table(out, s.results, s.lab.title + ": one row per experiment", shared);
    write_spread_table(out, s.results, s.lab.title);
    write_budget_table(out, s.budget);
    for (const PlacedChart& c : charts)
      if (c.lab == s.lab.id) write_figure(out, c.chart, c.caption);
    out << "</section>\n";
  }
  write_list(out, "warnings", "Warnings (each given by several rows)", shared_lines);
  out << "</body>\n</html>\n";
}

}  // namespace illusion::report
