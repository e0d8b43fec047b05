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
  std::string html_path;  // "" = no HTML report
  std::string dir;        // --dir: where test files go ("" = $TMPDIR or /tmp)
  std::string file_size;  // --file-size as typed ("" = each lab's default)
};

// `illusion report FILE`: a saved run printed as the console report, or written as Markdown.
struct ReportOptions {
  std::string file;       // a run file written by `run --json`
  std::string md_path;    // "" = print the console report to stdout
  std::string html_path;  // "" = no HTML report
};

// `illusion budget --hz 90 [--from FILE]`: what fits in one frame and in 1% of it.
struct BudgetOptions {
  std::vector<double> hz{90};  // frame rates
  std::string from;            // a saved run; "" = measure what is needed now
  core::Profile profile = core::Profile::quick;
};

// `illusion compare A B`: every common experiment of two saved runs side by side.
struct CompareOptions {
  std::string a, b;  // run files
};

// `illusion stability RUN.json RUN.json [VERIFY.json ...]`: how well saved runs repeat, row by
// row, and how much the peer tools varied in the same slots.
struct StabilityOptions {
  std::vector<std::string> files;  // two run files at least, and any verify files, in any order
  std::string md_path;             // "" = print to stdout only
};

int cmd_list();
int cmd_stability(const StabilityOptions& options);
int cmd_report(const ReportOptions& options);
int cmd_compare(const CompareOptions& options);
int cmd_budget(const BudgetOptions& options);
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
int cmd_env();
int cmd_run(const RunOptions& options);

}  // namespace illusion::cli
