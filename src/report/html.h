// A run as one self-contained HTML page: what `run --html` and `report --html` write.
//
// The same figures as the Markdown report (markdown.h), cell for cell (report/cells.h), laid
// out for reading: the header with the tool and the machine, a contents line, the cost ladder
// with its chart, the commentary (long paragraphs folded), the caveats, then per lab its
// question, table, row notes with their own warnings, each row's spread (html_spread.h), the
// syscall budget and the lab's charts (html_charts.h); warnings many rows share last. Inline
// CSS with light, dark and print styles (html_style.h), no script, nothing fetched from the
// network; every string from the machine or a file is escaped.
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
