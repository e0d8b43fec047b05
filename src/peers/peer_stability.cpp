#include "peers/peer_stability.h"

#include <algorithm>
#include <map>
#include <utility>

#include <fmt/format.h>

#include "core/format.h"
#include "core/stats.h"

namespace illusion::peers {
namespace {

CvSpread spread(const std::vector<double>& cvs) {
  CvSpread s;
  s.rows = cvs.size();
  if (cvs.empty()) return s;
  s.min = *std::min_element(cvs.begin(), cvs.end());
  s.max = *std::max_element(cvs.begin(), cvs.end());
  s.median = core::median(cvs);
  return s;
}

// "1.2–14% (median 4.1%)"; the lower end without its "%" when both have one.
std::string spread_text(const CvSpread& s) {
  if (!s.median) return "";
  std::string lo = core::format_percent(*s.min);
  const std::string hi = core::format_percent(*s.max);
  if (lo == hi) return fmt::format("{} (median {})", hi, core::format_percent(*s.median));
  if (!lo.empty() && lo.back() == '%') lo.pop_back();
  return fmt::format("{}–{} (median {})", lo, hi, core::format_percent(*s.median));
}

}  // namespace

PeerStability peer_stability(const std::vector<VerifyFile>& records) {
  PeerStability s;
  s.records = records.size();
  std::map<std::pair<std::string, std::string>, std::size_t> index;
  for (std::size_t i = 0; i < records.size(); ++i) {
    s.paths.push_back(records[i].path);
    s.started_at.push_back(records[i].started_at);
    for (const VerifyComparisonRead& c : records[i].comparisons) {
      auto [it, fresh] = index.try_emplace({c.id, c.statistic}, s.rows.size());
      if (fresh) {
        PeerStabilityRow row;
        row.id = c.id;
        row.statistic = c.statistic;
        row.illusion_ns.resize(records.size());
        row.peer_ns.resize(records.size());
        s.rows.push_back(std::move(row));
      }
      PeerStabilityRow& row = s.rows[it->second];
      // The names from the first record that gives them: a record whose tool was missing still
      // names it, but a hand-trimmed one might not.
      if (row.illusion_figure.empty() && !c.illusion.name.empty())
        row.illusion_figure = c.illusion.figure.empty()
                                  ? c.illusion.name
                                  : fmt::format("{} ({})", c.illusion.name, c.illusion.figure);
      if (row.peer_tool.empty()) row.peer_tool = c.peer.name;
      // A comparison listed twice in one record: the first stands, as for the names.
      if (!row.illusion_ns[i]) row.illusion_ns[i] = c.illusion.median_ns;
      if (!row.peer_ns[i]) row.peer_ns[i] = c.peer.median_ns;
    }
  }
  std::vector<double> peer_cvs, illusion_cvs;
  for (auto& row : s.rows) {
    // The CV `illusion stability` gives its own rows (report/stability.cpp), so the two compare.
    row.illusion_cv = core::cv_of_present(row.illusion_ns);
    row.peer_cv = core::cv_of_present(row.peer_ns);
    if (row.illusion_cv) illusion_cvs.push_back(*row.illusion_cv);
    if (row.peer_cv) peer_cvs.push_back(*row.peer_cv);
  }
  s.peer = spread(peer_cvs);
  s.illusion = spread(illusion_cvs);
  return s;
}

std::string peer_stability_summary(const PeerStability& s) {
  const std::string peer =
      s.peer.median ? fmt::format("Peer tools varied {} across the same slots", spread_text(s.peer))
                    : std::string("No peer tool gave a figure in two verify runs");
  const std::string ill =
      s.illusion.median
          ? fmt::format("illusion's figures in the same verify runs {}", spread_text(s.illusion))
          : std::string("illusion's figures in them: none in two verify runs");
  return fmt::format("{}; {}.", peer, ill);
}

}  // namespace illusion::peers
