// What the two spawn-many rows (N threads, N processes) measure and report the same way: each
// unit's creation timed alone, the creation loop's total, how many units were alive at once,
// the teardown, and the kernel memory and context switches per unit.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/counters.h"
#include "core/experiment.h"
#include "core/result.h"
#include "processes/spawn_many_support.h"

namespace illusion::labs::processes {

struct SpawnTally {
  std::vector<double> create_ns;  // one per unit created (record_creation moves them out)
  std::size_t spawned = 0;        // units created
  std::string failure;            // why creation stopped short of the plan ("" if it did not)
  double start_ns = 0, created_ns = 0;  // around the whole creation loop
  std::size_t alive = 0;                // units that announced themselves at the gate
  KernelMemory before, after;           // system-wide: before creation, with every unit alive
  double teardown_ns = 0;               // from the release to the last unit gone
  // From creation to teardown, getrusage only (RUSAGE_SELF sums every thread, the exited ones
  // included, and the reaped children): inherited perf events would be copied into every new
  // unit at its creation and slow down the very creation being timed.
  core::CounterWindow window{false, /*inherit=*/true};

  double total_ms() const { return (created_ns - start_ns) / 1e6; }
  double units_per_s() const {
    return total_ms() > 0 ? static_cast<double>(spawned) / (total_ms() / 1e3) : 0.0;
  }
};

// Reads the kernel's memory and starts counting, then creates up to `planned` units one after
// another, timing each call of `create` (which returns "" or why the unit could not be created)
// and stopping at the first failure; then waits (10 s at most without progress) until the gate
// has heard from every unit created. Progress runs to `progress_share`, reported every
// `progress_every` units.
template <class Create>
void create_units(const core::RunContext& ctx, unsigned planned, Gate& gate, SpawnTally& t,
                  Create&& create, unsigned progress_every, double progress_share) {
  const core::Clock& clock = *ctx.clock;
  t.create_ns.reserve(planned);
  t.before = KernelMemory::now();
  t.window.start();
  t.start_ns = clock.now_ns();
  for (unsigned i = 0; i < planned; ++i) {
    const double t0 = clock.now_ns();
    std::string why = create();
    const double t1 = clock.now_ns();
    if (!why.empty()) {
      t.failure = std::move(why);
      break;
    }
    t.create_ns.push_back(t1 - t0);
    if (i % progress_every == progress_every - 1)
      ctx.report_progress(progress_share * (i + 1) / planned);
  }
  t.created_ns = clock.now_ns();
  t.spawned = t.create_ns.size();
  t.alive = gate.wait_ready(t.spawned, 10000);
}

// Times `release` (which lets every unit go and waits until each is gone), then stops counting.
template <class Release>
void tear_down(const core::Clock& clock, SpawnTally& t, Release&& release) {
  const double release_start = clock.now_ns();
  release();
  t.teardown_ns = clock.now_ns() - release_start;
  t.window.stop();
}

// Records the plan; then, unless no unit was created (r is marked skipped, "no <unit> could be
// created: <why>", and false returned), the stats of the creation times with the window's
// counts per unit, and total_ms, units_per_s (<units>/s), alive_at_once and teardown_ms.
bool record_creation(core::Result& r, const SpawnPlan& plan, SpawnTally& t, const char* unit,
                     const char* units);

// The kernel stack and the context switches per unit, and a warning when fewer `units`
// ("threads", "children") than were created reported running. Returns the kernel stack KiB per
// unit, for the row's sentence.
std::optional<double> record_per_unit(core::Result& r, const SpawnTally& t, const char* units);

}  // namespace illusion::labs::processes
