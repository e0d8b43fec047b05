#include "core/runner.h"

#include <fmt/format.h>

#include <chrono>
#include <exception>
#include <set>

#include "core/errors.h"
#include "core/resources.h"

namespace illusion::core {
namespace {

bool matches(const std::string& pattern, const Lab& lab, const Experiment& e) {
  if (pattern == lab.id) return true;
  if (pattern == e.id) return true;
  return e.id.compare(0, pattern.size(), pattern) == 0;  // prefix: "syscalls.getppid"
}

}  // namespace

std::vector<Selected> select_experiments(const std::vector<Lab>& labs,
                                         const std::vector<std::string>& patterns) {
  std::vector<Selected> out;
  for (const std::string& p : patterns) {
    if (p == kEverything) continue;
    bool any = false;
    for (const Lab& lab : labs)
      for (const Experiment& e : lab.experiments) any = any || matches(p, lab, e);
    if (!any) {
      std::string known;
      for (const Lab& lab : labs) known += (known.empty() ? "" : ", ") + lab.id;
      throw UsageError(fmt::format(
          "no lab or experiment matches '{}'. Labs: {} (or '{}' for every experiment). Run "
          "'illusion list' to see every experiment id",
          p, known, kEverything));
    }
  }
  for (const Lab& lab : labs) {
    for (const Experiment& e : lab.experiments) {
      bool take = patterns.empty() && e.headline;
      for (const std::string& p : patterns) take = take || p == kEverything || matches(p, lab, e);
      if (take) out.push_back({&e, lab.id});
    }
  }
  return out;
}

Result run_one(const Selected& s, RunContext& ctx) {
  Result r;
  const auto started = std::chrono::steady_clock::now();
  try {
    r = s.experiment->run(ctx);
  } catch (const UsageError&) {
    throw;
  } catch (const std::exception& ex) {
    r = result_for(*s.experiment, s.lab_id);
    r.status = Status::failed;
    r.reason = ex.what();
  }
  // The table, not the lab, owns the identity of a result.
  r.id = s.experiment->id;
  r.lab = s.lab_id;
  if (r.title.empty()) r.title = s.experiment->title;
  if (r.unit.empty()) r.unit = s.experiment->unit;
  r.wall_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  return r;
}

std::vector<Result> run_experiments(const std::vector<Selected>& selected, RunContext& ctx,
                                    RunObserver& observer) {
  std::vector<Result> results;
  results.reserve(selected.size());
  ctx.earlier = &results;
  double remaining = 0;
  for (const Selected& s : selected) remaining += s.experiment->duration.for_profile(ctx.profile);
  observer.on_run_start(selected.size(), remaining);
  ctx.progress = [&observer](double f) { observer.on_experiment_progress(f); };
  for (std::size_t i = 0; i < selected.size(); ++i) {
    const Selected& s = selected[i];
    // An interrupt is being handled on the watcher thread: it writes what has finished and
    // ends the process. Starting another row would only add work, children and progress
    // lines after its "stopping".
    if (run_is_stopping()) park_until_exit();
    if (i > 0 && selected[i - 1].lab_id != s.lab_id) ctx.drop_lab_shared();
    observer.on_experiment_start(s, i, selected.size(), remaining);
    Result r = run_one(s, ctx);
    remaining -= s.experiment->duration.for_profile(ctx.profile);
    observer.on_experiment_end(s, r);
    results.push_back(std::move(r));
  }
  ctx.drop_lab_shared();
  observer.on_run_end();
  ctx.progress = nullptr;
  ctx.earlier = nullptr;
  return results;
}

}  // namespace illusion::core
