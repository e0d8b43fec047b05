#include "report/stability.h"

#include <algorithm>
#include <cmath>
#include <map>

#include <fmt/format.h>

#include "core/format.h"
#include "core/stats.h"
#include "report/text_table.h"

namespace illusion::report {
namespace {

std::optional<double> cv_of(const std::vector<std::optional<double>>& values) {
  std::vector<double> v;
  for (const auto& x : values)
    if (x) v.push_back(*x);
  if (v.size() < 2) return std::nullopt;
  const core::Stats st = core::compute_stats(std::move(v));  // stddev with n - 1
  if (!(st.mean > 0)) return std::nullopt;  // a subtraction can leave a p50 at or below zero
  return st.stddev / st.mean;
}

std::string seconds_list(const std::vector<double>& s) {
  std::string out;
  for (double x : s) out += fmt::format("{}{:.1f} s", out.empty() ? "" : ", ", x);
  return out;
}

std::string cv_text(const std::optional<double>& cv) {
  return cv ? fmt::format("{:.1f}%", *cv * 100) : std::string(core::kMissing);
}

std::string p50_text(const std::optional<double>& v, const std::string& unit) {
  return v ? core::format_value(*v, unit) : std::string(core::kMissing);
}

// Worst first; rows without a CV last, in table order.
std::vector<const StabilityRow*> by_cv(const Stability& s) {
  std::vector<const StabilityRow*> out;
  for (const auto& r : s.rows) out.push_back(&r);
  std::stable_sort(out.begin(), out.end(), [](const StabilityRow* a, const StabilityRow* b) {
    if (a->cv.has_value() != b->cv.has_value()) return a->cv.has_value();
    return a->cv && *a->cv > *b->cv;
  });
  return out;
}

}  // namespace

Stability stability(const std::vector<RunRecord>& runs) {
  Stability s;
  std::map<std::string, std::size_t> index;
  std::map<std::string, std::vector<double>> walls;
  std::vector<std::string> lab_order;
  std::map<std::string, double> lab_total;
  for (std::size_t i = 0; i < runs.size(); ++i) {
    s.durations_s.push_back(runs[i].duration_s);
    s.started_at.push_back(runs[i].started_at);
    s.profiles.push_back(runs[i].profile);
    for (const core::Result& r : runs[i].results) {
      auto [it, fresh] = index.try_emplace(r.id, s.rows.size());
      if (fresh) {
        StabilityRow row;
        row.id = r.id;
        row.lab = r.lab;
        row.unit = r.unit;
        row.p50.resize(runs.size());
        s.rows.push_back(std::move(row));
      }
      StabilityRow& row = s.rows[it->second];
      if (r.status == core::Status::ok && r.stats && r.stats->n > 0) row.p50[i] = r.stats->p50;
      walls[r.id].push_back(r.wall_s);
      if (std::find(lab_order.begin(), lab_order.end(), r.lab) == lab_order.end())
        lab_order.push_back(r.lab);
      lab_total[r.lab] += r.wall_s;
    }
  }
  std::vector<double> cvs;
  for (auto& row : s.rows) {
    row.cv = cv_of(row.p50);
    const auto& w = walls[row.id];
    if (!w.empty()) {
      double sum = 0;
      for (double x : w) sum += x;
      row.mean_wall_s = sum / static_cast<double>(w.size());
    }
    if (!row.cv) continue;
    ++s.with_cv;
    cvs.push_back(*row.cv);
    if (*row.cv <= kStableCv) ++s.within_stable;
    if (*row.cv <= kUsableCv) ++s.within_usable;
  }
  if (!cvs.empty()) s.median_cv = core::median(cvs);
  for (const auto& lab : lab_order)
    s.labs.push_back({lab, runs.empty() ? 0 : lab_total[lab] / static_cast<double>(runs.size())});
  return s;
}

std::string stability_summary(const Stability& s) {
  return fmt::format(
      "{} of {} rows within {:.0f}% CV, {} within {:.0f}%; median CV {}; runs took {}",
      s.within_stable, s.with_cv, kStableCv * 100, s.within_usable, kUsableCv * 100,
      cv_text(s.median_cv), seconds_list(s.durations_s));
}

void write_stability(std::ostream& out, const Stability& s, const std::vector<std::string>& names) {
  out << fmt::format("{} runs: {}\n\n", names.size(), stability_summary(s));
  TextTable table;
  table.add_column("experiment", Align::left);
  for (std::size_t i = 0; i < names.size(); ++i)
    table.add_column(fmt::format("p50 #{}", i + 1), Align::right);
  table.add_column("CV", Align::right);
  table.add_column("wall", Align::right);
  for (const StabilityRow* r : by_cv(s)) {
    std::vector<std::string> cells{r->id};
    for (const auto& v : r->p50) cells.push_back(p50_text(v, r->unit));
    cells.push_back(cv_text(r->cv) + (r->cv && *r->cv > kUsableCv ? " !" : ""));
    cells.push_back(r->mean_wall_s ? fmt::format("{:.2f} s", *r->mean_wall_s) : core::kMissing);
    table.add_row(std::move(cells));
  }
  table.write(out);
  out << "\nWall time by lab (mean over the runs):";
  for (const auto& l : s.labs) out << fmt::format(" {} {:.1f} s;", l.lab, l.mean_s);
  out << "\n";
  for (std::size_t i = 0; i < names.size(); ++i) out << fmt::format("#{}: {}\n", i + 1, names[i]);
}

void write_stability_markdown(std::ostream& out, const Stability& s,
                              const std::vector<std::string>& names) {
  out << "# How well the runs repeat\n\n" << stability_summary(s) << ".\n\n";
  out << "Runs (made back to back by `bench/stability.sh`, or given to `illusion stability`): ";
  for (std::size_t i = 0; i < names.size(); ++i)
    out << fmt::format("{}#{} started {}, profile {} (`{}`)", i ? "; " : "", i + 1,
                       i < s.started_at.size() ? s.started_at[i] : "?",
                       i < s.profiles.size() ? s.profiles[i] : "?", names[i]);
  out << ".\n\n| experiment |";
  for (std::size_t i = 0; i < names.size(); ++i) out << fmt::format(" p50 #{} |", i + 1);
  out << " CV | wall (mean) |\n|---|";
  for (std::size_t i = 0; i < names.size(); ++i) out << "---:|";
  out << "---:|---:|\n";
  for (const StabilityRow* r : by_cv(s)) {
    out << "| `" << r->id << "` |";
    for (const auto& v : r->p50) out << " " << p50_text(v, r->unit) << " |";
    out << " " << cv_text(r->cv) << " | "
        << (r->mean_wall_s ? fmt::format("{:.2f} s", *r->mean_wall_s) : core::kMissing) << " |\n";
  }
  out << "\n| lab | wall time (mean over the runs) |\n|---|---:|\n";
  for (const auto& l : s.labs) out << fmt::format("| {} | {:.1f} s |\n", l.lab, l.mean_s);
}

}  // namespace illusion::report
