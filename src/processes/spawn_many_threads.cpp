// N threads alive at once. A thread shares everything but its stack, its registers and its
// kernel task: pthread_create(3) maps a stack (8 MiB of address space by default, RLIMIT_STACK,
// plus a guard page) and clone(2)s a task into the same mm. What becomes resident is only the
// few stack pages the thread touches, the thread's TLS and descriptor at the top of that
// mapping, and a kernel stack the RSS never shows.
#include <pthread.h>
#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "core/format.h"
#include "processes/child.h"
#include "processes/spawn_many.h"
#include "processes/spawn_many_support.h"
#include "processes/spawn_tally.h"

namespace illusion::labs::processes {
namespace {

struct UnitFds {
  int ready_write = -1, release_read = -1;
};

void* thread_main(void* arg) {
  const auto* fds = static_cast<const UnitFds*>(arg);
  unit_announce_and_wait(fds->ready_write, fds->release_read);
  return nullptr;
}

// Releases and joins every thread on every path out of the experiment (exceptions included),
// before the Gate's pipes close.
class Joiner {
 public:
  Joiner(Gate& gate, std::vector<pthread_t>& threads) : gate_(gate), threads_(threads) {}
  Joiner(const Joiner&) = delete;
  Joiner& operator=(const Joiner&) = delete;
  ~Joiner() { release_and_join(); }
  void release_and_join() {
    gate_.release();
    for (pthread_t t : threads_) pthread_join(t, nullptr);
    threads_.clear();
  }

 private:
  Gate& gate_;
  std::vector<pthread_t>& threads_;
};

struct StackUse {
  double virtual_kib = 0, resident_kib = 0, guard_kib = 0;  // averages per thread
  std::size_t measured = 0;
};

// Each thread's stack as pthread_getattr_np(3) reports it, and how many of its pages are
// resident by mincore(2): the mapping is 8 MiB, the thread has touched a few pages of it.
StackUse measure_stacks(const std::vector<pthread_t>& threads) {
  const std::size_t page = static_cast<std::size_t>(sysconf(_SC_PAGESIZE));
  StackUse u;
  std::vector<unsigned char> vec;
  double virt = 0, res = 0, guard = 0;
  for (pthread_t t : threads) {
    pthread_attr_t attr;
    if (pthread_getattr_np(t, &attr) != 0) continue;
    void* addr = nullptr;
    std::size_t size = 0, guard_size = 0;
    const bool ok = pthread_attr_getstack(&attr, &addr, &size) == 0 &&
                    pthread_attr_getguardsize(&attr, &guard_size) == 0;
    pthread_attr_destroy(&attr);
    if (!ok) continue;
    const auto lo = reinterpret_cast<std::uintptr_t>(addr) / page * page;
    const auto hi = reinterpret_cast<std::uintptr_t>(addr) + size;
    vec.assign((hi - lo + page - 1) / page, 0);
    if (mincore(reinterpret_cast<void*>(lo), hi - lo, vec.data()) != 0) continue;
    const auto resident =
        std::count_if(vec.begin(), vec.end(), [](unsigned char c) { return (c & 1) != 0; });
    virt += static_cast<double>(size);
    res += static_cast<double>(resident) * static_cast<double>(page);
    guard += static_cast<double>(guard_size);
    ++u.measured;
  }
  if (u.measured > 0) {
    const double n = static_cast<double>(u.measured) * 1024.0;
    u.virtual_kib = virt / n;
    u.resident_kib = res / n;
    u.guard_kib = guard / n;
  }
  return u;
}

std::optional<std::uint64_t> self_rss() {
  // smaps_rollup walks the page tables, so it is exact; VmRSS comes from per-CPU counters that
  // can lag by a batch per CPU (proc(5), "VmRSS ... inaccurate").
  if (auto rss = smaps_rollup_bytes(getpid(), "Rss")) return rss;
  return status_bytes(getpid(), "VmRSS");
}

}  // namespace

core::Result run_spawn_threads(core::RunContext& ctx, core::Result r, const SpawnOptions& opt) {
  const core::Clock& clock = *ctx.clock;
  SpawnPlan plan = plan_spawn(opt.n, opt.cap_to_headroom);
  if (opt.cap_to_headroom) cap_to_address_space(plan);
  r.add_param("op", "pthread_create of a thread that then blocks in read(2) on a shared pipe");
  if (skip_if_no_room(r, plan, "threads")) return r;

  Gate gate;
  UnitFds fds{gate.ready_write(), gate.release_read()};
  std::vector<pthread_t> threads;
  threads.reserve(plan.planned);
  Joiner joiner(gate, threads);
  SpawnTally t;

  const auto rss0 = self_rss();
  const auto vm0 = status_bytes(getpid(), "VmSize");
  create_units(
      ctx, plan.planned, gate, t,
      [&]() -> std::string {
        pthread_t thread{};
        if (const int rc = pthread_create(&thread, nullptr, thread_main, &fds); rc != 0)
          return "pthread_create failed: " + spawn_failure_text(rc, /*thread=*/true);
        threads.push_back(thread);
        return {};
      },
      64, 0.7);

  const auto rss1 = self_rss();
  const auto vm1 = status_bytes(getpid(), "VmSize");
  t.after = KernelMemory::now();
  const StackUse stacks = measure_stacks(threads);
  ctx.report_progress(0.85);

  tear_down(clock, t, [&] { joiner.release_and_join(); });

  if (!record_creation(r, plan, t, "thread", "threads")) return r;
  const std::size_t spawned = t.spawned;
  r.add_param("stack_cache_note",
              "glibc reuses the stacks of exited threads (up to 40 MiB): an earlier run's "
              "touched stack pages may already be resident");
  const auto rss_kib = kib_per_unit(rss0, rss1, spawned);
  if (rss_kib) r.add_metric("rss_per_thread_kib", *rss_kib, "KiB");
  if (const auto vm = kib_per_unit(vm0, vm1, spawned))
    r.add_metric("virtual_per_thread_kib", *vm, "KiB");
  if (stacks.measured > 0) {
    r.add_metric("stack_virtual_kib", stacks.virtual_kib, "KiB");
    r.add_metric("stack_resident_kib", stacks.resident_kib, "KiB");
    r.add_metric("stack_guard_kib", stacks.guard_kib, "KiB");
  }
  const auto kstack = record_per_unit(r, t, "threads");

  r.meaning = fmt::format(
      "{} threads alive at once, created in {} ({:.0f}/s, {} each at p50); each "
      "adds {} KiB resident ({:.0f} KiB touched of its {:.0f} KiB stack) and {} KiB of kernel "
      "stack{}",
      spawned, core::format_ns(t.total_ms() * 1e6), t.units_per_s(), core::format_ns(r.stats->p50),
      rss_kib ? fmt::format("{:.1f}", *rss_kib) : "?", stacks.resident_kib, stacks.virtual_kib,
      kstack ? fmt::format("{:.0f}", *kstack) : "?", shortfall_note(plan, spawned));
  return r;
}

}  // namespace illusion::labs::processes
