// Event counters around a measurement: perf_event_open(2) software and hardware events, with
// getrusage(2) beside them.
//
// Each event is opened on its own fd (not as a group) so that one refused event, such as
// `cycles` in a VM without a PMU, does not take the others down with it. An event that cannot
// be opened keeps its reason ("no PMU: ENOENT", "perf_event_paranoid=3: EACCES") and is reported
// as unavailable: never as zero. Counting starts and stops at the same boundaries as the timed
// samples (the sampler calls start/stop), so labs never touch the counters themselves.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/fd.h"

namespace illusion::core {

// One event we try to count. `kernel_needed` marks events that are only meaningful when kernel
// activity is counted (a context switch happens in kernel mode: with exclude_kernel set, the
// count would read zero, which would be a lie, so the event is marked unavailable instead).
struct CounterSpec {
  std::string name;  // JSON/console name: "page_faults", "cycles", ...
  bool hardware = false;
  std::uint32_t type = 0;
  std::uint64_t config = 0;
  bool kernel_needed = false;
};

// "perf_event_paranoid=N" as the kernel says now, for messages.
std::string perf_paranoid_description();

// Every event illusion knows, software first.
const std::vector<CounterSpec>& all_counter_specs();

struct CounterReading {
  std::string name;
  std::optional<double> value;  // total over the window; nullopt when unavailable
  std::string reason;           // why unavailable (empty when available)
  bool user_only = false;       // counted with exclude_kernel (perf_event_paranoid >= 2)
};

struct CounterOptions {
  bool inherit = false;        // also count threads/children created after start()
  bool hardware = true;        // try the hardware events too
  bool software = true;        // the software events (task clock, faults, switches, migrations)
  // raw_syscalls:sys_enter. Off by default: while that tracepoint is registered, every task's
  // syscalls take the traced slow path (getppid ~170 ns -> ~300 ns enabled, ~210 ns merely
  // open, on the dev VM), so it must never wrap timed samples; use it in an untimed pass.
  bool syscalls = false;
};

// RAII set of perf event fds. Move-only. An empty set (nothing could be opened) is still valid:
// start/stop do nothing and read() reports every event as unavailable with its reason.
class CounterSet {
 public:
  static CounterSet open(const CounterOptions& options = {});

  CounterSet() = default;

  void start();   // reset and enable every open event
  void stop();    // disable every open event
  void resume();  // enable again after stop(), keeping what was counted so far
  // Totals between start() and stop(), scaled for multiplexing when the kernel rotated events.
  std::vector<CounterReading> read() const;

 private:
  struct Event {
    CounterSpec spec;
    Fd fd;
    std::string reason;
    bool user_only = false;
    // Readings taken at start(): PERF_EVENT_IOC_RESET clears neither the enabled/running times
    // nor the counts folded in from exited inherited children, so read() subtracts these.
    std::uint64_t base_value = 0, base_enabled = 0, base_running = 0;
  };
  std::vector<Event> events_;
};

// getrusage(2) fields that count what perf counts, as a cross-check that needs no permission.
struct RusageSnapshot {
  double user_ns = 0, system_ns = 0;
  std::uint64_t minor_faults = 0, major_faults = 0;
  std::uint64_t voluntary_switches = 0, involuntary_switches = 0;
  // who: RUSAGE_THREAD (default), RUSAGE_SELF or RUSAGE_CHILDREN.
  static RusageSnapshot now(int who = 1 /* RUSAGE_THREAD */);
};

// Differences b - a, named like the perf counters with an "rusage_" prefix.
std::vector<CounterReading> rusage_delta(const RusageSnapshot& a, const RusageSnapshot& b);

struct Result;

// Perf counters plus the getrusage snapshots taken beside them: what the sampler starts and
// stops at the edges of the timed phase. With `enabled` false only rusage is recorded.
class CounterWindow {
 public:
  explicit CounterWindow(bool enabled, bool inherit = false);
  void start();  // rusage snapshot, then perf events enabled
  void stop();   // perf events disabled, then rusage snapshot
  // Counts again after stop(), adding to what was counted: for experiments whose timed phases
  // alternate with untimed set-up (evicting a file between passes), whose events stay out.
  void resume();
  // Per-op values (perf and rusage) into r.counters; unavailable events into r.warnings.
  void write_per_op(Result& r, double ops) const;  // Result from core/result.h

 private:
  bool enabled_;
  bool inherit_;  // rusage then covers the whole process and its reaped children
  CounterSet set_;
  RusageSnapshot before_, after_;
};

// Faults per op as a result's counters give them (CounterWindow and the labs' meters write these
// names), by the one rule every figure and the report's faults column follow: perf's event
// (page_faults, minor_faults or major_faults) when it counted and getrusage(2) does not show
// clearly more (over perf + 0.5 and over 1.1x perf per op), else getrusage's (rusage_minor_faults
// plus rusage_major_faults, or the one of the kind), else empty. Faults the kernel takes on the
// program's behalf (MAP_POPULATE, mlock, get_user_pages), and with perf counting user mode only
// those inside syscalls, raise no perf event but count in getrusage: then getrusage is the truth.
enum class FaultKind { all, minor, major };
struct FaultsPerOp {
  double value = 0;
  bool from_rusage = false;
};
std::optional<FaultsPerOp> faults_per_op(const Result& r, FaultKind kind = FaultKind::all);

}  // namespace illusion::core
