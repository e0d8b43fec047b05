// Inline SVG charts for the HTML report (see svg_chart.h).
#include "report/svg_chart.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstddef>

#include "core/format.h"
#include "report/html.h"

namespace illusion::report {
namespace {

// Series are classes s0..s7 (html.cpp's style gives each a colour from a colour-blind-safe
// set, light or dark, and a dash pattern) and a marker shape of their own, so no series is told
// apart by colour alone.
constexpr std::size_t kSeriesStyles = 8;

std::string series_class(std::size_t i) {
  return fmt::format("s{}", i % kSeriesStyles);
}

// Series i's marker at (x, y): circle, square, diamond, triangle up, triangle down, plus,
// cross, then hollow circles.
void write_marker(std::ostream& out, std::size_t i, double x, double y, double r) {
  const std::string cls = series_class(i);
  switch (i % kSeriesStyles) {
    case 0:
      out << fmt::format("<circle class=\"{}\" cx=\"{:.1f}\" cy=\"{:.1f}\" r=\"{:.1f}\"/>", cls, x,
                         y, r);
      return;
    case 1:
      out << fmt::format(
          "<rect class=\"{}\" x=\"{:.1f}\" y=\"{:.1f}\" width=\"{:.1f}\" height=\"{:.1f}\"/>", cls,
          x - r, y - r, 2 * r, 2 * r);
      return;
    case 2:
      out << fmt::format(
          "<polygon class=\"{}\" points=\"{:.1f},{:.1f} {:.1f},{:.1f} {:.1f},{:.1f} "
          "{:.1f},{:.1f}\"/>",
          cls, x, y - 1.3 * r, x + 1.3 * r, y, x, y + 1.3 * r, x - 1.3 * r, y);
      return;
    case 3:
      out << fmt::format(
          "<polygon class=\"{}\" points=\"{:.1f},{:.1f} {:.1f},{:.1f} {:.1f},{:.1f}\"/>", cls, x,
          y - 1.3 * r, x + 1.2 * r, y + r, x - 1.2 * r, y + r);
      return;
    case 4:
      out << fmt::format(
          "<polygon class=\"{}\" points=\"{:.1f},{:.1f} {:.1f},{:.1f} {:.1f},{:.1f}\"/>", cls, x,
          y + 1.3 * r, x + 1.2 * r, y - r, x - 1.2 * r, y - r);
      return;
    case 5:
      out << fmt::format(
          "<path class=\"{}\" stroke-width=\"2\" "
          "d=\"M{:.1f},{:.1f}H{:.1f}M{:.1f},{:.1f}V{:.1f}\"/>",
          cls, x - 1.3 * r, y, x + 1.3 * r, x, y - 1.3 * r, y + 1.3 * r);
      return;
    case 6:
      out << fmt::format(
          "<path class=\"{}\" stroke-width=\"2\" "
          "d=\"M{:.1f},{:.1f}L{:.1f},{:.1f}M{:.1f},{:.1f}L{:.1f},{:.1f}\"/>",
          cls, x - r, y - r, x + r, y + r, x - r, y + r, x + r, y - r);
      return;
    default:
      out << fmt::format(
          "<circle class=\"{}\" fill-opacity=\"0\" stroke-width=\"1.5\" cx=\"{:.1f}\" "
          "cy=\"{:.1f}\" r=\"{:.1f}\"/>",
          cls, x, y, r);
  }
}
constexpr std::size_t kMaxLinePoints = 1000;
constexpr std::size_t kMaxDots = 3000;

bool drawable(double v, bool log) {
  return std::isfinite(v) && (!log || v > 0);
}

// A tick on a time axis (values in ns): "100 ns", "10 µs", "1.5 ms", "2 s".
std::string time_tick_label(double ns) {
  const double a = std::fabs(ns);
  if (a >= 1e9) return fmt::format("{:g} s", ns / 1e9);
  if (a >= 1e6) return fmt::format("{:g} ms", ns / 1e6);
  if (a >= 1e3) return fmt::format("{:g} µs", ns / 1e3);
  return fmt::format("{:g} ns", ns);
}

// A tick label without the unit (the axis title has it): "0.5", "20", "1k", "2.5M"; on a time
// axis, the time with its unit.
std::string tick_label(double v, bool time) {
  if (time) return time_tick_label(v);
  const double a = std::fabs(v);
  if (a >= 1e9) return fmt::format("{:g}G", v / 1e9);
  if (a >= 1e6) return fmt::format("{:g}M", v / 1e6);
  if (a >= 1e3) return fmt::format("{:g}k", v / 1e3);
  return fmt::format("{:g}", v);
}

// One axis: the data range rounded out to decades (log) or to a "nice" step (linear), mapped
// onto pixels [pix0, pix1].
struct Axis {
  bool log = false;
  double lo = 0, hi = 1;
  double pix0 = 0, pix1 = 1;
  std::vector<double> ticks;

