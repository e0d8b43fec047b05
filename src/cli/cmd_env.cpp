#include <iostream>
#include <memory>

#include "cli/cli_options.h"
#include "cli/commands.h"
#include "core/clock.h"
#include "core/env.h"
#include "report/console.h"
#include "report/json.h"

namespace illusion::cli {

int cmd_env(bool json, bool all) {
  core::EnvInfo env = core::probe_env();
  env.caveats = core::env_caveats(env);
  const auto clock = core::make_clock();
  if (json) {
    // The run file's "env" and "clock" objects under a schema of their own, for scripts.
    nlohmann::ordered_json j;
    j["schema"] = report::kEnvSchema;
    j["tool"] = {{"name", "illusion"}, {"version", ILLUSION_VERSION}};
    j["env"] = report::env_to_json(env);
    j["clock"] = report::clock_to_json(clock->info());
    std::cout << j.dump(2) << '\n';
    return 0;
  }
  report::write_env(std::cout, env, clock->info(), all);
  return 0;
}

Command add_env(CLI::App& app) {
  CLI::App* env = app.add_subcommand("env", "Describe this machine as the measurements see it");
  auto json = std::make_shared<bool>(false), all = std::make_shared<bool>(false);
  env->add_flag("--all", *all,
                "List every CPU vulnerability, the ones the CPU is not affected by too");
  env->add_flag("--json", *json,
                "Print the description as JSON (schema \"illusion.env/1\": the run file's env "
                "and clock objects)");
  env->footer(help_footer(
      {"Nothing; a few facts (the kernel log's hypervisor line, perf events) need root or a "
       "permissive sysctl, and say so when unreadable.",
       {"illusion env", "illusion env --json | jq .env.kernel"},
       {"0 described", kExitUsage},
       "README.md (what each fact changes), docs/json_schema.md (the same facts in a run file)"}));
  return {env, [json, all] { return cmd_env(*json, *all); }};
}

}  // namespace illusion::cli
