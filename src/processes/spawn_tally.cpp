#include "processes/spawn_tally.h"

#include <fmt/format.h>

#include "core/measure.h"

namespace illusion::labs::processes {

bool record_creation(core::Result& r, const SpawnPlan& plan, SpawnTally& t, const char* unit,
                     const char* units) {
  const std::size_t spawned = t.spawned;
  record_plan(r, plan, spawned, t.failure);
  if (spawned == 0) {
    r.status = core::Status::skipped;
    r.reason = fmt::format("no {} could be created: {}", unit, t.failure);
    return false;
  }
  core::finish_result(r, std::move(t.create_ns), static_cast<double>(spawned), &t.window);
  t.create_ns.clear();
  r.add_metric("total_ms", t.total_ms(), "ms");
  if (t.total_ms() > 0) r.add_metric("units_per_s", t.units_per_s(), fmt::format("{}/s", units));
  r.add_metric("alive_at_once", static_cast<double>(t.alive), units);
  r.add_metric("teardown_ms", t.teardown_ns / 1e6, "ms");
  return true;
}

std::optional<double> record_per_unit(core::Result& r, const SpawnTally& t, const char* units) {
  const auto kstack = kib_per_unit(t.before.kernel_stack, t.after.kernel_stack, t.spawned);
  if (kstack) r.add_metric("kernel_stack_per_unit_kib", *kstack, "KiB");
  for (const char* name : {"rusage_voluntary_switches", "rusage_involuntary_switches"})
    if (const core::CounterValue* c = r.counter(name); c && c->per_op)
      r.add_metric(std::string(name).substr(7) + "_per_unit", *c->per_op, "switches");
  if (t.alive < t.spawned)
    r.warnings.push_back(fmt::format(
        "only {} of {} {} reported running within 10 s: the memory figures cover fewer live {} "
        "than were created",
        t.alive, t.spawned, units, units));
  return kstack;
}

}  // namespace illusion::labs::processes
