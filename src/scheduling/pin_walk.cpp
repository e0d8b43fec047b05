#include "scheduling/pin_walk.h"

#include <sched.h>

#include <algorithm>
#include <numeric>
#include <random>
#include <thread>

#include "core/barrier.h"
#include "scheduling/placement.h"

namespace illusion::labs::scheduling {
namespace {

constexpr int kWarmWalks = 4;

struct alignas(64) Line {
  Line* next;
};
static_assert(sizeof(Line) == 64, "one chain link per cache line");

// One cycle through every line in a random order (Sattolo's algorithm gives a single cycle),
// with a fixed seed so every run walks the same chain.
std::vector<Line> make_chain(std::size_t lines) {
  std::vector<Line> chain(lines);
  std::vector<std::size_t> order(lines);
  std::iota(order.begin(), order.end(), 0);
  std::mt19937_64 rng(0x5eed);
  for (std::size_t i = lines - 1; i > 0; --i) {
    std::uniform_int_distribution<std::size_t> pick(0, i - 1);
    std::swap(order[i], order[pick(rng)]);
  }
  for (std::size_t i = 0; i < lines; ++i) chain[order[i]].next = &chain[order[(i + 1) % lines]];
  return chain;
}

const Line* walk(const Line* p, std::size_t steps) {
  for (std::size_t i = 0; i < steps; ++i) p = p->next;
  core::do_not_optimize(p);
  return p;
}

void note_cpu(std::vector<int>& seen, int cpu) {
  if (std::find(seen.begin(), seen.end(), cpu) == seen.end()) seen.push_back(cpu);
}

void walk_until(const core::Clock& clock, const WalkPlan& plan, WalkRun& out) {
  const std::vector<Line> chain = make_chain(out.lines);
  const Line* p = chain.data();
  for (int i = 0; i < kWarmWalks; ++i) p = walk(p, out.lines);
  out.before = ThreadSchedSnapshot::now();
  const double deadline = clock.now_ns() + plan.duration_ns;
  int last_cpu = sched_getcpu();
  note_cpu(out.cpus_seen, last_cpu);
  for (double t0 = clock.now_ns(); t0 < deadline;) {
    const int cpu_before = sched_getcpu();
    p = walk(p, out.lines);
    const double t1 = clock.now_ns();
    const int cpu_after = sched_getcpu();
    const double ns = t1 - t0;
    out.walk_ns.push_back(ns);
    const bool moved = cpu_before != last_cpu || cpu_after != cpu_before;
    (moved ? out.moved_ns : out.stayed_ns).push_back(ns);
    if (moved) note_cpu(out.cpus_seen, cpu_after);
    last_cpu = cpu_after;
    t0 = t1;
  }
  out.after = ThreadSchedSnapshot::now();
}

void move_and_walk(const core::Clock& clock, const MovePlan& plan, MoveRun& out) {
  const std::size_t lines = std::max<std::size_t>(2, plan.working_set_bytes / sizeof(Line));
  const std::vector<Line> chain = make_chain(lines);
  AffinityGuard affinity;
  if (out.refusal = affinity.pin(plan.cpu_a); !out.refusal.empty()) return;
  const Line* p = chain.data();
  for (int i = 0; i < kWarmWalks; ++i) p = walk(p, lines);
  for (std::size_t i = 0; i < plan.moves; ++i) {
    // pthread_setaffinity_np moves the calling thread before it returns (sched_setaffinity(2)).
    if (out.refusal = affinity.pin(i % 2 == 0 ? plan.cpu_b : plan.cpu_a); !out.refusal.empty())
      return;
    const double t0 = clock.now_ns();
    p = walk(p, lines);
    const double t1 = clock.now_ns();
    p = walk(p, lines);
    const double t2 = clock.now_ns();
    out.first_walk_ns.push_back(t1 - t0);
    out.second_walk_ns.push_back(t2 - t1);
  }
}

}  // namespace

MoveRun run_forced_moves(const core::Clock& clock, const MovePlan& plan) {
  MoveRun out;
  {
    std::jthread mover([&] { move_and_walk(clock, plan, out); });
  }  // joined here, before `out` is read
  return out;
}

WalkRun run_walker(const core::Clock& clock, const WalkPlan& plan) {
  WalkRun out;
  out.lines = std::max<std::size_t>(2, plan.working_set_bytes / sizeof(Line));
  {
    std::jthread walker([&] {
      AffinityGuard affinity;
      if (plan.cpu) out.refusal = affinity.pin(*plan.cpu);
      if (out.refusal.empty()) walk_until(clock, plan, out);
    });
  }  // joined here, before `out` is read
  return out;
}

}  // namespace illusion::labs::scheduling
