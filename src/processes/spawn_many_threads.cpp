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

#include "core/counters.h"
#include "core/measure.h"
#include "processes/child.h"
#include "processes/spawn_many_run.h"
#include "processes/spawn_many_support.h"

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
  std::vector<double> create_ns;
  create_ns.reserve(plan.planned);

  const auto rss0 = self_rss();
  const auto vm0 = status_bytes(getpid(), "VmSize");
  const KernelMemory k0 = KernelMemory::now();
  // getrusage only (RUSAGE_SELF sums every thread, the exited ones included): inherited perf
  // events would be copied into each new thread and slow the creation being measured.
  core::CounterWindow window(false, /*inherit=*/true);
  window.start();
  std::string failure;
  const double start = clock.now_ns();
  for (unsigned i = 0; i < plan.planned; ++i) {
    pthread_t t{};
    const double t0 = clock.now_ns();
    const int rc = pthread_create(&t, nullptr, thread_main, &fds);
    const double t1 = clock.now_ns();
    if (rc != 0) {
      failure = "pthread_create failed: " + spawn_failure_text(rc, /*thread=*/true);
      break;
    }
    threads.push_back(t);
    create_ns.push_back(t1 - t0);
    if (i % 64 == 63) ctx.report_progress(0.7 * (i + 1) / plan.planned);
  }
  const double created = clock.now_ns();
  const std::size_t spawned = threads.size();
  const std::size_t alive = gate.wait_ready(spawned, 10000);

  const auto rss1 = self_rss();
  const auto vm1 = status_bytes(getpid(), "VmSize");
  const KernelMemory k1 = KernelMemory::now();
  const StackUse stacks = measure_stacks(threads);
  ctx.report_progress(0.85);

  const double release_start = clock.now_ns();
  joiner.release_and_join();
  const double teardown_ns = clock.now_ns() - release_start;
  window.stop();

  record_plan(r, plan, spawned, failure);
  if (spawned == 0) {
    r.status = core::Status::skipped;
    r.reason = "no thread could be created: " + failure;
    return r;
  }
  core::finish_result(r, std::move(create_ns), static_cast<double>(spawned), &window);
  const double units = static_cast<double>(spawned);
  const double total_ms = (created - start) / 1e6;
  r.add_param("stack_cache_note",
              "glibc reuses the stacks of exited threads (up to 40 MiB): an earlier run's "
              "touched stack pages may already be resident");
  r.add_metric("total_ms", total_ms, "ms");
  if (total_ms > 0) r.add_metric("units_per_s", units / (total_ms / 1e3), "threads/s");
  r.add_metric("alive_at_once", static_cast<double>(alive), "threads");
  r.add_metric("teardown_ms", teardown_ns / 1e6, "ms");
  const auto rss_kib = kib_per_unit(rss0, rss1, spawned);
  if (rss_kib) r.add_metric("rss_per_thread_kib", *rss_kib, "KiB");
  if (const auto vm = kib_per_unit(vm0, vm1, spawned))
    r.add_metric("virtual_per_thread_kib", *vm, "KiB");
  if (stacks.measured > 0) {
    r.add_metric("stack_virtual_kib", stacks.virtual_kib, "KiB");
    r.add_metric("stack_resident_kib", stacks.resident_kib, "KiB");
    r.add_metric("stack_guard_kib", stacks.guard_kib, "KiB");
  }
  const auto kstack = kib_per_unit(k0.kernel_stack, k1.kernel_stack, spawned);
  if (kstack) r.add_metric("kernel_stack_per_unit_kib", *kstack, "KiB");
  for (const char* name : {"rusage_voluntary_switches", "rusage_involuntary_switches"})
    if (const core::CounterValue* c = r.counter(name); c && c->per_op)
      r.add_metric(std::string(name).substr(7) + "_per_unit", *c->per_op, "switches");
  if (alive < spawned)
    r.warnings.push_back(fmt::format(
        "only {} of {} threads reported running within 10 s: the memory figures cover fewer "
        "live threads than were created",
        alive, spawned));

  r.meaning = fmt::format(
      "{} threads alive at once, created in {:.1f} ms ({:.0f}/s, {:.1f} us each at p50); each "
      "adds {} KiB resident ({:.0f} KiB touched of its {:.0f} KiB stack) and {} KiB of kernel "
      "stack{}",
      spawned, total_ms, total_ms > 0 ? units / (total_ms / 1e3) : 0.0, r.stats->p50 / 1e3,
      rss_kib ? fmt::format("{:.1f}", *rss_kib) : "?", stacks.resident_kib, stacks.virtual_kib,
      kstack ? fmt::format("{:.0f}", *kstack) : "?", shortfall_note(plan, spawned));
  return r;
}

}  // namespace illusion::labs::processes
