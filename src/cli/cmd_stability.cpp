// `illusion stability RUN.json RUN.json [VERIFY.json ...]`: reads the files (every one before
// printing anything, so a bad file leaves no half table) and prints report/stability.h's table.
// Run files and verify files (`illusion verify --peers --json`, made in the same slots by
// bench/stability.sh) may be mixed in any order: each is told apart by its "schema", and the
// verify files give the peer tools' own variation as a reference.
#include <iostream>
#include <memory>
#include <sstream>

#include <fmt/format.h>

#include "cli/cli_options.h"
#include "cli/commands.h"
#include "core/errors.h"
#include "core/printable.h"
#include "peers/peer_stability.h"
#include "peers/verify_read.h"
#include "report/atomic_file.h"
#include "report/json.h"
#include "report/output_paths.h"
#include "report/stability.h"

namespace illusion::cli {

int cmd_stability(const StabilityOptions& options) {
  if (!options.md_path.empty()) {
    report::check_output_path(options.md_path, "--md");
    report::check_distinct_paths({{"--md", options.md_path}}, options.files);
  }
  std::vector<report::RunRecord> runs;
  std::vector<std::string> run_names;
  std::vector<peers::VerifyFile> verifies;
  for (const auto& f : options.files) {
    // Anything that is not a verify file goes to the run reader, which says what is wrong.
    if (auto v = peers::try_read_verify_file(f)) {
      verifies.push_back(std::move(*v));
    } else {
      runs.push_back(report::read_run_file(f));
      run_names.push_back(f);
    }
  }
  if (runs.size() < 2)
    throw core::UsageError(fmt::format(
        "stability needs two run files at least (from 'illusion run --json'); given {} run "
        "file{} and {} verify file{}",
        runs.size(), runs.size() == 1 ? "" : "s", verifies.size(),
        verifies.size() == 1 ? "" : "s"));
  if (verifies.size() == 1)
    std::cerr << "stability: one verify file: the peer tools' variation needs two at least, so "
                 "it is left out\n";
  const report::Stability s = report::stability(runs);
  const peers::PeerStability p = peers::peer_stability(verifies);
  if (!options.md_path.empty()) {
    std::ostringstream md;
    report::write_stability_markdown(md, s, run_names, p);
    report::write_file_atomically(options.md_path, md.str());
    std::cerr << fmt::format("Wrote {}\n", core::printable_message(options.md_path));
  }
  report::write_stability(std::cout, s, run_names, p);
  return 0;
}

Command add_stability(CLI::App& app) {
  auto options = std::make_shared<StabilityOptions>();
  CLI::App* stability = app.add_subcommand(
      "stability",
      "How well saved runs of the same selection repeat: each row's p50 per run, its CV, why "
      "a row above 3% varies, and where the seconds went (bench/stability.sh makes the runs)");
  stability
      ->add_option("files", options->files,
                   "Two or more run files from `run --json`, and optionally verify files "
                   "from `verify --peers --json` made in the same slots (two or more give "
                   "the peer tools' own CVs as a reference), in any order")
      ->required()
      ->expected(2, -1)
      ->type_name("RUN.json|VERIFY.json")
      ->check(a_file());
  stability->footer(
      help_footer({"",
                   {"illusion stability run1.json run2.json run3.json",
                    "illusion stability run*.json verify*.json --md stability.md",
                    "RUNS=5 bench/stability.sh          # makes the runs, then calls this"},
                   {"0 printed", "1 the table could not be written", kExitUsage},
                   "bench/stability.sh, docs/results/stability-dev-vm/"}));
  stability->add_option("--md", options->md_path, "Also write the table as Markdown")
      ->type_name("FILE")
      ->check(a_file());
  return {stability, [options] { return cmd_stability(*options); }};
}

}  // namespace illusion::cli
