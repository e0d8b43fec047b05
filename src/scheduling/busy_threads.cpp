#include "scheduling/busy_threads.h"

#include <sched.h>
#include <sys/resource.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <latch>
#include <thread>

#include "core/barrier.h"
#include "scheduling/placement.h"

namespace illusion::labs::scheduling {
namespace {

constexpr int kRoundsPerUnit = 48;

// Shared by the threads of one run: they report ready, then wait for the deadline to be set.
struct StartLine {
  std::latch ready;
  std::atomic<bool> go{false};
  double deadline_ns = 0;  // written before `go` is released
  explicit StartLine(std::size_t n) : ready(static_cast<std::ptrdiff_t>(n)) {}
};

void note_cpu(std::vector<int>& seen, int cpu) {
  if (std::find(seen.begin(), seen.end(), cpu) == seen.end()) seen.push_back(cpu);
}

long own_switches() {
  rusage ru{};
  getrusage(RUSAGE_THREAD, &ru);
  return ru.ru_nvcsw + ru.ru_nivcsw;
}

// The measured loop. Kept free of anything but the work and one clock reading, except after a
// gap (rare), so a step is ~0.1 µs and a gap of 20 µs cannot be the loop's own doing. A switch
// too short to leave a gap is charged to the next gap: rare, and then that gap is a wait too.
void spin_until(const core::Clock& clock, double deadline, double threshold, BusyThread& t) {
  long switches = own_switches();
  std::uint64_t x = 0x9E3779B97F4A7C15ull ^ reinterpret_cast<std::uintptr_t>(&t);
  double prev = clock.now_ns();
  const double first = prev;
  double run_start = prev;
  std::uint64_t units = 0;
  for (;;) {
    x = work_unit(x);
    ++units;
    const double now = clock.now_ns();
    if (now - prev > threshold) {
      if (const long s = own_switches(); s != switches) {
        switches = s;
        t.runs_ns.push_back(prev - run_start);
        t.waits_ns.push_back(now - prev);
        run_start = now;
        note_cpu(t.cpus_seen, sched_getcpu());
      } else {
        t.stalls_ns.push_back(now - prev);
      }
      prev = clock.now_ns();  // the getrusage above is not the next step's work
    } else {
      prev = now;
    }
    if (now >= deadline) break;
  }
  t.runs_ns.push_back(prev - run_start);
  core::do_not_optimize(x);
  t.units = units;
  t.wall_ns = prev - first;
}

void busy_thread(const core::Clock& clock, const BusyPlan& plan, std::size_t index, StartLine& line,
                 BusyThread& t) {
  AffinityGuard affinity;
  if (!plan.cpus.empty()) t.refusal = affinity.pin(plan.cpus[index % plan.cpus.size()]);
  t.runs_ns.reserve(1024);
  t.waits_ns.reserve(1024);
  t.stalls_ns.reserve(1024);
  line.ready.count_down();
  line.go.wait(false);
  if (!t.refusal.empty()) return;
  // Snapshots after the start signal: the wake-up from it may itself migrate the thread.
  t.before = ThreadSchedSnapshot::now();
  note_cpu(t.cpus_seen, sched_getcpu());
  spin_until(clock, line.deadline_ns, plan.gap_threshold_ns, t);
  t.after = ThreadSchedSnapshot::now();
}

}  // namespace

std::uint64_t work_unit(std::uint64_t x) {
  for (int k = 0; k < kRoundsPerUnit; ++k) {
    x ^= x >> 33;
    x *= 0xFF51AFD7ED558CCDull;  // MurmurHash3's finaliser constant
    x ^= x >> 29;
  }
  return x;
}

std::string BusyRun::refusal() const {
  for (const BusyThread& t : threads)
    if (!t.refusal.empty()) return t.refusal;
  return "";
}

BusyRun run_busy(const core::Clock& clock, const BusyPlan& plan,
                 const std::function<void(double)>& progress) {
  BusyRun run;
  run.threads.resize(plan.threads);
  StartLine line(plan.threads);
  {
    std::vector<std::jthread> workers;
    workers.reserve(plan.threads);
    // If a thread cannot be created, the jthreads made so far must still get their signal,
    // or their destructors' join would wait forever.
    struct Release {
      StartLine& line;
      ~Release() {
        line.go = true;
        line.go.notify_all();
      }
    } release{line};
    for (std::size_t i = 0; i < plan.threads; ++i)
      workers.emplace_back(
          [&clock, &plan, i, &line, &t = run.threads[i]] { busy_thread(clock, plan, i, line, t); });
    line.ready.wait();
    const double start = clock.now_ns();
    line.deadline_ns = start + plan.duration_ns;
    run.window_ns = plan.duration_ns;
    line.go = true;
    line.go.notify_all();
    for (double now = start; now < line.deadline_ns; now = clock.now_ns()) {
      if (progress) progress((now - start) / plan.duration_ns);
      const double left_ms = (line.deadline_ns - now) / 1e6;
      std::this_thread::sleep_for(
          std::chrono::duration<double, std::milli>(std::min(100.0, std::max(left_ms, 0.0) + 0.1)));
    }
  }  // joined here
  return run;
}

}  // namespace illusion::labs::scheduling
