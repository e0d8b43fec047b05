// Table markup for the HTML report (see html_table.h).
#include "report/html_table.h"

#include "report/html.h"

namespace illusion::report {

void write_row(std::ostream& out, const std::vector<std::string>& cells, bool header) {
  out << "<tr>";
  for (std::size_t i = 0; i < cells.size(); ++i) {
    const char* tag = header || i == 0 ? "th" : "td";
    const char* scope = header ? " scope=\"col\"" : i == 0 ? " scope=\"row\"" : "";
    out << '<' << tag << scope << (i == 0 ? "" : " class=\"num\"") << '>' << escape_html(cells[i])
        << "</" << tag << '>';
  }
  out << "</tr>\n";
}

void open_table(std::ostream& out, const std::string& caption) {
  out << "<div class=\"scroll\"><table>\n<caption>" << escape_html(caption) << "</caption>\n";
}

void close_table(std::ostream& out) {
  out << "</tbody>\n</table></div>\n";
}

}  // namespace illusion::report
