// Progress on stderr while a run measures: a bar redrawn in place on a terminal, one plain
// line per experiment otherwise (a log file or CI output must not fill with '\r' redraws).
#pragma once

#include <cstddef>
#include <functional>
#include <ostream>
#include <string>

#include "core/profile.h"
#include "core/runner.h"

namespace illusion::report {

// Whether progress on stderr may be redrawn in place: stderr is a terminal, TERM is not
// "dumb" (no cursor control), and we are not under CI (CI=true or any value but "false"/"0":
// CI logs capture the terminal byte stream and every redraw would become a line).
bool stderr_is_live();

// The decision itself, pure for tests: `term` and `ci` are the variables' values (null when
// unset).
bool progress_is_live(bool is_tty, const char* term, const char* ci);

class ConsoleProgress : public core::RunObserver {
 public:
  using Clock = std::function<double()>;  // seconds since an arbitrary origin

  // `profile` selects each experiment's duration hint (the runner only passes the remaining
  // total); `now_s` defaults to steady_clock and is replaced by a fake in tests.
  ConsoleProgress(std::ostream& out, bool live, core::Profile profile = core::Profile::standard,
                  Clock now_s = {});

  // `total_s` / `remaining_s`: the summed duration hints of the whole selection / of the
  // experiments not yet finished, current included (what the runner passes as eta_s).
  void on_run_start(std::size_t total, double total_s) override;
  void on_experiment_start(const core::Selected& s, std::size_t index, std::size_t total,
                           double remaining_s) override;
  void on_experiment_progress(double fraction) override;
  void on_experiment_end(const core::Selected& s, const core::Result& r) override;
  void on_run_end() override;

  // Seconds left: the hinted time still to run, scaled by how fast the hints have proven so
  // far. Public for tests.
  double eta_s() const;
  // Fraction of the whole run done, by hinted time. Public for tests.
  double fraction_done() const;

 private:
  void draw(bool force);
  void clear_line();

  std::ostream& out_;
  bool live_;
  core::Profile profile_;
  Clock now_s_;
  double run_start_s_ = 0;
  double total_hint_s_ = 0;      // every selected experiment's hint
  double remaining_hint_s_ = 0;  // hints of experiments not yet finished, current included
  double current_hint_s_ = 0;
  double current_fraction_ = 0;
  std::size_t index_ = 0, total_ = 0;
  std::string name_;
  double last_draw_s_ = -1;
  int last_percent_ = -1;
  std::size_t drawn_width_ = 0;  // columns of the bar on screen, to blank it at the end
};

}  // namespace illusion::report
