// `illusion report FILE`: a saved run (from `run --json`) printed as the console report, or
// with --md OUT / --html OUT written as Markdown / HTML (only the files, no console report).
// A bad output path is refused before the file is read.
#include <iostream>
#include <sstream>

#include <fmt/format.h>

#include "cli/commands.h"
#include "report/atomic_file.h"
#include "report/console.h"
#include "report/html.h"
#include "report/json.h"
#include "report/markdown.h"
#include "report/run_record.h"

namespace illusion::cli {

int cmd_report(const ReportOptions& options) {
  if (!options.md_path.empty()) report::check_output_path(options.md_path, "--md");
  if (!options.html_path.empty()) report::check_output_path(options.html_path, "--html");
  const report::RunRecord record = report::read_run_file(options.file);
  if (options.md_path.empty() && options.html_path.empty()) {
    report::write_console(std::cout, record);
    std::cout.flush();
    return 0;
  }
  if (!options.md_path.empty()) {
    std::ostringstream md;
    report::write_markdown(md, record);
    report::write_file_atomically(options.md_path, md.str());
    std::cerr << fmt::format("Wrote {}\n", options.md_path);
  }
  if (!options.html_path.empty()) {
    std::ostringstream html;
    report::write_html(html, record);
    report::write_file_atomically(options.html_path, html.str());
    std::cerr << fmt::format("Wrote {}\n", options.html_path);
  }
  return 0;
}

}  // namespace illusion::cli
