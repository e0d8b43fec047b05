// The HTML report's charts (see html_charts.h).
#include "report/html_charts.h"

#include <fmt/format.h>

#include <algorithm>
#include <utility>

#include "core/format.h"
#include "report/cells.h"
#include "report/chart_sources.h"
#include "report/cost_ladder.h"
#include "report/html.h"
#include "report/html_table.h"

namespace illusion::report {
namespace {


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
  return unit.empty() ? what : fmt::format("{} ({})", what, core::display_unit(unit));
}

// The chart's numbers as a table, for readers who cannot see it: per series, at most
// kFallbackRows points, evenly spaced through the series (its first and last kept).
constexpr std::size_t kFallbackRows = 16;

void write_chart_data(std::ostream& out, const LineChart& chart) {
  out << "<details class=\"data\"><summary>" << escape_html(chart.title)
      << ": the data</summary>\n";
  open_table(out, chart.title);
  out << "<thead>";
  write_row(out, {"series", chart.x_label, chart.y_label}, true);
  out << "</thead>\n<tbody>\n";
  for (const ChartLine& line : chart.lines) {
    const std::size_t n = line.points.size();
    const std::size_t shown = std::min(n, kFallbackRows);
    for (std::size_t k = 0; k < shown; ++k) {
      const std::size_t i = shown == 1 ? 0 : k * (n - 1) / (shown - 1);
      const auto& [x, y] = line.points[i];
      write_row(out,
                {line.label,
                 chart.x_nines  ? nines_tick(chart, x)
                 : chart.x_time ? core::format_ns(x)
                                : core::format_sig3(x),
                 chart.y_time ? core::format_ns(y) : core::format_sig3(y)},
                false);
    }
  }
  close_table(out);
  out << "</details>\n";
}


bool draws_from(const ChartSource& source, const std::string& id) {
  return source.prefix ? starts_with(id, source.id) : id == source.id;
}

// How many ns one of `unit` is, for the time units series use; 0 for any other unit.
double ns_per(const std::string& unit) {
  if (unit == "ns") return 1;
  if (unit == "us") return 1e3;
  if (unit == "ms") return 1e6;
  if (unit == "s") return 1e9;
  return 0;
}

// A series' points, with times in ns so the axis reads them as times.
std::vector<std::pair<double, double>> in_ns(std::vector<std::pair<double, double>> points,
                                             double x_scale, double y_scale) {
  for (auto& [x, y] : points) {
    if (x_scale > 0) x *= x_scale;
    if (y_scale > 0) y *= y_scale;
  }
  return points;
}

// Adds one series as a line; the first sets the axes: a time unit makes that axis a time axis
// (the label then needs no unit), any other unit goes into the label as "(KiB)".
void add_line(LineChart& chart, std::string label, const core::Series& s) {
  const double xs = ns_per(s.x_unit), ys = ns_per(s.y_unit);
  if (chart.lines.empty()) {
    chart.x_time = xs > 0;
    chart.y_time = ys > 0;
    chart.x_label = chart.x_time ? "" : s.x_unit;
    chart.y_label = chart.y_time ? "" : s.y_unit;
  }
  chart.lines.push_back({std::move(label), in_ns(s.points, chart.x_time ? xs : 0,
                                                 chart.y_time ? ys : 0)});
}

// One line per result `source` names that carries its series.
LineChart lines_of(const RunRecord& record, const ChartSource& source) {
  LineChart chart;
  for (const core::Result& r : record.results) {
    if (!draws_from(source, r.id)) continue;
    const core::Series* s = find_series(r, source.series);
    if (s == nullptr) continue;
    add_line(chart, short_id(r), *s);
  }
  return chart;
}

// A "nines" plot of the rows `source` names: per row its p50, p90, p99 and p99.9 where its
// sample count reaches them (cells.h, tail_supported), then its maximum, all at one "max"
// position one nine past the rarest percentile shown. Tails are the point of such rows, and
// a CDF on a linear axis draws everything past ~p98 as one segment.
LineChart nines_of_rows(const RunRecord& record, const ChartSource& source) {
  LineChart chart;
  chart.x_nines = true;
  chart.y_time = true;
  double rarest = 0;
  std::vector<const core::Result*> rows;
  for (const core::Result& r : record.results) {
    if (!draws_from(source, r.id) || !find_series(r, source.series)) continue;
    const core::Stats* s = r.status == core::Status::ok ? core::per_op_stats(r) : nullptr;
    if (s == nullptr || ns_per(r.unit.substr(0, r.unit.find('/'))) <= 0) continue;
    const double scale = ns_per(r.unit.substr(0, r.unit.find('/')));
    ChartLine line{short_id(r), {}};
    for (const auto& [q, v] :
         {std::pair{0.5, s->p50}, {0.9, s->p90}, {0.99, s->p99}, {0.999, s->p999}}) {
      if (!tail_supported(s->n, q)) break;
      line.points.emplace_back(nines_of(q), v * scale);
      rarest = std::max(rarest, nines_of(q));
    }
    line.points.emplace_back(0, s->max * scale);  // its x is set below, once all rows are in
    chart.lines.push_back(std::move(line));
  }
  chart.nines_max = std::floor(rarest + 1e-9) + 1;
  for (ChartLine& line : chart.lines) line.points.back().first = chart.nines_max;
  return chart;
}

}  // namespace

