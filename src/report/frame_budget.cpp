#include "report/frame_budget.h"

#include <fmt/format.h>

#include <limits>

#include "core/errors.h"

namespace illusion::report {
namespace {

bool has_ns_cost(const core::Result& r) {
  return r.status == core::Status::ok && r.stats && r.unit.rfind("ns", 0) == 0;
}

const char* status_word(core::Status s) {
  return s == core::Status::skipped ? "skipped" : s == core::Status::failed ? "failed" : "ok";
}

std::string why_missing(const core::Result* r) {
  if (!r) return "not in this run";
  if (r->status == core::Status::ok)
    return fmt::format("not in this run (no cost in ns: unit \"{}\")", r->unit);
  if (r->reason.empty()) return fmt::format("not in this run ({})", status_word(r->status));
  return fmt::format("not in this run ({}: {})", status_word(r->status), r->reason);
}

}  // namespace

const std::vector<FrameOp>& frame_ops() {
  static const std::vector<FrameOp> ops{
      {"syscalls.getppid_raw", "syscall (getppid)"},
      {"scheduling.futex_same_cpu", "context switch, one CPU"},
      {"scheduling.futex_cross_cpu", "hand-off across CPUs"},
      {"vm.first_touch", "minor fault (first touch)"},
      {"processes.pthread_create", "thread creation"},
      {"processes.fork_exit", "process creation (fork)"},
      {"mmap_vs_read.rand_pread_cold", "cold 4 KiB read"},
  };
  return ops;
}

std::vector<std::string> frame_op_ids() {
  std::vector<std::string> ids;
  for (const FrameOp& op : frame_ops()) ids.push_back(op.id);
  return ids;
}

FrameBudget frame_budget(const std::vector<core::Result>& results, const std::vector<double>& hz) {
  FrameBudget budget;
  budget.hz = hz;
  for (const FrameOp& op : frame_ops()) {
    // Any status: a skipped or failed row's reason is worth printing (find_result sees only ok).
    const core::Result* r = nullptr;
    for (const core::Result& candidate : results)
      if (candidate.id == op.id) r = &candidate;
    if (!r || !has_ns_cost(*r)) {
      budget.gaps.push_back({op, why_missing(r)});
      continue;
    }
    const core::Stats* ops = core::per_op_stats(*r);
    FrameBudgetRow row{op, r->unit, r->stats->p50,
                       ops ? ops->p99 : std::numeric_limits<double>::quiet_NaN(), {}};
    for (double rate : hz) row.cells.push_back(budget_cell(rate, row.p50_ns, row.p99_ns));
    budget.rows.push_back(std::move(row));
  }
  return budget;
}

void check_frame_rates(const std::vector<double>& hz) {
  if (hz.empty()) throw core::UsageError("--hz: give at least one frame rate");
  for (double rate : hz) {
    // Written so that NaN fails too.
    if (!(rate > 0 && rate <= kMaxFrameHz))
      throw core::UsageError(fmt::format(
          "--hz {:g}: a frame rate must be above 0 and at most {:g} Hz", rate, kMaxFrameHz));
  }
}

}  // namespace illusion::report
