// A lab is a table of experiments; this is the row type and the context a row runs in.
//
// Labs expose `illusion::labs::<lab>::lab()` returning a Lab; src/cli/all_labs.cpp gathers them
// in one explicit list. No static-registration macros: a static library silently drops them
// (google/benchmark issue #1498).
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "core/clock.h"
#include "core/env.h"
#include "core/profile.h"
#include "core/result.h"

namespace illusion::core {

struct DurationHint {
  double quick_s = 0.2, standard_s = 0.6, thorough_s = 2.5;  // rough wall time, for the ETA
  double for_profile(Profile p) const;
};

// What an experiment runs with. Owned by the runner; labs read it.
struct RunContext {
  Profile profile = Profile::standard;
  const Clock* clock = nullptr;
  const EnvInfo* env = nullptr;
  std::optional<int> pin_cpu;     // the run is pinned to this CPU (already applied)
  std::string temp_dir;           // private directory, removed at exit (SIGINT too)
  const std::vector<Result>* earlier = nullptr;  // results so far in this run
  std::function<void(double)> progress;          // fraction [0,1] done within the experiment

  void report_progress(double fraction) const {
    if (progress) progress(fraction);
  }
};

struct Experiment {
  std::string id;     // "lab.name": API, tested; never renamed lightly
  std::string title;  // short, for tables
  std::string shows;  // one sentence: what the figure shows
  std::string unit;   // unit of stats, e.g. "ns/op"
  DurationHint duration;
  std::function<Result(RunContext&)> run;
  bool headline = false;  // part of the flagship cost ladder
};

struct Lab {
  std::string id;        // "syscalls"
  std::string title;     // "Syscall Cost Microscope"
  std::string question;  // the seed's key question the lab answers
  std::vector<Experiment> experiments;
};

// A Result pre-filled with the experiment's identity (id, lab, title, unit).
Result result_for(const Experiment& e, const std::string& lab_id);

// An experiment's body: gets a blank Result carrying the row's identity, returns it filled.
using ExperimentBody = std::function<Result(RunContext&, Result)>;

// One table row: the form every lab's table is written in.
Experiment make_experiment(const std::string& lab_id, std::string id, std::string title,
                           std::string shows, std::string unit, DurationHint hint,
                           ExperimentBody body, bool headline = false);

}  // namespace illusion::core
