// `illusion report FILE`: a saved run (from `run --json`) printed as the console report, or
// with --md OUT written as Markdown. A bad output path is refused before the file is read.
#include <iostream>
#include <sstream>

#include <fmt/format.h>

#include "cli/commands.h"
#include "report/atomic_file.h"
#include "report/console.h"
#include "report/json.h"
#include "report/markdown.h"
#include "report/run_record.h"

namespace illusion::cli {

int cmd_report(const ReportOptions& options) {
  if (!options.md_path.empty()) report::check_output_path(options.md_path, "--md");
  const report::RunRecord record = report::read_run_file(options.file);
  if (options.md_path.empty()) {
    report::write_console(std::cout, record);
    std::cout.flush();
    return 0;
  }
  std::ostringstream md;
  report::write_markdown(md, record);
  report::write_file_atomically(options.md_path, md.str());
  std::cerr << fmt::format("Wrote {}\n", options.md_path);
  return 0;
}

}  // namespace illusion::cli