  double map(double v) const {
    const double f = log ? (std::log10(v) - std::log10(lo)) / (std::log10(hi) - std::log10(lo))
                         : (v - lo) / (hi - lo);
    return pix0 + f * (pix1 - pix0);
  }
};

Axis make_axis(double min, double max, bool log, double pix0, double pix1) {
  Axis a;
  a.log = log;
  a.pix0 = pix0;
  a.pix1 = pix1;
  if (log) {
    int d0 = static_cast<int>(std::floor(std::log10(min)));
    int d1 = static_cast<int>(std::ceil(std::log10(max)));
    if (d1 <= d0) d1 = d0 + 1;
    a.lo = std::pow(10.0, d0);
    a.hi = std::pow(10.0, d1);
    const int step = (d1 - d0 + 7) / 8;  // at most about eight labelled decades
    for (int d = d0; d <= d1; d += step) a.ticks.push_back(std::pow(10.0, d));
    return a;
  }
  min = std::min(min, 0.0);
  if (max <= min) max = min + 1;
  const double raw = (max - min) / 5;
  const double mag = std::pow(10.0, std::floor(std::log10(raw)));
  double step = mag * 10;
  for (double m : {1.0, 2.0, 5.0, 10.0}) {
    if (raw <= m * mag) {
      step = m * mag;
      break;
    }
  }
  // The axis ends where the data does (1024 MiB, not 1500): ticks at nice steps inside it.
  a.lo = std::floor(min / step) * step;
  a.hi = max;
  if (a.hi <= a.lo) a.hi = a.lo + step;
  for (double t = a.lo; t <= a.hi + step * 1e-9; t += step) a.ticks.push_back(t);
  return a;
}

std::string px(double v) {
  return fmt::format("{:.1f}", v);
}

void open_svg(std::ostream& out, double width, double height, const std::string& title,
              const std::string& desc) {
  out << fmt::format(
      "<svg class=\"chart\" role=\"img\" width=\"{0}\" height=\"{1}\" viewBox=\"0 0 {0} {1}\" "
      "aria-label=\"{2}\">\n",
      px(width), px(height), escape_html(title));
  out << "<title>" << escape_html(title) << "</title>\n";
  out << "<desc>" << escape_html(desc) << "</desc>\n";
  out << fmt::format(
      "<text class=\"chart-title\" x=\"{}\" y=\"22\" text-anchor=\"middle\">{}</text>\n",
      px(width / 2), escape_html(title));
}

std::vector<std::pair<double, double>> thinned(const std::vector<std::pair<double, double>>& pts,
                                               std::size_t cap) {
  if (pts.size() <= cap) return pts;
  std::vector<std::pair<double, double>> out;
  const double stride = static_cast<double>(pts.size() - 1) / static_cast<double>(cap - 1);
  for (std::size_t i = 0; i < cap; ++i)
    out.push_back(pts[static_cast<std::size_t>(std::lround(static_cast<double>(i) * stride))]);
  return out;
}

// What a screen reader says for a chart: each series with its point count and ranges.
std::string line_chart_desc(const LineChart& chart, const std::vector<ChartLine>& lines) {
  std::string text = fmt::format("{} series; x: {}{}, y: {}{}.", lines.size(), chart.x_label,
                                 chart.log_x ? " (log scale)" : "", chart.y_label,
                                 chart.log_y ? " (log scale)" : "");
  for (const ChartLine& line : lines) {
    const auto [xlo, xhi] =
        std::minmax_element(line.points.begin(), line.points.end(),
                            [](const auto& a, const auto& b) { return a.first < b.first; });
    const auto [ylo, yhi] =
        std::minmax_element(line.points.begin(), line.points.end(),
                            [](const auto& a, const auto& b) { return a.second < b.second; });
    text += fmt::format(" {}: {} points, x {} to {}, y {} to {}.", line.label, line.points.size(),
                        core::format_sig3(xlo->first), core::format_sig3(xhi->first),
                        core::format_sig3(ylo->second), core::format_sig3(yhi->second));
  }
  return text;
}

std::string bar_chart_desc(const BarChart& chart, const std::vector<Bar>& bars) {
  std::string text = fmt::format("{} bars, {}:", bars.size(), chart.x_label);
  for (std::size_t i = 0; i < bars.size(); ++i)
    text += fmt::format("{} {} {}", i == 0 ? "" : ";", bars[i].label, bars[i].value_text);
  return text + ".";
}

}  // namespace

double nines_of(double q) {
  return -std::log10(1 - q);
}

std::string nines_label(double nines) {
  // p(100 * (1 - 10^-nines)): 0.301 -> p50, 1 -> p90, 2 -> p99, 3 -> p99.9.
  const double percent = 100 * (1 - std::pow(10.0, -nines));
  return fmt::format("p{:g}", std::round(percent * 1e4) / 1e4);
}

std::string nines_tick(const LineChart& chart, double nines) {
  if (chart.nines_max > 0 && std::fabs(nines - chart.nines_max) < 1e-9) return "max";
  return nines_label(nines);
}

bool has_drawable_points(const LineChart& chart) {
  for (const ChartLine& line : chart.lines)
    for (const auto& [x, y] : line.points)
      if (drawable(x, chart.log_x) && drawable(y, chart.log_y)) return true;
  return false;
}

bool has_drawable_bars(const BarChart& chart) {
  return std::any_of(chart.bars.begin(), chart.bars.end(),
                     [](const Bar& b) { return drawable(b.value, true); });
}

void write_line_chart(std::ostream& out, const LineChart& chart) {
  // Only the points that can be drawn, per line.
  std::vector<ChartLine> lines;
  double xmin = INFINITY, xmax = -INFINITY, ymin = INFINITY, ymax = -INFINITY;
  for (const ChartLine& line : chart.lines) {
    ChartLine kept{line.label, {}};
    for (const auto& [x, y] : line.points) {
      if (!drawable(x, chart.log_x) || !drawable(y, chart.log_y)) continue;
      kept.points.emplace_back(x, y);
      xmin = std::min(xmin, x);
      xmax = std::max(xmax, x);
      ymin = std::min(ymin, y);
      ymax = std::max(ymax, y);
    }
    if (!kept.points.empty()) lines.push_back(std::move(kept));
  }
  if (lines.empty()) return;

  const bool legend = lines.size() > 1;
  const double width = legend ? 860 : 720, height = 380;
  const double left = 78, right = legend ? 640 : 700, top = 40, bottom = height - 56;
  Axis ax = make_axis(xmin, xmax, chart.log_x, left, right);
  if (chart.x_nines) {
    // From p50 to the rarest point, a tick at each nine.
    ax.lo = std::min(nines_of(0.5), xmin);
    ax.hi = std::max(xmax, ax.lo + 1);
    ax.ticks = {nines_of(0.5)};
    for (double t = 1; t <= ax.hi + 1e-9; t += 1) ax.ticks.push_back(t);
  }
  const Axis ay = make_axis(ymin, ymax, chart.log_y, bottom, top);

  open_svg(out, width, height, chart.title, line_chart_desc(chart, lines));
  out << fmt::format("<rect class=\"plot\" x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\"/>\n",
                     px(left), px(top), px(right - left), px(bottom - top));
  for (double t : ax.ticks) {
    const double x = ax.map(t);
    out << fmt::format(
        "<line class=\"grid\" x1=\"{0}\" y1=\"{1}\" x2=\"{0}\" y2=\"{2}\"/>"
        "<line class=\"axis\" x1=\"{0}\" y1=\"{2}\" x2=\"{0}\" y2=\"{3}\"/>"
        "<text class=\"tick\" x=\"{0}\" y=\"{4}\" text-anchor=\"middle\">{5}</text>\n",
        px(x), px(top), px(bottom), px(bottom + 5), px(bottom + 18),
        escape_html(chart.x_nines ? nines_tick(chart, t) : tick_label(t, chart.x_time)));
  }
  for (double t : ay.ticks) {
    const double y = ay.map(t);
    out << fmt::format(
        "<line class=\"grid\" x1=\"{1}\" y1=\"{0}\" x2=\"{2}\" y2=\"{0}\"/>"
        "<line class=\"axis\" x1=\"{3}\" y1=\"{0}\" x2=\"{1}\" y2=\"{0}\"/>"
        "<text class=\"tick\" x=\"{4}\" y=\"{5}\" text-anchor=\"end\">{6}</text>\n",
        px(y), px(left), px(right), px(left - 5), px(left - 8), px(y + 4),
        escape_html(tick_label(t, chart.y_time)));
  }
  out << fmt::format(
      "<text class=\"axis-label\" x=\"{}\" y=\"{}\" text-anchor=\"middle\">{}{}</text>\n",
      px((left + right) / 2), px(height - 14), escape_html(chart.x_label),
      chart.log_x ? " (log scale)" : "");
  out << fmt::format(
      "<text class=\"axis-label\" x=\"{0}\" y=\"{1}\" text-anchor=\"middle\" "
      "transform=\"rotate(-90 {0} {1})\">{2}{3}</text>\n",
      px(18), px((top + bottom) / 2), escape_html(chart.y_label),
      chart.log_y ? " (log scale)" : "");

  for (std::size_t i = 0; i < lines.size(); ++i) {
    const std::string cls = series_class(i);
    if (chart.dots) {
      out << "<g class=\"dots " << cls << "\">";
      for (const auto& [x, y] : thinned(lines[i].points, kMaxDots))
        out << fmt::format("<circle cx=\"{}\" cy=\"{}\" r=\"1.6\"/>", px(ax.map(x)), px(ay.map(y)));
      out << "</g>\n";
    } else {
      out << "<polyline class=\"line " << cls << "\" points=\"";
      bool first = true;
      for (const auto& [x, y] : thinned(lines[i].points, kMaxLinePoints)) {
        out << (first ? "" : " ") << px(ax.map(x)) << ',' << px(ay.map(y));
        first = false;
      }
      out << "\"/>\n";
      if (lines[i].points.size() <= 40)
        for (const auto& [x, y] : lines[i].points) write_marker(out, i, ax.map(x), ay.map(y), 2.8);
      out << "\n";
    }
    if (legend) {
      const double ly = top + 8 + 20 * static_cast<double>(i);
      out << fmt::format(
          "<g class=\"legend\"><line class=\"key {}\" x1=\"{}\" y1=\"{}\" x2=\"{}\" y2=\"{}\"/>",
          cls, px(right + 8), px(ly + 5), px(right + 30), px(ly + 5));
      write_marker(out, i, right + 19, ly + 5, 3);
      out << fmt::format("<text x=\"{}\" y=\"{}\">{}</text></g>\n", px(right + 36), px(ly + 10),
                         escape_html(lines[i].label));
    }
  }
  out << "</svg>\n";
}

void write_log_bar_chart(std::ostream& out, const BarChart& chart) {
  std::vector<Bar> bars;
  double vmin = INFINITY, vmax = -INFINITY;
  for (const Bar& b : chart.bars) {
    if (!drawable(b.value, true)) continue;
    bars.push_back(b);
    vmin = std::min(vmin, b.value);
    vmax = std::max(vmax, b.value);
  }
  if (bars.empty()) return;
  const double row = 26, top = 40, label_w = 250;
  const double width = 820, left = label_w + 10, right = width - 110;
  const double bottom = top + row * static_cast<double>(bars.size()) + 6;
  const double height = bottom + 50;
  // The axis starts a decade below the smallest bar (even when that bar sits on a decade),
  // so every bar has a length and the lengths order like the values.
  Axis ax = make_axis(vmin, vmax, true, left, right);
  if (std::log10(vmin) - std::log10(ax.lo) < 0.1) {
    ax = make_axis(vmin / 10, vmax, true, left, right);
  }

  open_svg(out, width, height, chart.title, bar_chart_desc(chart, bars));
  for (double t : ax.ticks) {
    const double x = ax.map(t);
    out << fmt::format(
        "<line class=\"grid\" x1=\"{0}\" y1=\"{1}\" x2=\"{0}\" y2=\"{2}\"/>"
        "<text class=\"tick\" x=\"{0}\" y=\"{3}\" text-anchor=\"middle\">{4}</text>\n",
        px(x), px(top), px(bottom), px(bottom + 16), escape_html(tick_label(t, chart.x_time)));
  }
  out << fmt::format(
      "<line class=\"axis\" x1=\"{0}\" y1=\"{1}\" x2=\"{0}\" y2=\"{2}\"/>"
      "<line class=\"axis\" x1=\"{0}\" y1=\"{2}\" x2=\"{3}\" y2=\"{2}\"/>\n",
      px(left), px(top), px(bottom), px(right));
  out << fmt::format(
      "<text class=\"axis-label\" x=\"{}\" y=\"{}\" text-anchor=\"middle\">{}</text>\n",
      px((left + right) / 2), px(height - 12), escape_html(chart.x_label));
  for (std::size_t i = 0; i < bars.size(); ++i) {
    const double y = top + row * static_cast<double>(i) + 4;
    const double w = std::max(1.0, ax.map(bars[i].value) - left);
    out << fmt::format(
        "<text class=\"bar-label\" x=\"{}\" y=\"{}\" text-anchor=\"end\">{}</text>"
        "<rect class=\"bar s0\" x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\"/>"
        "<text class=\"bar-value\" x=\"{}\" y=\"{}\">{}</text>\n",
        px(left - 8), px(y + 13), escape_html(bars[i].label), px(left), px(y),
        fmt::format("{:.2f}", w), px(row - 8), px(left + w + 6), px(y + 13),
        escape_html(bars[i].value_text));
  }
  out << "</svg>\n";
}

}  // namespace illusion::report
