#include "report/progress.h"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <cstring>

#include <fmt/format.h>

#include "report/text_table.h"

namespace illusion::report {
namespace {

constexpr std::size_t kBarCells = 20;
constexpr std::size_t kNameWidth = 34;
// Redraws are throttled: a terminal repainting thousands of times a second steals CPU from the
// very experiment being measured.
constexpr double kMinRedrawS = 0.1;
// How many seconds of hinted work must be done before the measured pace outweighs the hints.
constexpr double kPaceTrustS = 2.0;

double steady_seconds() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

std::string format_eta(double s) {
  if (!std::isfinite(s) || s < 0) return "?";
  if (s < 1) return "<1s";
  const auto whole = static_cast<long long>(std::lround(s));
  if (whole < 60) return fmt::format("{}s", whole);
  return fmt::format("{}m{:02}s", whole / 60, whole % 60);
}

}  // namespace

bool progress_is_live(bool is_tty, const char* term, const char* ci) {
  if (!is_tty) return false;
  if (term == nullptr || std::strcmp(term, "dumb") == 0) return false;
  const bool under_ci =
      ci != nullptr && ci[0] != '\0' && std::strcmp(ci, "false") != 0 && std::strcmp(ci, "0") != 0;
  return !under_ci;
}

bool stderr_is_live() {
  return progress_is_live(isatty(STDERR_FILENO) == 1, std::getenv("TERM"), std::getenv("CI"));
}

ConsoleProgress::ConsoleProgress(std::ostream& out, bool live, core::Profile profile, Clock now_s)
    : out_(out), live_(live), profile_(profile), now_s_(now_s ? std::move(now_s) : steady_seconds) {
  run_start_s_ = now_s_();
}

void ConsoleProgress::on_run_start(std::size_t total, double total_s) {
  run_start_s_ = now_s_();
  total_ = total;
  total_hint_s_ = remaining_hint_s_ = std::max(total_s, 0.0);
}

void ConsoleProgress::on_experiment_start(const core::Selected& s, std::size_t index,
                                          std::size_t total, double remaining_s) {
  index_ = index;
  total_ = total;
  remaining_hint_s_ = std::max(remaining_s, 0.0);
  total_hint_s_ = std::max(total_hint_s_, remaining_hint_s_);  // no on_run_start: best guess
  current_hint_s_ = s.experiment ? s.experiment->duration.for_profile(profile_) : 0;
  current_fraction_ = 0;
  name_ = s.experiment ? s.experiment->id : s.lab_id;
  if (live_) {
    draw(true);
  } else {
    out_ << fmt::format("[{}/{}] {} (ETA {})\n", index_ + 1, total_, name_, format_eta(eta_s()));
    out_.flush();
  }
}

void ConsoleProgress::on_experiment_progress(double fraction) {
  if (!std::isfinite(fraction)) return;
  current_fraction_ = std::clamp(fraction, 0.0, 1.0);
  if (live_) draw(false);
}

void ConsoleProgress::on_experiment_end(const core::Selected& /*s*/, const core::Result& /*r*/) {
  remaining_hint_s_ = std::max(remaining_hint_s_ - current_hint_s_, 0.0);
  current_hint_s_ = 0;
  current_fraction_ = 0;
}

void ConsoleProgress::on_run_end() {
  if (live_) clear_line();
}

double ConsoleProgress::fraction_done() const {
  if (total_hint_s_ <= 0)
    return total_ == 0 ? 0.0 : static_cast<double>(index_) / static_cast<double>(total_);
  const double done = total_hint_s_ - remaining_hint_s_ + current_fraction_ * current_hint_s_;
  return std::clamp(done / total_hint_s_, 0.0, 1.0);
}

double ConsoleProgress::eta_s() const {
  const double hinted_left = std::max(remaining_hint_s_ - current_fraction_ * current_hint_s_, 0.0);
  const double hinted_done = std::max(total_hint_s_ - hinted_left, 0.0);
  const double elapsed = std::max(now_s_() - run_start_s_, 0.0);
  if (hinted_done <= 0) return hinted_left;
  // Blend the hints with the pace observed so far (a slower VM, a faster CPU): the more work
  // done, the more the observed pace counts.
  const double pace = elapsed / hinted_done;
  const double trust = hinted_done / (hinted_done + kPaceTrustS);
  return hinted_left * ((1 - trust) + trust * pace);
}

void ConsoleProgress::draw(bool force) {
  const double now = now_s_();
  const double fraction = fraction_done();
  const int percent = static_cast<int>(fraction * 100);
  if (!force && (percent == last_percent_ || now - last_draw_s_ < kMinRedrawS)) return;
  last_draw_s_ = now;
  last_percent_ = percent;
  const auto filled = static_cast<std::size_t>(std::lround(fraction * kBarCells));
  std::string bar;
  for (std::size_t i = 0; i < kBarCells; ++i) bar += i < filled ? "█" : "░";
  const std::string line = fmt::format("[{}/{}] {}  {} {:3}%  ETA {}", index_ + 1, total_,
                                       pad_right(truncate_to_width(name_, kNameWidth), kNameWidth),
                                       bar, percent, format_eta(eta_s()));
  const std::size_t width = display_width(line);
  // Spaces rather than an erase-line escape: a shorter line must cover the longer one before.
  out_ << '\r' << line << std::string(drawn_width_ > width ? drawn_width_ - width : 0, ' ');
  out_.flush();
  drawn_width_ = std::max(drawn_width_, width);
}

void ConsoleProgress::clear_line() {
  if (drawn_width_ == 0) return;
  out_ << '\r' << std::string(drawn_width_, ' ') << '\r';
  out_.flush();
  drawn_width_ = 0;
}

}  // namespace illusion::report
