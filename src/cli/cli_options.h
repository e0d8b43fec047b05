// What the subcommands' option declarations share: validators whose messages say what was
// expected and how to fix it (CLI11's own say neither), and the output-file options every
// command that writes a run declares from report::output_formats().
#pragma once

#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "report/outputs.h"

namespace illusion::cli {

// CLI11 turns "" into an empty string without complaint, and every option reads an empty value
// as "not given": `--json ""` would silently write nothing. An explicit empty value is a
// mistake (an unset shell variable, usually). `give` says what to give instead.
CLI::Validator non_empty(const std::string& give);
inline CLI::Validator a_file() {
  return non_empty("a file name");
}

// A number (the range is checked where the value is used); `example` says what to give.
CLI::Validator a_number(const std::string& example);

// A CPU number, pointing at `illusion env` for the ones this process may use.
CLI::Validator a_cpu_number();

// The sections every command's --help ends with, in man-page order: what it needs, EXAMPLES,
// EXIT STATUS, SEE ALSO. `needs` may be "" (nothing beyond Linux).
struct HelpFooter {
  std::string needs;
  std::vector<std::string> examples;     // whole command lines, "illusion …"
  std::vector<std::string> exit_status;  // "0 …", "2 …": one line each
  std::string see_also;
};
std::string help_footer(const HelpFooter& f);

// The exit status lines every command shares.
inline const char* kExitUsage =
    "2 a usage error, before any work: a bad option, a missing or unreadable input file, a "
    "file that is not an illusion file";
inline const char* kExitInterrupted = "130/143/129 interrupted by Ctrl-C, SIGTERM or SIGHUP";

// One option per output format (--json FILE, --md FILE, --html FILE), in the list's order, into
// `paths`; the help reads "<verb> <what the format is> to <type_name>".
void add_output_options(CLI::App& command, report::OutputPaths& paths, const std::string& verb,
                        const std::string& type_name);

}  // namespace illusion::cli
