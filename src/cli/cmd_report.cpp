// `illusion report FILE`: a saved run (from `run --json`) printed as the console report, or
// written to the files asked for (--json, --md, --html: report::output_formats(); only the
// files then, no console report). A bad output path is refused before the file is read.
#include <iostream>
#include <memory>

#include <fmt/format.h>

#include "cli/cli_options.h"
#include "cli/commands.h"
#include "core/printable.h"
#include "report/console.h"
#include "report/json.h"
#include "report/outputs.h"
#include "report/run_record.h"

namespace illusion::cli {

int cmd_report(const ReportOptions& options) {
  report::check_outputs(options.outputs, {options.file});
  const report::RunRecord record = report::read_run_file(options.file);
  if (!report::any_output(options.outputs)) {
    report::write_console(std::cout, record, {options.verbose});
    std::cout.flush();
    return 0;
  }
  for (const std::string& path : report::write_outputs(options.outputs, record))
    std::cerr << fmt::format("Wrote {}\n", core::printable_message(path));
  return 0;
}

Command add_report(CLI::App& app) {
  auto options = std::make_shared<ReportOptions>();
  CLI::App* report = app.add_subcommand(
      "report", "Print a saved run (from run --json), or write it as JSON, Markdown or HTML");
  report->footer(
      help_footer({"",
                   {"illusion report run.json", "illusion report run.json --html run.html",
                    "illusion report run.json --md run.md --json copy.json"},
                   {"0 printed or written", "1 an output could not be written", kExitUsage},
                   "'illusion compare' (two runs), docs/json_schema.md"}));
  report->add_option("file", options->file, "A run file written by 'illusion run --json'")
      ->required()
      ->type_name("FILE")
      ->check(a_file());
  add_output_options(*report, options->outputs, "Write", "OUT");
  report->add_flag("-v,--verbose", options->verbose,
                   "Print each row's sentence under it (the files always have them)");
  return {report, [options] { return cmd_report(*options); }};
}

}  // namespace illusion::cli
