#include "core/runner.h"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <exception>
#include <optional>
#include <set>

#include "core/errors.h"
#include "core/resources.h"
#include "core/suggest.h"

namespace illusion::core {
namespace {

// A pattern ending in '*' or '.' is a prefix ("syscalls.getppid*", "vm."): its text before the
// '*'. Anything else names a lab or one experiment exactly, so "processes.spawn_threads_100"
// cannot also pick spawn_threads_1000.
std::optional<std::string> prefix_of(const std::string& pattern) {
  if (pattern.back() == '*') return pattern.substr(0, pattern.size() - 1);
  if (pattern.back() == '.') return pattern;
  return std::nullopt;
}

bool matches(const std::string& pattern, const Lab& lab, const Experiment& e) {
  if (pattern == kEverything || pattern == lab.id || pattern == e.id) return true;
  const auto prefix = prefix_of(pattern);
  return prefix && e.id.compare(0, prefix->size(), *prefix) == 0;
}

// Why `pattern` selects nothing, with the fix: the ids it begins (then the prefix form to
// write), else the labs and where every id is listed.
std::string no_match_words(const std::vector<Lab>& labs, const std::string& pattern) {
  std::vector<std::string> begun;
  for (const Lab& lab : labs)
    for (const Experiment& e : lab.experiments)
      if (!prefix_of(pattern) && e.id.compare(0, pattern.size(), pattern) == 0)
        begun.push_back(e.id);
  if (!begun.empty()) {
    const std::size_t shown = std::min<std::size_t>(begun.size(), 3);
    std::string ids;
    for (std::size_t i = 0; i < shown; ++i) ids += (i ? ", " : "") + begun[i];
    if (shown < begun.size()) ids += fmt::format(" and {} more", begun.size() - shown);
    return fmt::format(
        "no experiment is called '{}'; {} id(s) begin with it ({}): write '{}*' (quoted) to "
        "run them all",
        pattern, begun.size(), ids, pattern);
  }
  std::string known;
  std::vector<std::string> names = {kEverything};
  for (const Lab& lab : labs) {
    known += (known.empty() ? "" : ", ") + lab.id;
    names.push_back(lab.id);
    for (const Experiment& e : lab.experiments) names.push_back(e.id);
  }
  return fmt::format(
      "no lab or experiment matches '{}'{}. Labs: {} (or '{}' for every experiment). Run "
      "'illusion list' to see every experiment id",
      pattern, did_you_mean(pattern, names), known, kEverything);
}

}  // namespace

std::vector<Selected> select_experiments(const std::vector<Lab>& labs,
                                         const std::vector<std::string>& patterns) {
  std::vector<Selected> out;
  for (const std::string& p : patterns) {
    // An empty argument (an unset shell variable, say) must not mean "everything".
    if (p.empty())
      throw UsageError(fmt::format(
          "an empty target ('') selects nothing: name a lab, an experiment id, a prefix ending "
          "in '*' or '.', or '{}'",
          kEverything));
    bool any = false;
    for (const Lab& lab : labs)
      for (const Experiment& e : lab.experiments) any = any || matches(p, lab, e);
    if (!any) throw UsageError(no_match_words(labs, p));
  }
  for (const Lab& lab : labs) {
    for (const Experiment& e : lab.experiments) {
      bool take = patterns.empty() && e.headline;
      for (const std::string& p : patterns) take = take || matches(p, lab, e);
      if (take) out.push_back({&e, lab.id});
    }
  }
  return out;
}

Result run_one(const Selected& s, RunContext& ctx) {
  Result r;
  const auto started = std::chrono::steady_clock::now();
  try {
    r = s.skip_reason.empty() ? s.experiment->run(ctx)
                              : skipped(result_for(*s.experiment, s.lab_id), s.skip_reason);
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
