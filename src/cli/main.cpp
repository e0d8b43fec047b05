// illusion: measures what the Linux kernel's illusions cost on this machine.
//
// The story of the program: parse the command line, run one subcommand, and turn every error
// into one line on stderr with an exit status (2: the user can fix the command line; 1: the
// machine or a file failed us). No stack traces, no silent exits.
#include <fmt/format.h>
#include <CLI/CLI.hpp>

#include <charconv>
#include <cstdio>
#include <exception>
#include <iostream>
#include <string>
#include <system_error>
#include <vector>

#include "cli/commands.h"
#include "core/errors.h"

namespace {

constexpr int kUsageError = 2;
constexpr int kRuntimeError = 1;

// One line, so a script or a log shows the whole problem in what it keeps of stderr.
int usage_error(const std::string& message) {
  std::fprintf(stderr, "illusion: error: %s\n", message.c_str());
  return kUsageError;
}

// CLI11 turns "" into an empty string without complaint, and every option below reads an empty
// value as "not given": `--json ""` would silently write nothing, `--file-size ""` silently
// take the default. An explicit empty value is a mistake (an unset shell variable, usually).
CLI::Validator non_empty(const std::string& give) {
  return CLI::Validator(
      [give](std::string& value) {
        return value.empty() ? fmt::format("the value is empty; give {}", give) : std::string();
      },
      "");
}

// CLI11's own conversion error ("Could not convert: --hz = abc") says neither what was
// expected nor how to fix it; these say both. The range is checked where the value is used.
CLI::Validator a_number(const std::string& example) {
  return CLI::Validator(
      [example](std::string& value) {
        double d = 0;
        const char* end = value.data() + value.size();
        const auto [ptr, ec] = std::from_chars(value.data(), end, d);
        if (value.empty() || ec == std::errc::invalid_argument || ptr != end)
          return fmt::format("'{}' is not a number; give {}", value, example);
        if (ec == std::errc::result_out_of_range)
          return fmt::format("'{}' is out of range; give {}", value, example);
        return std::string();
      },
      "");
}

CLI::Validator a_cpu_number() {
  return CLI::Validator(
      [](std::string& value) {
        int cpu = 0;
        const char* end = value.data() + value.size();
        const auto [ptr, ec] = std::from_chars(value.data(), end, cpu);
        if (value.empty() || ec == std::errc::invalid_argument || ptr != end)
          return fmt::format(
              "'{}' is not a CPU number; give one such as 0 ('illusion env' "
              "lists the CPUs this process may use)",
              value);
        if (ec == std::errc::result_out_of_range)
          return fmt::format(
              "there is no CPU {} ('illusion env' lists the CPUs this process may use)", value);
        return std::string();
      },
      "");
}

// Arguments no option or positional took (CLI11 keeps them because extras are allowed, so
// that the message can say which kind of mistake it is). "" when there are none.
std::string extras_problem(const CLI::App& app) {
  const std::vector<std::string> top = app.remaining();
  if (!top.empty()) {
    const std::string& arg = top.front();
    if (!arg.empty() && arg.front() == '-')
      return fmt::format("unknown option '{}'; see 'illusion --help'", arg);
    std::string names;
    for (const CLI::App* sub : app.get_subcommands({}))
      names += (names.empty() ? "" : ", ") + sub->get_name();
    return fmt::format("unknown command '{}'; the commands are {}", arg, names);
  }
  for (const CLI::App* sub : app.get_subcommands()) {
    const std::vector<std::string> left = sub->remaining();
    if (left.empty()) continue;
    const std::string& arg = left.front();
    const char* kind =
        !arg.empty() && arg.front() == '-' ? "unknown option" : "unexpected argument";
    return fmt::format("{} '{}' for '{}'; see 'illusion {} --help'", kind, arg, sub->get_name(),
                       sub->get_name());
  }
  return "";
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
  // Set before the subcommands are added, which inherit it: see extras_problem.
  app.allow_extras();

  const CLI::Validator a_file = non_empty("a file name");
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
      ->type_name("FILE")
      ->check(a_file);
  run->add_option("--pin", run_opts.pin_cpu, "Run every experiment on this CPU")
      ->type_name("CPU")
      ->check(a_cpu_number());
  run->add_option("--md", run_opts.md_path, "Also write the results as Markdown to FILE")
      ->type_name("FILE")
      ->check(a_file);
  run->add_option("--html", run_opts.html_path,
                  "Also write a self-contained HTML report with charts to FILE")
      ->type_name("FILE")
      ->check(a_file);
  run->add_option("--dir", run_opts.dir,
                  "Directory (and so filesystem) for test files (default: $TMPDIR or /tmp)")
      ->type_name("DIR")
      ->check(non_empty("a directory"));
  run->add_option("--file-size", run_opts.file_size,
                  "Size of the mmap vs read() lab's test file, whole MiB (default 512M, 128M "
                  "with --quick, 1G with --thorough)")
      ->type_name("SIZE")
      ->check(non_empty("a whole number of MiB such as 256M or 2G"));

  cli::ReportOptions report_opts;
  auto* report = app.add_subcommand("report",
                                    "Print a saved run (from run --json), or write it "
                                    "as Markdown");
  report->add_option("file", report_opts.file, "A run file written by 'illusion run --json'")
      ->required()
      ->type_name("FILE")
      ->check(a_file);
  report->add_option("--md", report_opts.md_path, "Write the report as Markdown to OUT")
      ->type_name("OUT")
      ->check(a_file);

  report
      ->add_option("--html", report_opts.html_path,
                   "Write a self-contained HTML report with charts to OUT")
      ->type_name("OUT")
      ->check(a_file);

  cli::CompareOptions compare_opts;
  auto* compare = app.add_subcommand(
      "compare",
      "Compare two saved runs: each common experiment, the ratio, and whether the "
      "difference exceeds the runs' own spread");
  compare->add_option("a", compare_opts.a, "The first run file (the baseline)")
      ->required()
      ->type_name("A.json")
      ->check(a_file);
  compare->add_option("b", compare_opts.b, "The second run file")
      ->required()
      ->type_name("B.json")
      ->check(a_file);

  cli::BudgetOptions budget_opts;
  auto* budget = app.add_subcommand(
      "budget",
      "How many syscalls, switches, faults, thread creations and cold reads fit in a "
      "frame and in 1% of it");
  budget->add_option("--hz", budget_opts.hz, "Frame rates (default 90)")
      ->type_name("HZ")
      ->check(a_number("a frame rate in Hz such as 90"));
  budget
      ->add_option("--from", budget_opts.from,
                   "Take the costs from a saved run instead of measuring them now")
      ->type_name("FILE")
      ->check(a_file);

  cli::StabilityOptions stability_opts;
  auto* stability = app.add_subcommand(
      "stability",
      "How well saved runs of the same selection repeat: each row's p50 per run, its CV, why "
      "a row above 3% varies, and where the seconds went (bench/stability.sh makes the runs)");
  stability
      ->add_option("files", stability_opts.files,
                   "Two or more run files from `run --json`, and optionally verify files "
                   "from `verify --peers --json` made in the same slots (two or more give "
                   "the peer tools' own CVs as a reference), in any order")
      ->required()
      ->expected(2, -1)
      ->type_name("RUN.json|VERIFY.json")
      ->check(a_file);
  stability->add_option("--md", stability_opts.md_path, "Also write the table as Markdown")
      ->type_name("FILE")
      ->check(a_file);

  cli::VerifyOptions verify_opts;
  bool verify_quick = false;
  auto* verify = app.add_subcommand(
      "verify",
      "Check the counts illusion's methods assume with strace and perf stat; with --peers, "
      "compare its headline timings with perf bench, hyperfine, fio and cyclictest");
  verify->footer(
      "\nThe count checks need strace and perf (Debian: strace, linux-perf). --peers needs perf, "
      "hyperfine, fio and cyclictest (linux-perf, hyperfine, fio, rt-tests; scripts/peers.sh "
      "installs them): a missing one is a row that says so, and the rest go on.\n\n"
      "Examples:\n  illusion verify\n  illusion verify --peers --json peers.json\n"
      "  illusion verify --peers --rounds 5 --cpu 1\n\n"
      "Exit status: 0 done (with --peers, whatever the verdicts: they are findings), 1 a count "
      "check disagrees or a failure, 2 a usage error, 130/143 interrupted.\n"
      "The pairs and their methods: tools.md; the JSON: docs/json_schema.md.");
  verify->add_flag("--peers", verify_opts.peers,
                   "Compare timings with the peer tools instead of checking counts");
  auto* rounds_opt = verify
                         ->add_option("--rounds", verify_opts.rounds,
                                      "Rounds of illusion-then-peer per pair, 1 to 20 "
                                      "(default 3)")
                         ->type_name("N")
                         ->check(a_number("a whole number of rounds such as 3"));
  auto* verify_json_opt =
      verify->add_option("--json", verify_opts.json_path, "Also write the comparisons as JSON")
          ->type_name("FILE")
          ->check(a_file);
  auto* verify_cpu_opt =
      verify
          ->add_option("--cpu", verify_opts.cpu,
                       "The CPU both sides run on (default: the last one allowed)")
          ->type_name("CPU")
          ->check(a_cpu_number());
  auto* verify_quick_opt =
      verify->add_flag("--quick", verify_quick, "Shorter rows and peer runs, a 128 MiB test file");
  auto* verify_dir_opt =
      verify->add_option("--dir", verify_opts.dir, "Where the IO pairs' test file goes")
          ->type_name("DIR")
          ->check(non_empty("a directory"));
  auto* verify_size_opt =
      verify
          ->add_option("--file-size", verify_opts.file_size,
                       "The IO pairs' test file size in MiB (default 512M, 128M with --quick)")
          ->type_name("SIZE")
          ->check(non_empty("a size such as 512M"));

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    const auto subs = app.get_subcommands();
    const std::string where = subs.empty() ? "illusion" : "illusion " + subs.front()->get_name();
    return usage_error(fmt::format("{}; see '{} --help'", e.what(), where));
  }
  if (const std::string problem = extras_problem(app); !problem.empty())
    return usage_error(problem);

  try {
    if (quick_flag) run_opts.profile = core::Profile::quick;
    if (thorough_flag) run_opts.profile = core::Profile::thorough;
    if (*list) return cli::cmd_list();
    if (*env) return cli::cmd_env();
    if (*run) return cli::cmd_run(run_opts);
    if (*report) return cli::cmd_report(report_opts);
    if (*compare) return cli::cmd_compare(compare_opts);
    if (*budget) return cli::cmd_budget(budget_opts);
    if (*stability) return cli::cmd_stability(stability_opts);
    if (*verify) {
      if (!verify_opts.peers)
        for (const auto* o : {rounds_opt, verify_json_opt, verify_cpu_opt, verify_quick_opt,
                              verify_dir_opt, verify_size_opt})
          if (o->count() > 0)
            return usage_error(fmt::format(
                "{} goes with --peers (the count checks take no options); see 'illusion verify "
                "--help'",
                o->get_name()));
      if (verify_quick) verify_opts.profile = core::Profile::quick;
      return cli::cmd_verify(verify_opts);
    }
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
