// illusion: measures what the Linux kernel's illusions cost on this machine.
//
// The story of the program: parse the command line, run one subcommand, and turn every error
// into one line on stderr with an exit status (2: the user can fix the command line; 1: the
// machine or a file failed us). No stack traces, no silent exits.
#include <fmt/format.h>
#include <CLI/CLI.hpp>

#include <cstdio>
#include <exception>
#include <iostream>
#include <system_error>

#include "cli/commands.h"
#include "core/errors.h"

namespace {

constexpr int kUsageError = 2;
constexpr int kRuntimeError = 1;

int usage_error(const std::string& message) {
  std::fprintf(stderr, "illusion: error: %s\n", message.c_str());
  std::fprintf(stderr, "Run 'illusion --help' (or 'illusion COMMAND --help') for usage.\n");
  return kUsageError;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace illusion;
  CLI::App app{
      "illusion — measures what the Linux kernel's illusions cost on this machine: process and "
      "thread creation, the syscall boundary, page faults, mmap vs read(), scheduling.",
      "illusion"};
  app.set_version_flag("--version", std::string("illusion ") + ILLUSION_VERSION);
  app.require_subcommand(0, 1);

  auto* list = app.add_subcommand("list", "List labs and experiments with what each shows");
  auto* env = app.add_subcommand("env", "Describe this machine as the measurements see it");

  cli::RunOptions run_opts;
  auto* run = app.add_subcommand("run", "Run experiments and print their results");
  run->add_option("targets", run_opts.targets,
                  "Labs, experiment ids, id prefixes, or 'all' (default: the headline set "
                  "from every lab, marked in 'illusion list')");
  bool quick_flag = false, thorough_flag = false;
  auto* quick = run->add_flag("--quick", quick_flag, "Smoke profile: seconds, wider intervals");
  auto* thorough =
      run->add_flag("--thorough", thorough_flag, "Longer sampling for tighter intervals");
  quick->excludes(thorough);
  run->add_option("--json", run_opts.json_path, "Also write the results as JSON to FILE")
      ->type_name("FILE");
  run->add_option("--pin", run_opts.pin_cpu, "Run every experiment on this CPU")->type_name("CPU");
  run->add_option("--md", run_opts.md_path, "Also write the results as Markdown to FILE")
      ->type_name("FILE");
  run->add_option("--html", run_opts.html_path,
                  "Also write a self-contained HTML report with charts to FILE")
      ->type_name("FILE");
  run->add_option("--dir", run_opts.dir,
                  "Directory (and so filesystem) for test files (default: $TMPDIR or /tmp)")
      ->type_name("DIR");
  run->add_option("--file-size", run_opts.file_size,
                  "Size of the mmap vs read() lab's test file, whole MiB (default 1G, 128M "
                  "with --quick)")
      ->type_name("SIZE");

  cli::ReportOptions report_opts;
  auto* report = app.add_subcommand("report",
                                    "Print a saved run (from run --json), or write it "
                                    "as Markdown");
  report->add_option("file", report_opts.file, "A run file written by 'illusion run --json'")
      ->required()
      ->type_name("FILE");
  report->add_option("--md", report_opts.md_path, "Write the report as Markdown to OUT")
      ->type_name("OUT");

  report
      ->add_option("--html", report_opts.html_path,
                   "Write a self-contained HTML report with charts to OUT")
      ->type_name("OUT");

  cli::CompareOptions compare_opts;
  auto* compare = app.add_subcommand(
      "compare",
      "Compare two saved runs: each common experiment, the ratio, and whether the "
      "difference exceeds the runs' own spread");
  compare->add_option("a", compare_opts.a, "The first run file (the baseline)")
      ->required()
      ->type_name("A.json");
  compare->add_option("b", compare_opts.b, "The second run file")->required()->type_name("B.json");

  cli::BudgetOptions budget_opts;
  auto* budget = app.add_subcommand(
      "budget",
      "How many syscalls, switches, faults, thread creations and cold reads fit in a "
      "frame and in 1% of it");
  budget->add_option("--hz", budget_opts.hz, "Frame rates (default 90)")->type_name("HZ");
  budget
      ->add_option("--from", budget_opts.from,
                   "Take the costs from a saved run instead of measuring them now")
      ->type_name("FILE");

  auto* verify = app.add_subcommand(
      "verify", "Check the counts illusion's methods assume with strace and perf stat");

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    return usage_error(e.what());
  }

  try {
    if (quick_flag) run_opts.profile = core::Profile::quick;
    if (thorough_flag) run_opts.profile = core::Profile::thorough;
    if (*list) return cli::cmd_list();
    if (*env) return cli::cmd_env();
    if (*run) return cli::cmd_run(run_opts);
    if (*report) return cli::cmd_report(report_opts);
    if (*compare) return cli::cmd_compare(compare_opts);
    if (*budget) return cli::cmd_budget(budget_opts);
    if (*verify) return cli::cmd_verify();
    std::cout << app.help();
    return 0;
  } catch (const core::UsageError& e) {
    return usage_error(e.what());
  } catch (const std::system_error& e) {
    std::fprintf(stderr, "illusion: %s\n", e.what());
    return kRuntimeError;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "illusion: %s\n", e.what());
    return kRuntimeError;
  }
}
