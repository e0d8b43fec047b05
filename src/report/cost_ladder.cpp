#include "report/cost_ladder.h"
#include "report/budget.h"

#include <algorithm>
#include <cmath>

#include "core/format.h"
#include "report/text_table.h"

namespace illusion::report {
namespace {

constexpr double kFrameNs90Hz = kReferenceFrameNs;

struct Rung {
  const char* id;
  const char* label;
};

constexpr Rung kRungs[] = {
    {"syscalls.function_call", "function call"},
    {"syscalls.vdso_clock_gettime", "vDSO call (clock_gettime)"},
    {"syscalls.getppid_raw", "syscall (getppid)"},
    {"scheduling.futex_same_cpu", "context switch (futex, one CPU)"},
    {"vm.first_touch", "minor fault (first touch of a page)"},
    {"processes.pthread_create", "thread create + join"},
    {"processes.fork_exit", "process create (fork + exit + wait)"},
    {"mmap_vs_read.rand_pread_cold", "cold 4 KiB read (pread, disk)"},
    {"vm.major_fault", "major fault (file page from disk)"},
};

}  // namespace

std::vector<std::string> cost_ladder_ids() {
  std::vector<std::string> ids;
  for (const Rung& rung : kRungs) ids.emplace_back(rung.id);
  return ids;
}

std::vector<LadderRung> cost_ladder(const std::vector<core::Result>& results) {
  std::vector<LadderRung> rungs;
  std::optional<double> call;
  for (const Rung& rung : kRungs) {
    const core::Result* r = core::find_result(results, rung.id);
    if (!r || !r->stats || r->unit.rfind("ns", 0) != 0) continue;
    const double p50 = r->stats->p50;
    if (!std::isfinite(p50) || p50 <= 0) continue;
    if (std::string(rung.id) == "syscalls.function_call") call = p50;
    LadderRung out{r->id, rung.label, r->unit, p50, std::nullopt, std::nullopt, p50 / kFrameNs90Hz};
    if (const core::Stats* ops = core::per_op_stats(*r); ops && std::isfinite(ops->p99))
      out.p99 = ops->p99;
    rungs.push_back(std::move(out));
  }
  if (call)
    for (LadderRung& rung : rungs) rung.times_call = rung.p50 / *call;
  std::stable_sort(rungs.begin(), rungs.end(),
                   [](const LadderRung& a, const LadderRung& b) { return a.p50 < b.p50; });
  return rungs;
}

std::vector<std::string> ladder_headings() {
  return {"operation", "p50", "p99", "x a call", "of a 90 Hz frame"};
}

std::vector<std::string> ladder_cells(const LadderRung& r) {
  return {r.label, core::format_value(r.p50, r.unit),
          r.p99 ? core::format_value(*r.p99, r.unit) : std::string(core::kMissing),
          // Rounded, as every ratio the labs and commentary print ("30x", not a truncated 29).
          r.times_call ? core::format_whole(std::round(*r.times_call))
                       : std::string(core::kMissing),
          // Shares under 0.001% would print as a string of zeros.
          r.frame_share < 1e-5 ? std::string("<0.001%") : core::format_percent(r.frame_share)};
}

void write_ladder_table(std::ostream& out, const std::vector<LadderRung>& rungs) {
  if (rungs.size() < 2) return;
  out << '\n' << kLadderTitle << '\n';
  TextTable table(kConsoleWidth);
  const std::vector<std::string> headings = ladder_headings();
  for (std::size_t i = 0; i < headings.size(); ++i)
    table.add_column(headings[i], i == 0 ? Align::left : Align::right);
  for (const LadderRung& r : rungs) table.add_row(ladder_cells(r));
  table.write(out);
}

}  // namespace illusion::report
