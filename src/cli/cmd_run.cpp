// `illusion run`: validate everything the user gave, then measure, then report.
// All usage errors surface before the first experiment starts.
#include <time.h>

#include <chrono>
#include <iostream>
#include <sstream>

#include <fmt/format.h>

#include "cli/all_labs.h"
#include "cli/commands.h"
#include "cli/pinning.h"
#include "cli/run_files.h"
#include "core/clock.h"
#include "core/env.h"
#include "core/resources.h"
#include "core/runner.h"
#include "report/atomic_file.h"
#include "report/commentary.h"
#include "report/console.h"
#include "report/html.h"
#include "report/json.h"
#include "report/markdown.h"
#include "report/progress.h"
#include "report/run_record.h"

namespace illusion::cli {
namespace {

std::string utc_now_iso8601() {
  const std::time_t now = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&now, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

std::vector<report::LabInfo> labs_in(const std::vector<core::Lab>& labs,
                                     const std::vector<core::Selected>& selected) {
  std::vector<report::LabInfo> out;
  for (const core::Lab& lab : labs) {
    for (const core::Selected& s : selected) {
      if (s.lab_id == lab.id) {
        out.push_back({lab.id, lab.title, lab.question});
        break;
      }
    }
  }
  return out;
}

}  // namespace

int cmd_run(const RunOptions& options) {
  const std::vector<core::Lab> labs = all_labs();
  const auto selected = core::select_experiments(labs, options.targets);
  if (!options.json_path.empty()) report::check_output_path(options.json_path, "--json");
  if (!options.md_path.empty()) report::check_output_path(options.md_path, "--md");
  if (!options.html_path.empty()) report::check_output_path(options.html_path, "--html");
  if (options.pin_cpu) validate_pin(*options.pin_cpu);
  const std::string parent = test_file_parent(options.dir);
  core::RunContext ctx;
  ctx.profile = options.profile;
  ctx.file_bytes = parse_file_size(options.file_size);
  check_disk_room(parent, selected, ctx);

  core::install_cleanup_handlers();
  core::TempDir temp(parent);
  const auto clock = core::make_clock();
  core::EnvInfo env = core::probe_env();
  env.caveats = core::env_caveats(env);

  report::RunRecord record;
  record.tool_version = ILLUSION_VERSION;
  record.profile = core::profile_name(options.profile);
  record.started_at = utc_now_iso8601();
  record.selection = options.targets;
  record.pinned_cpu = options.pin_cpu ? std::to_string(*options.pin_cpu) : "";
  record.labs = labs_in(labs, selected);

  ctx.clock = clock.get();
  ctx.env = &env;
  ctx.pin_cpu = options.pin_cpu;
  ctx.temp_dir = temp.path();

  const auto t0 = std::chrono::steady_clock::now();
  {
    ScopedPin pin(options.pin_cpu);
    report::ConsoleProgress progress(std::cerr, report::stderr_is_live(), options.profile);
    record.results = core::run_experiments(selected, ctx, progress);
  }
  record.duration_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  record.env = env;
  record.clock = clock->info();
  record.insights = report::commentary(record.results);

  report::write_console(std::cout, record);
  std::cout.flush();
  if (!options.json_path.empty()) {
    report::write_file_atomically(options.json_path, report::to_json(record).dump(2) + "\n");
    std::cerr << fmt::format("Wrote {}\n", options.json_path);
  }
  if (!options.md_path.empty()) {
    std::ostringstream md;
    report::write_markdown(md, record);
    report::write_file_atomically(options.md_path, md.str());
    std::cerr << fmt::format("Wrote {}\n", options.md_path);
  }
  if (!options.html_path.empty()) {
    std::ostringstream html;
    report::write_html(html, record);
    report::write_file_atomically(options.html_path, html.str());
    std::cerr << fmt::format("Wrote {}\n", options.html_path);
  }
  return 0;
}

}  // namespace illusion::cli
