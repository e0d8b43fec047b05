// The stylesheet inlined into the HTML report (html.cpp): page, tables and chart colours as
// custom properties with a light and a dark palette, the series' colour-blind-safe colours and
// dashes (svg_chart.cpp names them by class), phone layout and print rules.
#pragma once

namespace illusion::report {

extern const char* const kHtmlStyle;

}  // namespace illusion::report
