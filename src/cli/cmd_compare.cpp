// `illusion compare A B`: reads two run files and prints their comparison. Everything that
// decides anything is in report/compare.h; a bad file is refused by read_run_file with a
// UsageError naming it (main turns that into exit status 2).
#include <iostream>
#include <memory>

#include "cli/cli_options.h"
#include "cli/commands.h"
#include "core/errors.h"
#include "report/compare.h"
#include "report/json.h"

namespace illusion::cli {

int cmd_compare(const CompareOptions& options) {
  // Not CLI11's "b is required": say what compare needs, with the form to type.
  if (options.a.empty() || options.b.empty())
    throw core::UsageError(
        "compare needs two run files (from 'illusion run --json'): illusion compare A.json B.json");
  // Both files are read before anything is printed, so a bad B leaves no half comparison.
  const report::RunRecord a = report::read_run_file(options.a);
  const report::RunRecord b = report::read_run_file(options.b);
  report::write_comparison(std::cout, report::compare(a, b), options.a, options.b);
  return 0;
}

Command add_compare(CLI::App& app) {
  auto options = std::make_shared<CompareOptions>();
  CLI::App* compare = app.add_subcommand(
      "compare",
      "Compare two saved runs: each common experiment, the ratio, and whether the "
      "difference exceeds the runs' own spread");
  compare->footer(help_footer({"",
                               {"illusion compare before.json after.json"},
                               {"0 compared (whatever the verdicts)", kExitUsage},
                               "'illusion stability' (how N runs repeat), README.md"}));
  compare->add_option("a", options->a, "The first run file (the baseline)")
      ->type_name("A.json")
      ->check(a_file());
  compare->add_option("b", options->b, "The second run file")->type_name("B.json")->check(a_file());
  return {compare, [options] { return cmd_compare(*options); }};
}

}  // namespace illusion::cli
