// `illusion budget`: how many syscalls, context switches, minor faults, thread and process
// creations and cold reads fit in one frame and in 1% of it. The costs come from a saved run
// (--from) or from running just the experiments that give them; the counting is
// report::frame_budget, this file only reads, runs and prints.
#include <time.h>

#include <chrono>
#include <cmath>
#include <iostream>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "cli/cli_options.h"
#include "cli/commands.h"
#include "cli/other_run.h"
#include "cli/run_files.h"
#include "core/clock.h"
#include "core/env.h"
#include "core/errors.h"
#include "core/format.h"
#include "core/interrupt.h"
#include "core/printable.h"
#include "core/resources.h"
#include "core/runner.h"
#include "labs/all_labs.h"
#include "report/cells.h"
#include "report/frame_budget.h"
#include "report/frame_budget_text.h"
#include "report/json.h"
#include "report/progress.h"
#include "report/run_record.h"
#include "report/text_table.h"

namespace illusion::cli {
namespace {

// Runs exactly the experiments the budget needs, at `profile`, with progress on stderr; the
// temp dir goes when this returns.
report::RunRecord measure_costs(core::Profile profile) {
  const std::vector<core::Lab> labs = labs::all_labs();
  auto selected = core::select_experiments(labs, report::frame_op_ids());
  const core::DiskRoom room = test_file_parent("");
  core::RunContext ctx;
  ctx.profile = profile;
  ctx.file_bytes = parse_file_size("");
  const std::vector<std::string> skipped = skip_rows_without_room(room, selected, ctx);
  if (const std::string line = skipped_for_room_words(skipped, room, selected); !line.empty())
    std::cerr << core::printable_message(line) << '\n';

  core::install_cleanup_handlers();
  // Measuring beside another run is said, not refused (core/run_lock.h).
  core::RunLock run_lock;
  meet_other_run(run_lock, false, false);
  std::optional<core::TempDir> temp;
  if (room.unusable.empty()) temp.emplace(room.dir);
  // Ctrl-C: children killed, temp dir removed, exit 130; a budget half-measured is not written.
  const core::InterruptWatch watch(nullptr);
  const auto clock = core::make_clock();
  core::EnvInfo env = core::probe_env("", room.dir);
  env.concurrent_run = run_lock.concurrent_run();
  env.caveats = core::env_caveats(env);

  report::RunRecord record;
  record.tool_version = ILLUSION_VERSION;
  record.profile = core::profile_name(profile);
  record.started_at = core::utc_now_iso8601();
  record.selection = report::frame_op_ids();

  ctx.clock = clock.get();
  ctx.env = &env;
  ctx.temp_dir = temp ? temp->path() : "";

  const auto t0 = std::chrono::steady_clock::now();
  {
    report::ConsoleProgress progress(std::cerr, report::stderr_is_live(), profile);
    record.results = core::run_experiments(selected, ctx, progress);
  }
  record.duration_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  env.concurrent_run = run_lock.concurrent_run();  // and any run that started meanwhile
  env.caveats = core::env_caveats(env);
  record.env = env;
  record.clock = clock->info();
  return record;
}

}  // namespace

int cmd_budget(const BudgetOptions& options) {
  report::check_frame_rates(options.hz);
  const report::RunRecord record =
      options.from.empty() ? measure_costs(options.profile) : report::read_run_file(options.from);
  const report::FrameBudget budget = report::frame_budget(record.results, options.hz);
  report::write_frame_budget(std::cout, budget, record, options.from);
  std::cout.flush();
  return 0;
}

Command add_budget(CLI::App& app) {
  auto options = std::make_shared<BudgetOptions>();
  CLI::App* budget = app.add_subcommand(
      "budget",
      "How many syscalls, switches, faults, thread creations and cold reads fit in a "
      "frame and in 1% of it");
  budget->footer(help_footer(
      {"Measuring (without --from) runs the rows the budget needs, as 'illusion run' would, "
       "with the same skips.",
       {"illusion budget", "illusion budget --hz 90 --hz 120", "illusion budget --from run.json"},
       {"0 printed", "1 a failure", kExitUsage, kExitInterrupted},
       "README.md (the frame budget), 'illusion run --help'"}));
  budget->add_option("--hz", options->hz, "Frame rates (default 90)")
      ->type_name("HZ")
      ->check(a_number("a frame rate in Hz such as 90"));
  budget
      ->add_option("--from", options->from,
                   "Take the costs from a saved run instead of measuring them now")
      ->type_name("FILE")
      ->check(a_file());
  return {budget, [options] { return cmd_budget(*options); }};
}

}  // namespace illusion::cli
