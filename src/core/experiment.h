// A lab is a table of experiments; this is the row type and the context a row runs in.
//
// Labs expose `illusion::labs::<lab>::lab()` returning a Lab; src/labs/all_labs.cpp gathers them
// in one explicit list. No static-registration macros: a static library silently drops them
// (google/benchmark issue #1498).
#pragma once

#include <cstdint>
#include <functional>
#include <initializer_list>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.h"
#include "core/env.h"
#include "core/profile.h"
#include "core/result.h"
#include "core/room.h"

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
  std::optional<int> pin_cpu;    // the run is pinned to this CPU (already applied)
  std::string temp_dir;          // private directory, removed at exit (SIGINT too)
  std::uint64_t file_bytes = 0;  // --file-size: size of a lab's test file; 0 = the lab's default
  const std::vector<Result>* earlier = nullptr;  // results so far in this run
  std::function<void(double)> progress;          // fraction [0,1] done within the experiment

  void report_progress(double fraction) const {
    if (progress) progress(fraction);
  }

  // State the rows of one lab share (a 1 GiB test file written once, not once per row). The
  // runner drops it when the run moves on to another lab and at the end of the run, so what it
  // holds is given back as soon as its lab is done. `make` returns a std::unique_ptr<T>.
  template <class T, class Make>
  T& lab_shared(const std::string& key, Make&& make) {
    auto& slot = shared_[key];
    if (!slot) slot = std::shared_ptr<T>(make());
    return *static_cast<T*>(slot.get());
  }
  void drop_lab_shared() { shared_.clear(); }

 private:
  std::map<std::string, std::shared_ptr<void>> shared_;
};

struct Experiment {
  std::string id;     // "lab.name": API, tested; never renamed lightly
  std::string title;  // short, for tables
  std::string shows;  // one sentence: what the figure shows
  std::string unit;   // unit of stats, e.g. "ns/op"
  DurationHint duration;
  std::function<Result(RunContext&)> run;
  bool headline = false;  // in the default run (`illusion run` with no targets): mark_headline
  // The files the row writes in the run's directory, checked before any work (a row that
  // does not fit is skipped with the arithmetic); unset for a row that writes no file.
  std::function<DiskNeed(const RunContext&)> disk;
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

// One table row: the form every lab's table is written in. `name` is the row's short name
// ("getppid_raw"); its id is "<lab_id>.<name>", so no row can carry another lab's prefix. Throws
// std::logic_error for a name that is empty or not lower-case letters, digits and '_'.
Experiment make_experiment(const std::string& lab_id, const std::string& name, std::string title,
                           std::string shows, std::string unit, DurationHint hint,
                           ExperimentBody body);

// `e` with the files it writes declared (Experiment::disk), as a row table writes it:
// `with_disk(experiment(...), need)`.
Experiment with_disk(Experiment e, std::function<DiskNeed(const RunContext&)> need);

// A lab's group of rows: one function per file of the lab (its rows.h declares them).
using RowGroup = std::vector<Experiment> (*)();

// Appends each group's rows to `lab`, groups in the order given: the order the lab runs them.
void add_groups(Lab& lab, std::initializer_list<RowGroup> groups);

// Marks the rows of `lab` named in `names` (ids without the "lab." prefix) as headline: the set
// `illusion run` measures when given no targets. Throws std::logic_error naming an unknown name,
// so a renamed row cannot silently drop out of the default run.
void mark_headline(Lab& lab, std::initializer_list<std::string_view> names);

}  // namespace illusion::core
