// One short legend for a report's terms and marks, at the top of the console report and the
// Markdown, instead of the same sentences under every lab table. An entry is listed only when
// the report uses it: a mark only if some row carries it, a term only if some row's text
// names it.
#pragma once

#include <string>
#include <vector>

#include "report/run_record.h"

namespace illusion::report {

struct LegendEntry {
  std::string term, meaning;
};
std::vector<LegendEntry> legend(const RunRecord& record);

// The legend's fixed entries as text for `illusion run --help`: the marks any report may use.
std::string legend_help_text();

}  // namespace illusion::report
