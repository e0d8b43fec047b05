// Table markup the HTML report's writers share (html.cpp, html_spread.cpp): rows with column
// and row headers, and a table in its own scrolling box with a caption.
#pragma once

#include <ostream>
#include <string>
#include <vector>

namespace illusion::report {

// One <tr>; `cells` are plain text (escaped here). A header row's cells are column headers; a
// body row's first cell names the row (a row header, for screen readers), the rest are numbers.
void write_row(std::ostream& out, const std::vector<std::string>& cells, bool header);

// Opens a table inside its own scrolling box (so a wide table never widens the page), with a
// caption naming it; close_table ends its body and the box.
void open_table(std::ostream& out, const std::string& caption);
void close_table(std::ostream& out);

}  // namespace illusion::report
