// `illusion compare A B`: reads two run files and prints their comparison. Everything that
// decides anything is in report/compare.h; a bad file is refused by read_run_file with a
// UsageError naming it (main turns that into exit status 2).
#include <iostream>

#include "cli/commands.h"
#include "report/compare.h"
#include "report/json.h"

namespace illusion::cli {

int cmd_compare(const CompareOptions& options) {
  // Both files are read before anything is printed, so a bad B leaves no half comparison.
  const report::RunRecord a = report::read_run_file(options.a);
  const report::RunRecord b = report::read_run_file(options.b);
  report::write_comparison(std::cout, report::compare(a, b), options.a, options.b);
  return 0;
}

}  // namespace illusion::cli
