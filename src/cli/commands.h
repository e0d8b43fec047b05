// The subcommands. Each returns the process exit status; usage errors are thrown as
// core::UsageError and turned into exit status 2 by main.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/profile.h"

namespace illusion::cli {

struct RunOptions {
  std::vector<std::string> targets;  // labs, experiment ids or id prefixes; empty = all
  core::Profile profile = core::Profile::standard;
  std::string json_path;  // "" = no JSON file
  std::optional<int> pin_cpu;
  std::string md_path;    // "" = no Markdown file
  std::string dir;        // --dir: where test files go ("" = $TMPDIR or /tmp)
  std::string file_size;  // --file-size as typed ("" = each lab's default)
};

// `illusion report FILE`: a saved run printed as the console report, or written as Markdown.
struct ReportOptions {
  std::string file;     // a run file written by `run --json`
  std::string md_path;  // "" = print the console report to stdout
};

// `illusion compare A B`: every common experiment of two saved runs side by side.
struct CompareOptions {
  std::string a, b;  // run files
};

int cmd_list();
int cmd_report(const ReportOptions& options);
int cmd_compare(const CompareOptions& options);
int cmd_env();
int cmd_run(const RunOptions& options);

}  // namespace illusion::cli
