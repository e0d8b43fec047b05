// A run as GitHub-flavoured Markdown: what `run --md` and `report --md` write, for pasting
// into an issue, a pull request or a lab notebook.
//
// The same content as the console report (console.h), cell for cell (report/cells.h): a
// heading with the tool and the machine, per lab a "##" heading, its question, a table
// (experiment, p50, p99, max, GB/s when any row has a throughput, faults, ctx-sw, syscalls;
// "—" for what does not exist, "*" for a getrusage(2) fallback), each row's meaning or
// skip/fail reason as a list, the syscall budget; then the warnings (once each, with where
// they came from), the caveats and the commentary as bullet lists.
#pragma once

#include <ostream>
#include <string>
#include <string_view>

#include "report/run_record.h"

namespace illusion::report {

void write_markdown(std::ostream& out, const RunRecord& record);

// `text` safe to place in Markdown prose or a table cell: "\", "`", "*", "_", "|", "[", "]",
// "#" and "~" are backslash-escaped, "<", ">" and "&" become entities, and line breaks become
// spaces (a newline would end a table row or a list item).
std::string escape_markdown(std::string_view text);

}  // namespace illusion::report
