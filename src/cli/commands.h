// The subcommands. Each cmd_*.cpp declares its own subcommand and options (add_*) and runs it;
// main.cpp only parses and dispatches. A command returns the process exit status; usage errors
// are thrown as core::UsageError and turned into exit status 2 by main.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "core/profile.h"
#include "report/budget.h"
#include "report/outputs.h"

namespace illusion::cli {

// A declared subcommand and what runs it once the command line is parsed.
struct Command {
  CLI::App* app = nullptr;
  std::function<int()> run;
};

Command add_list(CLI::App& app);
Command add_env(CLI::App& app);
Command add_run(CLI::App& app);
Command add_report(CLI::App& app);
Command add_compare(CLI::App& app);
Command add_budget(CLI::App& app);
Command add_stability(CLI::App& app);
Command add_verify(CLI::App& app);

struct RunOptions {
  // Labs, experiment ids or id prefixes, or 'all'; empty = the headline set.
  std::vector<std::string> targets;
  core::Profile profile = core::Profile::standard;
  report::OutputPaths outputs;  // --json, --md, --html: the files to write
  std::optional<int> pin_cpu;
  std::string dir;                  // --dir: where test files go ("" = $TMPDIR or /tmp)
  std::string file_size;            // --file-size as typed ("" = each lab's default)
  bool wait_for_other_run = false;  // wait for the machine's run lock instead of warning
  bool verbose = false;             // each row's sentence under it on the terminal
};
int cmd_run(const RunOptions& options);

// `illusion report FILE`: a saved run printed as the console report, or written to the files
// asked for (JSON, Markdown, HTML).
struct ReportOptions {
  std::string file;             // a run file written by `run --json`
  report::OutputPaths outputs;  // none: print the console report to stdout
  bool verbose = false;         // each row's sentence under it
};
int cmd_report(const ReportOptions& options);

// `illusion budget --hz 90 [--from FILE]`: what fits in one frame and in 1% of it.
struct BudgetOptions {
  std::vector<double> hz{report::kReferenceFrameHz};  // frame rates
  std::string from;  // a saved run; "" = measure what is needed now
  core::Profile profile = core::Profile::quick;
};
int cmd_budget(const BudgetOptions& options);

// `illusion compare A B`: every common experiment of two saved runs side by side.
struct CompareOptions {
  std::string a, b;  // run files
};
int cmd_compare(const CompareOptions& options);

// `illusion stability RUN.json RUN.json [VERIFY.json ...]`: how well saved runs repeat, row by
// row, and how much the peer tools varied in the same slots.
struct StabilityOptions {
  std::vector<std::string> files;  // two run files at least, and any verify files, in any order
  std::string md_path;             // "" = print to stdout only
};
int cmd_stability(const StabilityOptions& options);

// `illusion verify [--peers]`: each count a method assumes, checked with an independent tool;
// with --peers, the headline timings beside the peer tools' own (cli/verify_peers.cpp).
struct VerifyOptions {
  bool peers = false;
  int rounds = 3;
  std::string json_path;  // "" = no JSON file
  core::Profile profile = core::Profile::standard;
  std::optional<int> cpu;  // empty: the last CPU this process may use
  std::string dir;         // where the IO pairs' test file goes ("" = $TMPDIR or /tmp)
  std::string file_size;   // --file-size as typed ("" = the IO lab's default)
};
int cmd_verify(const VerifyOptions& options);
int cmd_verify_peers(const VerifyOptions& options);

int cmd_list(bool json, bool long_form);
int cmd_env(bool json, bool all);

}  // namespace illusion::cli
