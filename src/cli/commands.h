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
  std::string json_path;             // "" = no JSON file
  std::optional<int> pin_cpu;
  std::string dir;                   // --dir: where test files go ("" = $TMPDIR or /tmp)
  std::string file_size;             // --file-size as typed ("" = each lab's default)
};

int cmd_list();
int cmd_env();
int cmd_run(const RunOptions& options);

}  // namespace illusion::cli
