// Inline SVG charts for the HTML report (html.h): line charts with linear or log axes and a
// horizontal bar chart on a log scale. Self-contained markup (no xmlns URL, no script, no
// external font); every label is HTML-escaped; non-finite points (and points <= 0 on a log
// axis) are skipped, never drawn. A chart with nothing to draw writes nothing.
#pragma once

#include <ostream>
#include <string>
#include <utility>
#include <vector>

namespace illusion::report {

struct ChartLine {
  std::string label;
  std::vector<std::pair<double, double>> points;
};

struct LineChart {
  std::string title;
  std::string x_label, y_label;  // axis titles, with the unit: "buffer (KiB)"
  bool log_x = false, log_y = false;
  // Values in ns: ticks then read as times ("10 µs", "1 ms") and the title needs no unit.
  bool x_time = false, y_time = false;
  // x is a percentile's "nines", -log10(1 - q) (p90 is 1, p99 is 2): ticks read p50, p90,
  // p99, p99.9, so each tenfold rarer tail gets the same width.
  bool x_nines = false;
  double nines_max = 0;  // on a nines axis, where each line's maximum sits (the tick "max")
  bool dots = false;  // a scatter of points instead of lines (the fault timeline)
  std::vector<ChartLine> lines;
};

struct Bar {
  std::string label;
  double value = 0;        // the bar's length, on the log axis
  std::string value_text;  // printed at the end of the bar
};

struct BarChart {
  std::string title;
  std::string x_label;  // "p50 (log scale)"
  bool x_time = false;  // values in ns, ticks as times
  std::vector<Bar> bars;
};

// A percentile's position on a nines axis, and back to its name: 0.99 -> 2 -> "p99".
double nines_of(double q);
std::string nines_label(double nines);
// A nines-axis tick or cell: "max" at `chart.nines_max`, else nines_label.
std::string nines_tick(const LineChart& chart, double nines);

// True when `chart` has at least one point it would draw.
bool has_drawable_points(const LineChart& chart);
bool has_drawable_bars(const BarChart& chart);

// One <svg> element (or nothing when there is nothing to draw).
void write_line_chart(std::ostream& out, const LineChart& chart);
void write_log_bar_chart(std::ostream& out, const BarChart& chart);

}  // namespace illusion::report