std::vector<PlacedChart> line_charts(const RunRecord& record) {
  LineChart wake = nines_of_rows(record, kWakeupChart);
  wake.title = "Wake-up lateness by percentile";
  wake.x_label = "percentile";
  wake.y_label = "lateness";
  wake.log_y = true;

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
  // fork grows to milliseconds while vfork and posix_spawn stay at tens of microseconds: on a
  // linear axis they would lie flat on zero.
  fork.log_y = true;

  LineChart reach;
  for (const core::Result& r : record.results) {
    if (!draws_from(kWorkingSetChart, r.id)) continue;
    for (const core::Series& s : r.series) {
      if (!starts_with(s.name, kWorkingSetChart.series)) continue;
      const std::string label = s.name == "latency_vs_working_set_4k"     ? "4 KiB pages"
                                : s.name == "latency_vs_working_set_huge" ? "huge pages"
                                                                          : s.name;
      add_line(reach, label, s);
    }
  }
  reach.title = "Load latency vs working-set size";
  reach.x_label = with_unit("working set", reach.x_label);
  reach.y_label = with_unit("latency per load", reach.y_label);
  reach.log_x = true;
  reach.log_y = true;

  return {{"scheduling", std::move(wake),
           "How late a 1 ms sleeper woke, per scenario, at each percentile its samples reach "
           "and at its worst; each step right is a ten times rarer wake-up."},
          {"vm", std::move(touch),
           "In touch order, each dot is the slowest first write of a run of consecutive pages "
           "(the run's length is in the vm.first_touch row's params): the tail, not the typical "
           "fault."},
          {"mmap_vs_read", std::move(io), "read(2) throughput per buffer size."},
          {"processes", std::move(fork),
           "p50 of creating a child, by how much memory the parent holds."},
          {"vm", std::move(reach), "Pointer-chase p50 per load as the working set grows."}};
}

// The same rungs as the console's ladder table (cost_ladder.h).
BarChart ladder_chart(const RunRecord& record) {
  BarChart chart;
  chart.title = "Cost ladder: p50 per operation";
  chart.x_label = "p50 (log scale)";
  chart.x_time = true;
  std::vector<LadderRung> rungs = cost_ladder(record.results);
  // Drawn only beside its table (write_ladder_section), which holds its numbers; named as the
  // table names them, cheapest first.
  if (rungs.size() < 2) return chart;
  std::stable_sort(rungs.begin(), rungs.end(),
                   [](const LadderRung& a, const LadderRung& b) { return a.p50 < b.p50; });
  for (const LadderRung& r : rungs)
    chart.bars.push_back({r.label, r.p50, core::format_value(r.p50, r.unit)});
  return chart;
}

void write_ladder_figure(std::ostream& out, const BarChart& ladder) {
  if (!has_drawable_bars(ladder)) return;
  out << "<figure>\n";
  write_log_bar_chart(out, ladder);
  out << "<figcaption class=\"note\">The p50 of each operation on a log scale: one grid step "
         "is ten times slower. Its numbers are the cost ladder's table above.</figcaption>\n"
         "</figure>\n";
}

void write_figure(std::ostream& out, const LineChart& chart, const std::string& caption) {
  if (!has_drawable_points(chart)) return;
  out << "<figure>\n";
  write_line_chart(out, chart);
  if (!caption.empty())
    out << "<figcaption class=\"note\">" << escape_html(caption) << "</figcaption>\n";
  write_chart_data(out, chart);
  out << "</figure>\n";
}

}  // namespace illusion::report
