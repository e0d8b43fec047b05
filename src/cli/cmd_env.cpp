#include <iostream>

#include "cli/cli_options.h"
#include "cli/commands.h"
#include "core/clock.h"
#include "core/env.h"
#include "report/console.h"

namespace illusion::cli {

int cmd_env() {
  core::EnvInfo env = core::probe_env();
  env.caveats = core::env_caveats(env);
  const auto clock = core::make_clock();
  report::write_env(std::cout, env, clock->info());
  return 0;
}

Command add_env(CLI::App& app) {
  CLI::App* env = app.add_subcommand("env", "Describe this machine as the measurements see it");
  env->footer(help_footer(
      {"Nothing; a few facts (the kernel log's hypervisor line, perf events) need root or a "
       "permissive sysctl, and say so when unreadable.",
       {"illusion env", "illusion env > machine.txt"},
       {"0 described", kExitUsage},
       "README.md (what each fact changes), docs/json_schema.md (the same facts in a run file)"}));
  return {env, [] { return cmd_env(); }};
}

}  // namespace illusion::cli
