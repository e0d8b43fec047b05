// illusion: measures what the Linux kernel's illusions cost on this machine.
//
// The story of the program: parse the command line, run one subcommand, and turn every error
// into one line on stderr with an exit status (2: the user can fix the command line; 1: the
// machine or a file failed us). No stack traces, no silent exits. Each subcommand declares its
// own options in its cmd_*.cpp (cli/commands.h); this file only dispatches.
#include <fmt/format.h>
#include <CLI/CLI.hpp>

#include <csignal>
#include <cstdio>
#include <exception>
#include <iostream>
#include <string>
#include <system_error>
#include <vector>

#include "cli/cli_options.h"
#include "cli/commands.h"
#include "core/errors.h"
#include "core/printable.h"
#include "core/suggest.h"

namespace {

constexpr int kUsageError = 2;
constexpr int kRuntimeError = 1;

// One line, so a script or a log shows the whole problem in what it keeps of stderr: quoted
// arguments and paths may hold escape sequences or be 100 KB long, so the line is escaped and
// shortened (core::printable_message).
int usage_error(const std::string& message) {
  std::fprintf(stderr, "illusion: error: %s\n", illusion::core::printable_message(message).c_str());
  return kUsageError;
}

int runtime_error(const std::string& message) {
  std::fprintf(stderr, "illusion: %s\n", illusion::core::printable_message(message).c_str());
  return kRuntimeError;
}

// The option names `app` takes ("--json", "-h"), for "did you mean".
std::vector<std::string> option_names(const CLI::App& app) {
  std::vector<std::string> names;
  for (const CLI::Option* o : app.get_options()) {
    for (const std::string& n : o->get_lnames()) names.push_back("--" + n);
    for (const std::string& n : o->get_snames()) names.push_back("-" + n);
  }
  return names;
}

// Arguments no option or positional took (CLI11 keeps them because extras are allowed, so
// that the message can say which kind of mistake it is). "" when there are none.
std::string extras_problem(const CLI::App& app) {
  const std::vector<std::string> top = app.remaining();
  if (!top.empty()) {
    const std::string& arg = top.front();
    if (!arg.empty() && arg.front() == '-')
      return fmt::format("unknown option '{}'{}; see 'illusion --help'", arg,
                         illusion::core::did_you_mean(arg, option_names(app)));
    std::string names;
    std::vector<std::string> commands;
    for (const CLI::App* sub : app.get_subcommands({})) {
      names += (names.empty() ? "" : ", ") + sub->get_name();
      commands.push_back(sub->get_name());
    }
    return fmt::format("unknown command '{}'{}; the commands are {}", arg,
                       illusion::core::did_you_mean(arg, commands), names);
  }
  for (const CLI::App* sub : app.get_subcommands()) {
    const std::vector<std::string> left = sub->remaining();
    if (left.empty()) continue;
    const std::string& arg = left.front();
    const bool option = !arg.empty() && arg.front() == '-';
    const std::string hint = option ? illusion::core::did_you_mean(arg, option_names(*sub)) : "";
    return fmt::format("{} '{}' for '{}'{}; see 'illusion {} --help'",
                       option ? "unknown option" : "unexpected argument", arg, sub->get_name(),
                       hint, sub->get_name());
  }
  return "";
}

}  // namespace

int main(int argc, char** argv) {
  using namespace illusion;
  // Past RLIMIT_FSIZE (`ulimit -f`) the kernel sends SIGXFSZ, whose default action kills the
  // process with no results and its temp files left. Ignored, the write fails with EFBIG
  // instead: the row (or the output) fails with that reason and every cleanup runs. The run
  // checks the limit before any work (core::disk_shortfall), so this is the last resort.
  std::signal(SIGXFSZ, SIG_IGN);
  CLI::App app{
      "illusion — measures what the Linux kernel's illusions cost on this machine: process and "
      "thread creation, the syscall boundary, page faults, mmap vs read(), scheduling.",
      "illusion"};
  app.footer(cli::help_footer(
      {"",
       {"illusion list", "illusion run --quick", "illusion run vm --json vm.json --html vm.html",
        "illusion report vm.json", "illusion compare before.json after.json"},
       {"0 ok", "1 a failure", cli::kExitUsage, cli::kExitInterrupted},
       "'illusion COMMAND --help', README.md, notes/, tools.md, docs/json_schema.md"}));
  app.set_version_flag("-V,--version", std::string("illusion ") + ILLUSION_VERSION);
  app.require_subcommand(0, 1);
  // Set before the subcommands are added, which inherit it: see extras_problem.
  app.allow_extras();
  const std::vector<cli::Command> commands = {
      cli::add_list(app),    cli::add_env(app),    cli::add_run(app),       cli::add_report(app),
      cli::add_compare(app), cli::add_budget(app), cli::add_stability(app), cli::add_verify(app)};

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
    for (const cli::Command& c : commands)
      if (c.app->parsed()) return c.run();
    std::cout << app.help();
    return 0;
  } catch (const core::UsageError& e) {
    return usage_error(e.what());
  } catch (const std::exception& e) {
    return runtime_error(e.what());
  }
}
