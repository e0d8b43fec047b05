#include <iostream>

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
  return {app.add_subcommand("env", "Describe this machine as the measurements see it"),
          [] { return cmd_env(); }};
}

}  // namespace illusion::cli
