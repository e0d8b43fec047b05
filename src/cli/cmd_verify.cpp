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
#include <memory>
#include <vector>

#include <fmt/format.h>
#include "cli/commands.h"

#include "cli/cli_options.h"
#include "cli/verify_checks.h"
#include "core/errors.h"
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

Command add_verify(CLI::App& app) {
  auto options = std::make_shared<VerifyOptions>();
  auto quick = std::make_shared<bool>(false);
  CLI::App* verify = app.add_subcommand(
      "verify",
      "Check the counts illusion's methods assume with strace and perf stat; with --peers, "
      "compare its headline timings with perf bench, hyperfine, fio and cyclictest");
  verify->footer(help_footer(
      {"The count checks need strace and perf (Debian: strace, linux-perf); perf counts "
       "kernel-mode events only as root or with kernel.perf_event_paranoid <= 1, and the checks "
       "say when it could not. --peers needs perf, hyperfine, fio "
       "and cyclictest (linux-perf, hyperfine, fio, rt-tests; scripts/peers.sh installs them): "
       "a missing one is a row that says so, and the rest go on.",
       {"illusion verify", "illusion verify --peers --json peers.json",
        "illusion verify --peers --rounds 5 --cpu 1"},
       {"0 done (with --peers, whatever the verdicts: they are findings)",
        "1 a count check disagrees, or a failure", kExitUsage, kExitInterrupted},
       "tools.md (the pairs and their methods), docs/json_schema.md (the JSON)"}));
  verify->add_flag("--peers", options->peers,
                   "Compare timings with the peer tools instead of checking counts");
  // The options below go with --peers only; the count checks take none.
  const std::vector<CLI::Option*> peers_only = {
      verify
          ->add_option("--rounds", options->rounds,
                       "Rounds of illusion-then-peer per pair, 1 to 20 (default 3)")
          ->type_name("N")
          ->check(a_number("a whole number of rounds such as 3")),
      verify->add_option("--json", options->json_path, "Also write the comparisons as JSON")
          ->type_name("FILE")
          ->check(a_file()),
      verify
          ->add_option("--cpu", options->cpu,
                       "The CPU both sides run on (default: the last one allowed)")
          ->type_name("CPU")
          ->check(a_cpu_number()),
      verify->add_flag("--quick", *quick, "Shorter rows and peer runs, a 128 MiB test file"),
      verify->add_option("--dir", options->dir, "Where the IO pairs' test file goes")
          ->type_name("DIR")
          ->check(non_empty("a directory")),
      verify
          ->add_option("--file-size", options->file_size,
                       "The IO pairs' test file size in MiB (default 512M, 128M with --quick)")
          ->type_name("SIZE")
          ->check(non_empty("a size such as 512M")),
  };
  return {verify, [options, quick, peers_only] {
            if (!options->peers)
              for (const CLI::Option* o : peers_only)
                if (o->count() > 0)
                  throw core::UsageError(fmt::format(
                      "{} goes with --peers (the count checks take no options); see 'illusion "
                      "verify --help'",
                      o->get_name()));
            if (*quick) options->profile = core::Profile::quick;
            return cmd_verify(*options);
          }};
}

}  // namespace illusion::cli
