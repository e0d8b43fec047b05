// getrusage(2) snapshots and the CounterWindow that pairs them with the perf events around a
// timed phase (declared in counters.h).
#include <sys/resource.h>

#include <fmt/format.h>

#include "core/counters.h"
#include "core/errors.h"
#include "core/fault_window.h"
#include "core/result.h"

namespace illusion::core {

RusageSnapshot RusageSnapshot::now(int who) {
  static_assert(RUSAGE_THREAD == 1, "counters.h defaults `who` to RUSAGE_THREAD as 1");
  rusage ru{};
  if (getrusage(who, &ru) != 0) throw_errno("getrusage");
  auto ns = [](const timeval& tv) {
    return static_cast<double>(tv.tv_sec) * 1e9 + static_cast<double>(tv.tv_usec) * 1e3;
  };
  RusageSnapshot s;
  s.user_ns = ns(ru.ru_utime);
  s.system_ns = ns(ru.ru_stime);
  s.minor_faults = static_cast<std::uint64_t>(ru.ru_minflt);
  s.major_faults = static_cast<std::uint64_t>(ru.ru_majflt);
  s.voluntary_switches = static_cast<std::uint64_t>(ru.ru_nvcsw);
  s.involuntary_switches = static_cast<std::uint64_t>(ru.ru_nivcsw);
  return s;
}

std::vector<CounterReading> rusage_delta(const RusageSnapshot& a, const RusageSnapshot& b) {
  auto delta = [](const char* name, std::uint64_t before, std::uint64_t after) {
    if (after < before)
      return CounterReading{name, std::nullopt,
                            "went backwards between snapshots (taken on different threads?)",
                            false};
    return CounterReading{name, static_cast<double>(after - before), "", false};
  };
  return {
      delta("rusage_minor_faults", a.minor_faults, b.minor_faults),
      delta("rusage_major_faults", a.major_faults, b.major_faults),
      delta("rusage_voluntary_switches", a.voluntary_switches, b.voluntary_switches),
      delta("rusage_involuntary_switches", a.involuntary_switches, b.involuntary_switches),
  };
}

namespace {

// With inherit the perf events follow new threads and children, so rusage must too:
// RUSAGE_SELF sums every thread, RUSAGE_CHILDREN the children already waited for (getrusage(2)).
RusageSnapshot window_snapshot(bool inherit) {
  if (!inherit) return RusageSnapshot::now(RUSAGE_THREAD);
  RusageSnapshot s = RusageSnapshot::now(RUSAGE_SELF);
  const RusageSnapshot c = RusageSnapshot::now(RUSAGE_CHILDREN);
  s.user_ns += c.user_ns;
  s.system_ns += c.system_ns;
  s.minor_faults += c.minor_faults;
  s.major_faults += c.major_faults;
  s.voluntary_switches += c.voluntary_switches;
  s.involuntary_switches += c.involuntary_switches;
  return s;
}

}  // namespace

CounterWindow::CounterWindow(bool enabled, bool inherit)
    : enabled_(enabled),
      inherit_(inherit),
      set_(enabled ? CounterSet::open({.inherit = inherit, .hardware = true}) : CounterSet()) {}

void CounterWindow::start() {
  before_ = window_snapshot(inherit_);
  set_.start();
}

void CounterWindow::stop() {
  set_.stop();
  after_ = window_snapshot(inherit_);
}

void CounterWindow::resume() {
  // Shift the start snapshot by what happened while stopped, so the delta leaves it out.
  const RusageSnapshot now = window_snapshot(inherit_);
  auto shift = [](auto& start, auto stopped, auto resumed) { start += resumed - stopped; };
  shift(before_.user_ns, after_.user_ns, now.user_ns);
  shift(before_.system_ns, after_.system_ns, now.system_ns);
  shift(before_.minor_faults, after_.minor_faults, now.minor_faults);
  shift(before_.major_faults, after_.major_faults, now.major_faults);
  shift(before_.voluntary_switches, after_.voluntary_switches, now.voluntary_switches);
  shift(before_.involuntary_switches, after_.involuntary_switches, now.involuntary_switches);
  set_.resume();
}

void CounterWindow::write_per_op(Result& r, double ops) const {
  if (ops <= 0) r.warnings.push_back("no ops were counted: counters are not reported per op");
  std::vector<CounterReading> readings;
  if (enabled_) readings = set_.read();
  for (CounterReading& c : rusage_delta(before_, after_)) readings.push_back(std::move(c));

  std::string user_only;
  for (const CounterReading& c : readings) {
    std::optional<double> per_op;
    if (c.value && ops > 0) per_op = *c.value / ops;
    r.counters.push_back(CounterValue{c.name, per_op});
    if (!c.value) r.warnings.push_back(fmt::format("{}: unavailable ({})", c.name, c.reason));
    if (c.value && c.user_only) {
      if (!user_only.empty()) user_only += ", ";
      user_only += c.name;
    }
  }
  if (!user_only.empty()) r.warnings.push_back(user_mode_only_warning(user_only, true));
}

}  // namespace illusion::core
