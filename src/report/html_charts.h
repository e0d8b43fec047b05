// The HTML report's charts, built from a run (inline SVG through svg_chart.h): the cost ladder
// as log-scale bars beside its table, and the line charts each placed in the lab whose rows
// they draw (their sources are chart_sources.h). Every figure carries a caption; a line chart
// also its numbers as a folded table, for readers who cannot see it.
#pragma once

#include <ostream>
#include <string>
#include <vector>

#include "report/run_record.h"
#include "report/svg_chart.h"

namespace illusion::report {

// The ladder's rungs as bars, cheapest first, named as its table names them; no bars when the
// table has fewer than two rungs (the chart is drawn only beside it).
BarChart ladder_chart(const RunRecord& record);
void write_ladder_figure(std::ostream& out, const BarChart& ladder);

struct PlacedChart {
  std::string lab;  // the lab section it belongs in
  LineChart chart;
  std::string caption;
};

// Every line chart, in page order; one with nothing to draw is still listed (write_figure
// writes nothing for it).
std::vector<PlacedChart> line_charts(const RunRecord& record);
void write_figure(std::ostream& out, const LineChart& chart, const std::string& caption);

}  // namespace illusion::report
