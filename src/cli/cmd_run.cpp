// `illusion run`: validate everything the user gave, then measure, then report.
// All usage errors surface before the first experiment starts. Ctrl-C, SIGTERM or SIGHUP during
// the run writes the experiments finished so far (JSON "complete": false) and exits 130 / 143 /
// 129. One run measures on a machine at a time, or says that it did not (core/run_lock.h).
#include <time.h>

#include <chrono>
#include <iostream>
#include <memory>
#include <mutex>
#include <optional>

#include <fmt/format.h>

#include "cli/cli_options.h"
#include "cli/commands.h"
#include "cli/other_run.h"
#include "cli/pin_option.h"
#include "cli/run_files.h"
#include "core/clock.h"
#include "core/env.h"
#include "core/format.h"
#include "core/interrupt.h"
#include "core/printable.h"
#include "core/resources.h"
#include "core/run_lock.h"
#include "core/runner.h"
#include "labs/all_labs.h"
#include "report/commentary.h"
#include "report/console.h"
#include "report/json.h"
#include "report/legend.h"
#include "report/outputs.h"
#include "report/progress.h"
#include "report/run_record.h"

namespace illusion::cli {
namespace {

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

// Passes every event on to the progress display and keeps a copy of each finished result, for
// the interrupt watcher to write while the main thread goes on adding to it. Once an interrupt
// has begun nothing more reaches the display: the watcher's "wrote …" is the last line. Both
// happen under one lock, so no line can start after the watcher has taken its snapshot.
class FinishedResults : public core::RunObserver {
 public:
  explicit FinishedResults(core::RunObserver& display) : display_(display) {}
  void on_run_start(std::size_t total, double eta_s) override {
    show([&] { display_.on_run_start(total, eta_s); });
  }
  void on_experiment_start(const core::Selected& s, std::size_t index, std::size_t total,
                           double eta_s) override {
    show([&] { display_.on_experiment_start(s, index, total, eta_s); });
  }
  void on_experiment_progress(double fraction) override {
    show([&] { display_.on_experiment_progress(fraction); });
  }
  void on_experiment_end(const core::Selected& s, const core::Result& r) override {
    const std::lock_guard lock(mutex_);
    if (!core::run_is_stopping()) display_.on_experiment_end(s, r);
    done_.push_back(r);
  }
  void on_run_end() override {
    show([&] { display_.on_run_end(); });
  }

  std::vector<core::Result> snapshot() const {
    const std::lock_guard lock(mutex_);
    return done_;
  }

 private:
  template <class Draw>
  void show(Draw&& draw) {
    const std::lock_guard lock(mutex_);
    if (!core::run_is_stopping()) draw();
  }

