// The spread and sample size of each row (see html_spread.h).
#include "report/html_spread.h"

#include <fmt/format.h>

#include "core/format.h"
#include "report/cells.h"
#include "report/html.h"
#include "report/html_table.h"

namespace illusion::report {
namespace {

// A percentile's cell: the value, marked when n cannot reach it (cells.h, tail_supported).
std::string percentile_cell(double value, std::size_t n, double q, const std::string& unit,
                            bool& thin) {
  std::string text = core::format_value(value, unit);
  if (!tail_supported(n, q)) {
    text += kThinTailMark;
    thin = true;
  }
  return text;
}

}  // namespace

void write_spread_table(std::ostream& out, const std::vector<const core::Result*>& results,
                        const std::string& lab_title) {
  std::vector<std::vector<std::string>> rows;
  bool thin = false, batched = false;
  for (const core::Result* r : results) {
    if (r->status != core::Status::ok || !r->stats) continue;
    // Single operations where the row has them; else the batch means, said so.
    const core::Stats* ops = core::per_op_stats(*r);
    const core::Stats& s = ops ? *ops : *r->stats;
    const std::string what =
        ops ? "single ops" : fmt::format("means of {} ops", core::format_whole(r->ops_per_sample));
    batched = batched || !ops;
    rows.push_back({short_id(*r), what, core::format_whole(static_cast<double>(s.n)),
                    core::format_value(s.p50, r->unit),
                    percentile_cell(s.p90, s.n, 0.90, r->unit, thin),
                    percentile_cell(s.p99, s.n, 0.99, r->unit, thin),
                    percentile_cell(s.p999, s.n, 0.999, r->unit, thin),
                    core::format_value(s.max, r->unit),
                    s.n < 2 ? std::string(core::kMissing)
                            : core::format_value(s.mean, r->unit) + " ± " +
                                  core::format_value(s.stddev, r->unit),
                    core::format_whole(static_cast<double>(s.outliers))});
  }
  if (rows.empty()) return;
  out << "<details class=\"spread\"><summary>Spread and sample size: n, p90, p99.9, "
         "mean ± sd, outliers</summary>\n";
  open_table(out, lab_title + ": spread and sample size");
  out << "<thead>";
  write_row(out,
            {"experiment", "samples are", "n", "p50", "p90", "p99", "p99.9", "max", "mean ± sd",
             "outliers"},
            true);
  out << "</thead>\n<tbody>\n";
  for (const auto& cells : rows) write_row(out, cells, false);
  close_table(out);
  std::string note =
      "Outliers are samples more than 3.5 scaled median absolute deviations from the median.";
  if (thin)
    note += fmt::format(
        " {} a percentile the sample count cannot reach (n under 10 for p90, 100 for p99, "
        "1000 for p99.9): it is the largest sample or next to it, not a measured tail.",
        kThinTailMark);
  if (batched)
    note +=
        " A row whose samples are means of a batch has percentiles of those means, which hide "
        "a slow single call.";
  out << "<p class=\"note\">" << escape_html(note) << "</p>\n</details>\n";
}

}  // namespace illusion::report
