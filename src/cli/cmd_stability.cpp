// `illusion stability RUN.json RUN.json [...]`: reads the run files (every one before printing
// anything, so a bad file leaves no half table) and prints report/stability.h's table.
#include <iostream>
#include <sstream>

#include <fmt/format.h>

#include "cli/commands.h"
#include "report/atomic_file.h"
#include "report/json.h"
#include "report/stability.h"

namespace illusion::cli {

int cmd_stability(const StabilityOptions& options) {
  if (!options.md_path.empty()) report::check_output_path(options.md_path, "--md");
  std::vector<report::RunRecord> runs;
  for (const auto& f : options.files) runs.push_back(report::read_run_file(f));
  const report::Stability s = report::stability(runs);
  if (!options.md_path.empty()) {
    std::ostringstream md;
    report::write_stability_markdown(md, s, options.files);
    report::write_file_atomically(options.md_path, md.str());
    std::cerr << fmt::format("Wrote {}\n", options.md_path);
  }
  report::write_stability(std::cout, s, options.files);
  return 0;
}

}  // namespace illusion::cli
