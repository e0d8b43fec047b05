// What the subcommands' option declarations share: validators whose messages say what was
// expected and how to fix it (CLI11's own say neither), and the output-file options every
// command that writes a run declares from report::output_formats().
#pragma once

#include <string>

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

// One option per output format (--json FILE, --md FILE, --html FILE), in the list's order, into
// `paths`; the help reads "<verb> <what the format is> to <type_name>".
void add_output_options(CLI::App& command, report::OutputPaths& paths, const std::string& verb,
                        const std::string& type_name);

}  // namespace illusion::cli
