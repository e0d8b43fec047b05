// `illusion verify`: the counts illusion's methods assume, checked with strace and perf stat.
//
// Hidden child mode: the checks re-execute this binary as `illusion verify` under strace or
// perf stat with the environment variable ILLUSION_VERIFY_CHILD set, e.g.
// ILLUSION_VERIFY_CHILD=getppid:N (exactly N syscall(SYS_getppid), then exit 0). The other
// modes are clock_gettime:N (N vDSO clock_gettime calls), pingpong:N (N round trips between
// two threads pinned to one CPU) and pages:N (one write to each of N fresh 4 KiB pages). In
// that mode nothing is printed and no table is built, so the tools count only that work plus
// process start-up. See cli/verify_checks.h.
#include <cstdlib>
#include <iostream>

#include "cli/commands.h"
#include "cli/verify_checks.h"
#include "core/format.h"
#include "report/text_table.h"

namespace illusion::cli {

int cmd_verify(const VerifyOptions& options) {
  if (const char* spec = std::getenv(verify::kChildEnv)) return verify::run_verify_child(spec);
  if (options.peers) return cmd_verify_peers(options);

  const auto results = verify::run_checks();
  report::TextTable table;
  table.add_column("check", report::Align::left);
  table.add_column("illusion assumes", report::Align::left);
  table.add_column("tool", report::Align::left);
  table.add_column("tool's figure", report::Align::right);
  table.add_column("expected", report::Align::right);
  table.add_column("verdict", report::Align::left);
  bool any_disagree = false;
  int checked = 0;
  for (const auto& r : results) {
    std::string verdict;
    switch (r.verdict) {
      case verify::Verdict::agree:
        verdict = "agree";
        ++checked;
        break;
      case verify::Verdict::disagree:
        verdict = "DISAGREE";
        any_disagree = true;
        ++checked;
        break;
      case verify::Verdict::not_checked:
        verdict = "not checked";  // the reason goes under the row, wrapped, never cut
        break;
    }
    const std::string figure =
        r.figure ? core::format_whole(static_cast<double>(*r.figure)) : core::kMissing;
    table.add_row({r.name, r.assumes, r.tool, figure, r.expected, verdict},
                  r.verdict == verify::Verdict::not_checked ? "not checked: " + r.note : r.note);
  }
  std::cout << "Cross-checks with independent tools\n\n";
  table.write(std::cout);
  std::cout << "\n"
            << checked << " of " << results.size() << " checks ran; "
            << (any_disagree ? "at least one DISAGREES" : "every check that ran agrees") << ".\n";
  return any_disagree ? 1 : 0;
}

}  // namespace illusion::cli
