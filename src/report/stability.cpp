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

std::string seconds_list(const std::vector<double>& s) {
  std::string out;
  for (double x : s) out += fmt::format("{}{:.1f} s", out.empty() ? "" : ", ", x);
  return out;
}

std::string cv_text(const std::optional<double>& cv) {
  return cv ? fmt::format("{:.1f}%", *cv * 100) : std::string(core::kMissing);
}

// "±0.4%": a run's interval as a share of its median.
std::string within_text(const std::optional<double>& w) {
  return w ? "±" + core::format_percent(*w) : std::string(core::kMissing);
}

std::string why_text(const std::optional<StabilityWhy>& w) {
  return w ? why_name(*w) : core::kMissing;
}

// A run's median interval relative to the median, as the tables' "~" mark judges it
// (core::median_relative_half_width: the wider side); empty for a median at or below zero,
// which has no CV to compare with either.
std::optional<double> relative_half_width(const core::Stats& st) {
  if (!(st.p50 > 0)) return std::nullopt;
  return core::median_relative_half_width(st);
}

// The widest half-width over the runs with a p50; empty when any of them has none.
std::optional<double> widest(const StabilityRow& row) {
  std::optional<double> out;
  bool any = false;
  for (std::size_t i = 0; i < row.p50.size(); ++i) {
    if (!row.p50[i]) continue;
    if (!row.half_width[i]) return std::nullopt;
    any = true;
    out = std::max(out.value_or(0.0), *row.half_width[i]);
  }
  return any ? out : std::nullopt;
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

const char* why_name(StabilityWhy w) {
  switch (w) {
    case StabilityWhy::firm:
      return "firm";
    case StabilityWhy::runs_disagree:
      return "runs disagree";
    case StabilityWhy::few_samples:
      return "few samples";
  }
  return "?";
}

StabilityWhy judge_stability(double cv, const std::optional<double>& within_run) {
  if (cv <= kStableCv) return StabilityWhy::firm;
  // Half the CV: each run's median known to within half the spread between runs, so even with
  // the intervals at their widest the runs' medians could not meet; more samples per run would
  // narrow the intervals, not the spread.
  if (within_run && *within_run <= cv / 2) return StabilityWhy::runs_disagree;
  return StabilityWhy::few_samples;
}

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
        row.half_width.resize(runs.size());
        s.rows.push_back(std::move(row));
      }
      StabilityRow& row = s.rows[it->second];
      if (r.status == core::Status::ok && r.stats && r.stats->n > 0) {
        row.p50[i] = r.stats->p50;
        row.half_width[i] = relative_half_width(*r.stats);
      }
      walls[r.id].push_back(r.wall_s);
      if (std::find(lab_order.begin(), lab_order.end(), r.lab) == lab_order.end())
        lab_order.push_back(r.lab);
      lab_total[r.lab] += r.wall_s;
    }
  }
  std::vector<double> cvs;
  for (auto& row : s.rows) {
    row.cv = core::cv_of_present(row.p50);
    const auto& w = walls[row.id];
    if (!w.empty()) {
      double sum = 0;
      for (double x : w) sum += x;
      row.mean_wall_s = sum / static_cast<double>(w.size());
    }
    row.within_run = widest(row);
    if (!row.cv) continue;
    row.why = judge_stability(*row.cv, row.within_run);
    if (*row.why == StabilityWhy::runs_disagree) ++s.runs_disagree;
    if (*row.why == StabilityWhy::few_samples) ++s.few_samples;
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

std::string stability_why_summary(const Stability& s) {
  const std::size_t above = s.runs_disagree + s.few_samples;
  if (above == 0) return "";
  return fmt::format(
      "Of the {} rows above {:.0f}%: {} where the runs disagree beyond their own intervals (more "
      "samples would not narrow them: the machine, or what ran before, differed), {} limited by "
      "their samples.",
      above, kStableCv * 100, s.runs_disagree, s.few_samples);
}

namespace {

std::string ns_text(const std::optional<double>& v) {
  return v ? core::format_ns(*v) : std::string(core::kMissing);
}

std::string flagged_cv(const std::optional<double>& cv) {
  return cv_text(cv) + (cv && *cv > kUsableCv ? " !" : "");
}

// Two lines per comparison, illusion's and the peer's, so the two CVs sit one above the other
// and the table stays within a terminal's width however many verify runs there are.
void write_peer_table(std::ostream& out, const peers::PeerStability& p) {
  out << fmt::format("\nPeer tools in the same slots ({} verify runs): {}\n\n", p.records,
                     peers::peer_stability_summary(p));
  TextTable table;
  table.add_column("comparison", Align::left);
  table.add_column("stat", Align::left);
  table.add_column("measured by", Align::left);
  for (std::size_t i = 0; i < p.records; ++i)
    table.add_column(fmt::format("#V{}", i + 1), Align::right);
  table.add_column("CV", Align::right);
  for (const auto& r : p.rows) {
    std::vector<std::string> ours{r.id, r.statistic, "illusion"};
    for (const auto& v : r.illusion_ns) ours.push_back(ns_text(v));
    ours.push_back(flagged_cv(r.illusion_cv));
    table.add_row(std::move(ours));
    std::vector<std::string> peer{"", "", r.peer_tool};
    for (const auto& v : r.peer_ns) peer.push_back(ns_text(v));
    peer.push_back(flagged_cv(r.peer_cv));
    table.add_row(std::move(peer));
  }
  table.write(out);
  out << "\n";
  for (std::size_t i = 0; i < p.paths.size(); ++i)
    out << fmt::format("#V{}: {}\n", i + 1, p.paths[i]);
}

void write_peer_markdown(std::ostream& out, const peers::PeerStability& p) {
  out << "\n## Peer tools in the same slots\n\n" << peers::peer_stability_summary(p) << "\n\n";
  out << "Verify runs (`illusion verify --peers`, one after each run): ";
  for (std::size_t i = 0; i < p.paths.size(); ++i)
    out << fmt::format("{}#V{} started {} (`{}`)", i ? "; " : "", i + 1,
                       i < p.started_at.size() && !p.started_at[i].empty() ? p.started_at[i] : "?",
                       p.paths[i]);
  out << ".\n\n| comparison | statistic | illusion figure |";
  for (std::size_t i = 0; i < p.records; ++i) out << fmt::format(" illusion #V{} |", i + 1);
  out << " CV | peer tool |";
  for (std::size_t i = 0; i < p.records; ++i) out << fmt::format(" peer #V{} |", i + 1);
  out << " CV |\n|---|---|---|";
  for (std::size_t i = 0; i < p.records; ++i) out << "---:|";
  out << "---:|---|";
  for (std::size_t i = 0; i < p.records; ++i) out << "---:|";
  out << "---:|\n";
  for (const auto& r : p.rows) {
    out << fmt::format("| `{}` | {} | {} |", r.id, r.statistic, r.illusion_figure);
    for (const auto& v : r.illusion_ns) out << " " << ns_text(v) << " |";
    out << " " << cv_text(r.illusion_cv) << " | " << r.peer_tool << " |";
    for (const auto& v : r.peer_ns) out << " " << ns_text(v) << " |";
    out << " " << cv_text(r.peer_cv) << " |\n";
  }
}

}  // namespace

void write_stability(std::ostream& out, const Stability& s, const std::vector<std::string>& names,
                     const peers::PeerStability& peers) {
  out << fmt::format("{} runs: {}\n", names.size(), stability_summary(s));
  if (const std::string why = stability_why_summary(s); !why.empty()) out << why << "\n";
  out << "\n";
  TextTable table;
  table.add_column("experiment", Align::left);
  for (std::size_t i = 0; i < names.size(); ++i)
    table.add_column(fmt::format("p50 #{}", i + 1), Align::right);
  table.add_column("CV", Align::right);
  table.add_column("±within", Align::right);
  table.add_column("why", Align::left);
  table.add_column("wall", Align::right);
  for (const StabilityRow* r : by_cv(s)) {
    std::vector<std::string> cells{r->id};
    for (const auto& v : r->p50) cells.push_back(p50_text(v, r->unit));
    cells.push_back(flagged_cv(r->cv));
    cells.push_back(within_text(r->within_run));
    cells.push_back(why_text(r->why));
    cells.push_back(r->mean_wall_s ? fmt::format("{:.2f} s", *r->mean_wall_s) : core::kMissing);
    table.add_row(std::move(cells));
  }
  table.write(out);
  out << "\nWall time by lab (mean over the runs):";
  for (const auto& l : s.labs) out << fmt::format(" {} {:.1f} s;", l.lab, l.mean_s);
  out << "\n";
  for (std::size_t i = 0; i < names.size(); ++i) out << fmt::format("#{}: {}\n", i + 1, names[i]);
  if (peers.records >= 2) write_peer_table(out, peers);
}

void write_stability_markdown(std::ostream& out, const Stability& s,
                              const std::vector<std::string>& names,
                              const peers::PeerStability& peers) {
  out << "# How well the runs repeat\n\n" << stability_summary(s) << ".";
  if (const std::string why = stability_why_summary(s); !why.empty()) out << " " << why;
  out << "\n\n";
  out << "Runs (made back to back by `bench/stability.sh`, or given to `illusion stability`): ";
  for (std::size_t i = 0; i < names.size(); ++i)
    out << fmt::format("{}#{} started {}, profile {} (`{}`)", i ? "; " : "", i + 1,
                       i < s.started_at.size() ? s.started_at[i] : "?",
                       i < s.profiles.size() ? s.profiles[i] : "?", names[i]);
  out << ".\n\n| experiment |";
  for (std::size_t i = 0; i < names.size(); ++i) out << fmt::format(" p50 #{} |", i + 1);
  out << " CV | ±within | why | wall (mean) |\n|---|";
  for (std::size_t i = 0; i < names.size(); ++i) out << "---:|";
  out << "---:|---:|---|---:|\n";
  for (const StabilityRow* r : by_cv(s)) {
    out << "| `" << r->id << "` |";
    for (const auto& v : r->p50) out << " " << p50_text(v, r->unit) << " |";
    out << " " << cv_text(r->cv) << " | " << within_text(r->within_run) << " | " << why_text(r->why)
        << " | " << (r->mean_wall_s ? fmt::format("{:.2f} s", *r->mean_wall_s) : core::kMissing)
        << " |\n";
  }
  out << "\n| lab | wall time (mean over the runs) |\n|---|---:|\n";
  for (const auto& l : s.labs) out << fmt::format("| {} | {:.1f} s |\n", l.lab, l.mean_s);
  if (peers.records >= 2) write_peer_markdown(out, peers);
}

}  // namespace illusion::report
