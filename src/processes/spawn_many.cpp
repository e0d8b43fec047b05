// N threads vs N processes alive at the same time: the creation rate and the memory each unit
// holds while it waits. Both kinds of unit block on the same pipe until released, so all N
// exist together and the memory readings see every one of them.
#include <string>
#include <utility>

#include <fmt/format.h>

#include "processes/rows.h"
#include "processes/spawn_many.h"

namespace illusion::labs::processes {
namespace {

using core::DurationHint;
using core::Result;
using core::RunContext;

enum class Unit { thread, process };

// --quick is a smoke run: it keeps N = 100 and skips the 1000-unit rows.
Result run_unit(RunContext& ctx, Result r, Unit unit, unsigned n) {
  if (n > 100 && ctx.profile == core::Profile::quick) {
    r.status = core::Status::skipped;
    r.reason = fmt::format("--quick spawns 100 units only; {} run in the default profile", n);
    return r;
  }
  SpawnOptions opt;
  opt.n = n;
  return unit == Unit::thread ? run_spawn_threads(ctx, std::move(r), opt)
                              : run_spawn_processes(ctx, std::move(r), opt);
}

core::Experiment row(Unit unit, unsigned n, DurationHint hint) {
  const bool thread = unit == Unit::thread;
  return experiment(
      fmt::format("spawn_{}_{}", thread ? "threads" : "processes", n),
      fmt::format("{} {} alive", n, thread ? "threads" : "processes"),
      thread ? fmt::format(
                   "{} threads created and kept alive at once: the time per pthread_create and "
                   "the memory each thread adds (stack touched vs reserved, kernel stack).",
                   n)
             : fmt::format(
                   "{} processes forked and kept alive at once: the time per fork and each "
                   "child's share of memory (PSS), page tables and kernel stack.",
                   n),
      thread ? "ns/thread" : "ns/process", hint,
      [unit, n](RunContext& ctx, core::Result r) { return run_unit(ctx, std::move(r), unit, n); });
}

}  // namespace

std::vector<core::Experiment> spawn_many_rows() {
  return {
      row(Unit::thread, 100, DurationHint{0.05, 0.05, 0.05}),
      row(Unit::process, 100, DurationHint{0.1, 0.1, 0.1}),
      row(Unit::thread, 1000, DurationHint{0.001, 0.2, 0.2}),
      row(Unit::process, 1000, DurationHint{0.001, 0.6, 0.6}),
  };
}

}  // namespace illusion::labs::processes
