// Runs a selection of experiments in order and collects their results.
//
// The runner knows only the Experiment table, the RunContext and the Result: it never prints.
// Progress goes to a RunObserver (the console progress bar, or nothing in tests). An exception
// escaping an experiment becomes that experiment's failed Result and the run goes on; a
// UsageError is not caught here (it is the user's to fix, before any work).
#pragma once

#include <cstddef>
#include <string>
#include <utility>
#include <vector>

#include "core/experiment.h"

namespace illusion::core {

struct Selected {
  Selected() = default;
  Selected(const Experiment* e, std::string lab) : experiment(e), lab_id(std::move(lab)) {}

  const Experiment* experiment = nullptr;
  std::string lab_id;
  // Set before the run when the machine cannot give the row what it needs (the room for its
  // files): the row is reported skipped with this reason instead of being run.
  std::string skip_reason;
};

class RunObserver {
 public:
  virtual ~RunObserver() = default;
  virtual void on_run_start(std::size_t /*total*/, double /*eta_s*/) {}
  virtual void on_experiment_start(const Selected& /*s*/, std::size_t /*index*/,
                                   std::size_t /*total*/, double /*eta_s*/) {}
  virtual void on_experiment_progress(double /*fraction*/) {}
  virtual void on_experiment_end(const Selected& /*s*/, const Result& /*r*/) {}
  virtual void on_run_end() {}
};

// The pattern that selects every experiment of every lab.
inline constexpr const char* kEverything = "all";

// Picks experiments by lab id, exact experiment id (itself only), id prefix written as one
// ("syscalls.getppid*" or "vm.": a trailing '*' or '.'), or every one with "all". Empty patterns
// select the headline set (Experiment::headline, the default run). Order follows the tables. Throws
// UsageError for an empty pattern, and for one that matched nothing, naming it and the fix (the
// prefix form when it begins some ids, else how to list what exists).
std::vector<Selected> select_experiments(const std::vector<Lab>& labs,
                                         const std::vector<std::string>& patterns);

// Runs one row: an exception other than UsageError becomes its failed Result, the table sets
// its identity, and its wall time is recorded. Lab state (ctx.lab_shared) is kept, so a caller
// running rows one at a time (`verify --peers`) keeps a lab's test file between them.
Result run_one(const Selected& s, RunContext& ctx);

std::vector<Result> run_experiments(const std::vector<Selected>& selected, RunContext& ctx,
                                    RunObserver& observer);

}  // namespace illusion::core
