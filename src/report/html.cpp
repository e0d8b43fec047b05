// `run --html` / `report --html`: the run as one self-contained HTML page (see html.h).
#include "report/html.h"
#include "report/lab_sections.h"

#include <fmt/format.h>

#include <cmath>
#include <vector>

#include "core/format.h"
#include "report/budget.h"
#include "report/cells.h"
#include "report/chart_sources.h"
#include "report/cost_ladder.h"
#include "report/svg_chart.h"

namespace illusion::report {
namespace {

constexpr const char* kStyle = R"css(
body { font-family: sans-serif; max-width: 1100px; margin: 2em auto; padding: 0 1em;
       color: #222; line-height: 1.4; }
h1 { font-size: 1.5em; } h2 { border-bottom: 1px solid #ddd; padding-bottom: .2em; }
table { border-collapse: collapse; margin: .5em 0; font-size: .9em; }
th, td { border: 1px solid #ccc; padding: .25em .6em; }
th { background: #f3f3f3; } td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
.machine, .note { color: #555; } .question { font-style: italic; }
.interrupted { background: #fff3cd; padding: .5em; border: 1px solid #e0c060; }
figure { margin: 1.5em 0; } svg.chart { background: #fff; border: 1px solid #eee; }
svg text { font-family: sans-serif; font-size: 12px; fill: #222; }
svg text.chart-title { font-size: 15px; font-weight: bold; }
)css";

std::string join_escaped(const std::vector<std::string>& parts) {
  std::string text;
  for (const std::string& p : parts) text += (text.empty() ? "" : " · ") + escape_html(p);
  return text;
}

void write_row(std::ostream& out, const std::vector<std::string>& cells, bool header) {
  const char* tag = header ? "th" : "td";
  out << "<tr>";
  for (std::size_t i = 0; i < cells.size(); ++i)
    out << '<' << tag << (i == 0 ? "" : " class=\"num\"") << '>' << escape_html(cells[i]) << "</"
        << tag << '>';
  out << "</tr>\n";
}

void write_list(std::ostream& out, const std::string& heading,
                const std::vector<std::string>& escaped_items) {
  if (escaped_items.empty()) return;
  out << "<h2>" << escape_html(heading) << "</h2>\n<ul>\n";
  for (const std::string& item : escaped_items) out << "<li>" << item << "</li>\n";
  out << "</ul>\n";
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

void write_lab_table(std::ostream& out, const std::vector<const core::Result*>& results) {
  const bool with_throughput = any_throughput(results);
  out << "<table>\n<thead>";
  write_row(out, lab_table_headers(with_throughput), true);
  out << "</thead>\n<tbody>\n";
  std::vector<RowCells> rows;
  for (const core::Result* r : results) {
    rows.push_back(lab_table_row(*r, with_throughput));
    write_row(out, rows.back().cells, false);
  }
  out << "</tbody>\n</table>\n<p class=\"note\">" << escape_html(lab_table_note(rows)) << "</p>\n";
  std::vector<std::string> items;
  for (const core::Result* r : results) {
    const std::string text = status_text(*r);
    if (text.empty()) continue;
    items.push_back("<strong>" + escape_html(short_id(*r)) + "</strong>: " + escape_html(text));
  }
  if (items.empty()) return;
  out << "<ul class=\"meanings\">\n";
  for (const std::string& item : items) out << "<li>" << item << "</li>\n";
  out << "</ul>\n";
}

void write_budget_table(std::ostream& out, const std::vector<BudgetRow>& rows) {
  if (rows.empty()) return;
  out << "<p>" << escape_html(kBudgetTitle) << "</p>\n<table>\n<thead>";
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
  out << "</tbody>\n</table>\n";
}

void write_ladder_section(std::ostream& out, const std::vector<LadderRung>& rungs) {
  if (rungs.size() < 2) return;
  out << "<h2>Cost ladder</h2>\n<p>" << escape_html(kLadderTitle) << "</p>\n<table>\n<thead>";
  write_row(out, ladder_headings(), true);
  out << "</thead>\n<tbody>\n";
  for (const LadderRung& r : rungs) write_row(out, ladder_cells(r), false);
  out << "</tbody>\n</table>\n";
}

// ---- charts ----

bool starts_with(const std::string& s, const std::string& prefix) {
  return s.rfind(prefix, 0) == 0;
}

const core::Series* find_series(const core::Result& r, const std::string& name) {
  for (const core::Series& s : r.series)
    if (s.name == name) return &s;
  return nullptr;
}

// "x (unit)" or just "x" when the unit is unknown.
std::string with_unit(const std::string& what, const std::string& unit) {
  return unit.empty() ? what : fmt::format("{} ({})", what, unit);
}

void write_figure(std::ostream& out, const LineChart& chart, const std::string& caption) {
  if (!has_drawable_points(chart)) return;
  out << "<figure>\n";
  write_line_chart(out, chart);
  if (!caption.empty())
    out << "<figcaption class=\"note\">" << escape_html(caption) << "</figcaption>\n";
  out << "</figure>\n";
}

// The same rungs as the console's ladder table (cost_ladder.h).
BarChart ladder_chart(const RunRecord& record) {
  BarChart chart;
  chart.title = "Cost ladder: p50 per operation";
  chart.x_label = "p50 (ns, log scale)";
  for (const LadderRung& r : cost_ladder(record.results))
    chart.bars.push_back({r.id, r.p50, core::format_value(r.p50, r.unit)});
  return chart;
}

bool draws_from(const ChartSource& source, const std::string& id) {
  return source.prefix ? starts_with(id, source.id) : id == source.id;
}

// One line per result `source` names that carries its series.
LineChart lines_of(const RunRecord& record, const ChartSource& source) {
  LineChart chart;
  for (const core::Result& r : record.results) {
    if (!draws_from(source, r.id)) continue;
    const core::Series* s = find_series(r, source.series);
    if (s == nullptr) continue;
    if (chart.lines.empty()) {
      chart.x_label = s->x_unit;
      chart.y_label = s->y_unit;
    }
    chart.lines.push_back({short_id(r), s->points});
  }
  return chart;
}

void write_charts(std::ostream& out, const RunRecord& record) {
  const BarChart ladder = ladder_chart(record);

  LineChart wake = lines_of(record, kWakeupChart);
  wake.title = "Wake-up lateness (CDF)";
  wake.x_label = with_unit("lateness", wake.x_label);
  wake.y_label = "fraction of wake-ups at or below";
  wake.log_x = true;

  LineChart touch = lines_of(record, kFirstTouchChart);
  touch.title = "First-touch fault timeline";
  touch.x_label = with_unit("page index", "");
  touch.y_label = with_unit("fault latency", touch.y_label);
  touch.log_y = true;
  touch.dots = true;

  LineChart io = lines_of(record, kReadSweepChart);
  io.title = "Read throughput vs buffer size";
  io.x_label = with_unit("buffer", io.x_label);
  io.y_label = with_unit("throughput", io.y_label);
  io.log_x = true;

  LineChart fork = lines_of(record, kForkSizeChart);
  fork.title = "Process creation latency vs parent size";
  fork.x_label = with_unit("parent size", fork.x_label);
  fork.y_label = with_unit("p50 latency", fork.y_label);

  LineChart reach;
  for (const core::Result& r : record.results) {
    if (!draws_from(kWorkingSetChart, r.id)) continue;
    for (const core::Series& s : r.series) {
      if (!starts_with(s.name, kWorkingSetChart.series)) continue;
      if (reach.lines.empty()) {
        reach.x_label = s.x_unit;
        reach.y_label = s.y_unit;
      }
      const std::string label = s.name == "latency_vs_working_set_4k"     ? "4 KiB pages"
                                : s.name == "latency_vs_working_set_huge" ? "huge pages"
                                                                          : s.name;
      reach.lines.push_back({label, s.points});
    }
  }
  reach.title = "Load latency vs working-set size";
  reach.x_label = with_unit("working set", reach.x_label);
  reach.y_label = with_unit("latency per load", reach.y_label);
  reach.log_x = true;
  reach.log_y = true;

  const bool any = has_drawable_bars(ladder) || has_drawable_points(wake) ||
                   has_drawable_points(touch) || has_drawable_points(io) ||
                   has_drawable_points(fork) || has_drawable_points(reach);
  if (!any) return;
  out << "<h2>Charts</h2>\n";
  if (has_drawable_bars(ladder)) {
    out << "<figure>\n";
    write_log_bar_chart(out, ladder);
    out << "<figcaption class=\"note\">The p50 of each operation on a log scale: one grid step "
           "is ten times slower.</figcaption>\n</figure>\n";
  }
  write_figure(out, wake, "How late a 1 ms sleeper woke, per scenario.");
  write_figure(out, touch,
               "In touch order, each dot is the slowest first write of a run of consecutive "
               "pages (the run's length is in the vm.first_touch row's params): the tail, not "
               "the typical fault.");
  write_figure(out, io, "read(2) throughput per buffer size.");
  write_figure(out, fork, "p50 of creating a child, by how much memory the parent holds.");
  write_figure(out, reach, "Pointer-chase p50 per load as the working set grows.");
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
      << "<title>" << join_escaped(run_header_parts(record)) << "</title>\n"
      << "<style>" << kStyle << "</style>\n</head>\n<body>\n";
  // A reader's order: the prices, the pictures, what they mean, under which conditions; then
  // every lab's full table.
  write_header(out, record);
  write_ladder_section(out, cost_ladder(record.results));
  write_charts(out, record);
  std::vector<std::string> commentary;
  for (const Insight& in : record.insights) commentary.push_back(escape_html(in.text));
  write_list(out, "Commentary", commentary);
  std::vector<std::string> caveats;
  for (const std::string& c : record.env.caveats) caveats.push_back(escape_html(c));
  write_list(out, "Caveats (details: illusion env)", caveats);

  for (const LabSection& s : lab_sections(record)) {
    out << "<section class=\"lab\">\n<h2>" << lab_heading(s.lab, escape_html) << "</h2>\n";
    if (!s.lab.question.empty())
      out << "<p class=\"question\">" << escape_html(s.lab.question) << "</p>\n";
    write_lab_table(out, s.results);
    write_budget_table(out, s.budget);
    out << "</section>\n";
  }
  std::vector<std::string> warnings;
  for (const WarningLine& w : deduplicated_warnings(record.results))
    warnings.push_back(fmt::format("{} — {}", escape_html(w.text), escape_html(w.from)));
  write_list(out, "Warnings", warnings);
  out << "</body>\n</html>\n";
}

}  // namespace illusion::report
