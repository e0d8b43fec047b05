// A run as one self-contained HTML page: what `run --html` and `report --html` write.
//
// The same content as the Markdown report (markdown.h), cell for cell (report/cells.h): the
// header with the tool and the machine, the caveats, the commentary, per lab its question,
// table, meaning lines and syscall budget, the warnings; then inline SVG charts (svg_chart.h),
// each only when the run holds its data: the cost ladder, wake-up lateness CDFs, the
// first-touch fault timeline, IO throughput vs buffer size, fork latency vs parent size and
// latency vs working-set size. Inline CSS, no script, nothing fetched from the network; every
// string from the machine or a file is escaped.
#pragma once

#include <ostream>
#include <string>
#include <string_view>

#include "report/run_record.h"

namespace illusion::report {

void write_html(std::ostream& out, const RunRecord& record);

// `text` safe in HTML text and in a quoted attribute: & < > " ' become entities.
std::string escape_html(std::string_view text);

}  // namespace illusion::report