  core::RunObserver& display_;
  mutable std::mutex mutex_;
  std::vector<core::Result> done_;
};

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

}  // namespace

int cmd_run(const RunOptions& options) {
  const std::vector<core::Lab> labs = labs::all_labs();
  auto selected = core::select_experiments(labs, options.targets);
  report::check_outputs(options.outputs);
  if (options.pin_cpu) validate_pin(*options.pin_cpu);
  const core::DiskRoom room = test_file_parent(options.dir);
  core::RunContext ctx;
  ctx.profile = options.profile;
  ctx.file_bytes = parse_file_size(options.file_size);
  const std::vector<std::string> skipped = skip_rows_without_room(room, selected, ctx);
  if (const std::string line = skipped_for_room_words(skipped, room, selected); !line.empty())
    std::cerr << core::printable_message(line) << '\n';

  // Until the watch below exists, a signal is the cleanup handler's: temp dir and children
  // go, nothing has finished to be written.
  core::install_cleanup_handlers();
  // Before the environment probes, which measure too; a signal while waiting is the cleanup
  // handler's, and there is no temp dir yet to remove.
  core::RunLock run_lock;
  meet_other_run(run_lock, options.wait_for_other_run, true);
  // No private directory where none can be made: the rows that need one are skipped above.
  std::optional<core::TempDir> temp;
  if (room.unusable.empty()) temp.emplace(room.dir);
  const auto clock = core::make_clock();
  core::EnvInfo env = core::probe_env("", room.dir);
  env.concurrent_run = run_lock.concurrent_run();
  env.caveats = core::env_caveats(env);

  // The header is complete before the watcher starts, and the watcher reads nothing else of
  // `record`: the finished results come from `finished`, under its lock.
  report::RunRecord record;
  record.tool_version = ILLUSION_VERSION;
  record.profile = core::profile_name(options.profile);
  record.started_at = core::utc_now_iso8601();
  record.selection = options.targets;
  record.pinned_cpu = options.pin_cpu ? std::to_string(*options.pin_cpu) : "";
  record.labs = labs_in(labs, selected);
  record.env = env;
  record.clock = clock->info();

  ctx.clock = clock.get();
  ctx.env = &env;
  ctx.pin_cpu = options.pin_cpu;
  ctx.temp_dir = temp ? temp->path() : "";

  report::ConsoleProgress progress(std::cerr, report::stderr_is_live(), options.profile);
  FinishedResults finished(progress);
  const auto t0 = std::chrono::steady_clock::now();
  std::vector<core::Result> results;
  {
    // On the watcher thread, after the children are killed and before the temp dir goes.
    const core::InterruptWatch watch([&](int) {
      report::RunRecord partial = record;
      partial.complete = false;
      partial.duration_s = seconds_since(t0);
      partial.results = finished.snapshot();
      partial.insights = report::commentary(partial.results);
      std::string text =
          fmt::format("illusion: {} experiment(s) had finished", partial.results.size());
      for (const std::string& path : report::write_outputs(options.outputs, partial))
        text += fmt::format("; wrote {} (\"complete\": false)", core::printable_message(path));
      core::write_stderr(text + "\n");
    });
    ScopedPin pin(options.pin_cpu);
    results = core::run_experiments(selected, ctx, finished);
  }
  record.duration_s = seconds_since(t0);
  record.results = std::move(results);
  // A run that started after this one and measured anyway left its pid in the lock file.
  record.env.concurrent_run = run_lock.concurrent_run();
  record.env.caveats = core::env_caveats(record.env);
  record.insights = report::commentary(record.results);

  // The files first: if stdout is a pipe whose reader has gone (`illusion run | head -1`), the
  // console write ends the process with SIGPIPE, and the files must be written by then.
  for (const std::string& path : report::write_outputs(options.outputs, record))
    std::cerr << fmt::format("Wrote {}\n", core::printable_message(path));
  report::write_console(std::cout, record, {options.verbose});
  std::cout.flush();
  // `illusion run > /dev/full`: a results table that was never written is a failure to say.
  if (!std::cout) {
    std::cerr << "illusion: could not write the results to standard output (disk full or "
                 "closed?)\n";
    return 1;
  }
  return 0;
}

Command add_run(CLI::App& app) {
  auto options = std::make_shared<RunOptions>();
  auto quick = std::make_shared<bool>(false), thorough = std::make_shared<bool>(false);
  CLI::App* run = app.add_subcommand("run", "Run experiments and print their results");
  run->footer(help_footer(
      {"Nothing but Linux. Rows that need what the machine lacks (root for real-time policies, "
       "perf events, THP, a second CPU, a disk under --dir, room for their files) are skipped "
       "with the reason, and the rest run.",
       {"illusion run                                # the headline set",
        "illusion run --quick                        # a smoke run of seconds",
        "illusion run vm --json vm.json --html vm.html",
        "illusion run 'syscalls.getppid*' --thorough # a prefix, quoted",
        "illusion run mmap_vs_read --dir /mnt/nvme --file-size 1G"},
       {"0 done (rows the machine cannot run are skipped, not errors)",
        "1 a failure (an output could not be written)", kExitUsage,
        "130/143/129 interrupted by Ctrl-C, SIGTERM or SIGHUP: the finished rows are written "
        "with \"complete\": false"},
       "'illusion list' (every id), README.md, notes/ (what each figure means), "
       "docs/json_schema.md (the JSON)\n\nLEGEND (the marks in the tables)\n" +
           report::legend_help_text()}));
  run->add_option("targets", options->targets,
                  "Labs, experiment ids (each selects itself only), id prefixes ending in "
                  "'*' or '.' (quote the '*': 'syscalls.getppid*'), or 'all' (default: the "
                  "headline set from every lab, marked in 'illusion list')");
  auto* quick_flag = run->add_flag("--quick", *quick, "Smoke profile: seconds, wider intervals");
  auto* thorough_flag =
      run->add_flag("--thorough", *thorough, "Longer sampling for tighter intervals");
  quick_flag->excludes(thorough_flag);
  add_output_options(*run, options->outputs, "Also write", "FILE");
  run->add_option("--pin", options->pin_cpu, "Run every experiment on this CPU")
      ->type_name("CPU")
      ->check(a_cpu_number());
  run->add_option("--dir", options->dir,
                  "Directory (and so filesystem) for test files (default: $TMPDIR or /tmp)")
      ->type_name("DIR")
      ->check(non_empty("a directory"));
  run->add_flag("-v,--verbose", options->verbose,
                "Print each row's sentence under it on the terminal (--md/--html/--json always "
                "have them)");
  run->add_flag("--wait-for-other-run", options->wait_for_other_run,
                "If another illusion run is measuring on this machine, wait for it to finish "
                "(default: warn, measure alongside it, and record that in the results)");
  run->add_option("--file-size", options->file_size,
                  "Size of the mmap vs read() lab's test file, whole MiB (default 512M, 128M "
                  "with --quick, 1G with --thorough)")
      ->type_name("SIZE")
      ->check(non_empty("a whole number of MiB such as 256M or 2G"));
  return {run, [options, quick, thorough] {
            if (*quick) options->profile = core::Profile::quick;
            if (*thorough) options->profile = core::Profile::thorough;
            return cmd_run(*options);
          }};
}

}  // namespace illusion::cli
