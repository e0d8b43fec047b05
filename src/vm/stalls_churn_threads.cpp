#include "vm/stalls_churn_threads.h"

#include <pthread.h>
#include <sched.h>
#include <sys/mman.h>
#include <time.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <exception>
#include <mutex>
#include <thread>

#include <fmt/format.h>

#include "core/barrier.h"
#include "core/counters.h"
#include "core/mapping.h"

namespace illusion::labs::vm {
namespace {

constexpr std::size_t kPage = 4096;

struct Shared {
  std::atomic<int> ready{0};
  std::atomic<bool> go{false};
  std::atomic<bool> stop{false};
  std::mutex mu;
  std::vector<std::string> placement_failures;
  std::exception_ptr error;
};

void pin_self(Shared& sh, int cpu, const char* who) {
  if (cpu < 0) return;
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(cpu, &set);
  const int rc = pthread_setaffinity_np(pthread_self(), sizeof set, &set);
  if (rc != 0) {
    std::lock_guard<std::mutex> lock(sh.mu);
    sh.placement_failures.push_back(
        fmt::format("{} could not be pinned to CPU {}: {}", who, cpu, std::strerror(rc)));
  }
}

void wait_for_go(Shared& sh) {
  sh.ready.fetch_add(1);
  while (!sh.go.load(std::memory_order_acquire)) std::this_thread::yield();
}

struct TouchOut {
  std::vector<double> samples;
  std::uint64_t minor_faults = 0, involuntary = 0;
  bool capped = false;
};

// One batch stores to one line in each of kBatchPages consecutive pages (4 KiB of lines), the
// line moving within the page from lap to lap. The 4 MiB buffer (1024 pages) fits the
// second-level TLB, so a batch is all TLB hits until a shootdown flushes the entries: after
// one, the next batches pay a page walk per page.
void toucher(const core::Clock& clock, const ChurnConfig& cfg, Shared& sh, int cpu, TouchOut& out) {
  try {
    pin_self(sh, cpu, "a toucher");
    core::Mapping mem(kTouchBytes);
    mem.touch_all();
    // Sized and written now, not grown: a vector growing into fresh pages would fault while
    // the touchers are meant to run fault-free.
    out.samples.assign(cfg.max_samples_per_thread, 0.0);
    std::size_t n = 0;
    char* p = mem.data();
    const std::size_t pages = mem.size() / kPage;
    std::size_t page = 0, line = 0;
    wait_for_go(sh);
    const core::RusageSnapshot ru0 = core::RusageSnapshot::now();
    while (!sh.stop.load(std::memory_order_relaxed)) {
      if (n == out.samples.size()) {
        out.capped = true;
        break;
      }
      char* base = p + line * 64;
      const double t0 = clock.now_ns();
      for (std::size_t i = 0; i < kBatchPages; ++i) {
        char* at = base + (page + i) * kPage;
        *at = static_cast<char>(*at + 1);
      }
      core::clobber_memory();
      const double t1 = clock.now_ns();
      out.samples[n++] = t1 - t0;
      page += kBatchPages;
      if (page >= pages) {
        page = 0;
        line = (line + 1) % (kPage / 64);
      }
    }
    const core::RusageSnapshot ru1 = core::RusageSnapshot::now();
    out.samples.resize(n);
    out.minor_faults = ru1.minor_faults - ru0.minor_faults;
    out.involuntary = ru1.involuntary_switches - ru0.involuntary_switches;
  } catch (...) {
    std::lock_guard<std::mutex> lock(sh.mu);
    if (!sh.error) sh.error = std::current_exception();
    sh.ready.fetch_add(1);  // never leave the starter waiting
  }
}

// mmap 2 MiB, write every page (512 first-touch faults: MADV_NOHUGEPAGE keeps them 4 KiB ones
// even under THP "always"), munmap: each munmap zaps 512 PTEs and, since other CPUs run this
// mm, must flush their TLBs too (a shootdown IPI to each; x86 flushes the whole TLB when more
// than tlb_single_page_flush_ceiling, 33, pages go at once).
void churner(const ChurnConfig& cfg, Shared& sh, std::uint64_t& rounds) {
  try {
    pin_self(sh, cfg.churn_cpu, "the churn thread");
    wait_for_go(sh);
    while (!sh.stop.load(std::memory_order_relaxed)) {
      void* m =
          mmap(nullptr, kChurnBytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
      if (m == MAP_FAILED) throw std::system_error(errno, std::generic_category(), "mmap");
      madvise(m, kChurnBytes, MADV_NOHUGEPAGE);
      volatile char* c = static_cast<char*>(m);
      for (std::size_t off = 0; off < kChurnBytes; off += kPage) c[off] = 1;
      munmap(m, kChurnBytes);
      ++rounds;
    }
  } catch (...) {
    std::lock_guard<std::mutex> lock(sh.mu);
    if (!sh.error) sh.error = std::current_exception();
    sh.ready.fetch_add(1);
  }
}

}  // namespace

ChurnRun run_churn(const core::Clock& clock, const ChurnConfig& cfg) {
  Shared sh;
  std::vector<TouchOut> outs(static_cast<std::size_t>(cfg.touchers));
  std::uint64_t rounds = 0;
  ChurnRun run;
  {
    std::vector<std::jthread> threads;
    // Whatever happens below (a thread that cannot be created included), the threads are told
    // to stop before the jthreads join them: `stopper` is destroyed before `threads`.
    struct StopOnExit {
      Shared& sh;
      ~StopOnExit() {
        sh.stop.store(true);
        sh.go.store(true, std::memory_order_release);
      }
    } stopper{sh};
    for (int i = 0; i < cfg.touchers; ++i) {
      const int cpu = i < static_cast<int>(cfg.toucher_cpus.size()) ? cfg.toucher_cpus[i] : -1;
      threads.emplace_back(
          [&, i, cpu] { toucher(clock, cfg, sh, cpu, outs[static_cast<std::size_t>(i)]); });
    }
    if (cfg.churn) threads.emplace_back([&] { churner(cfg, sh, rounds); });
    const int expected = static_cast<int>(threads.size());
    while (sh.ready.load() < expected) std::this_thread::yield();
    const double t0 = clock.now_ns();
    sh.go.store(true, std::memory_order_release);
    timespec ts{
        static_cast<time_t>(cfg.duration_s),
        static_cast<long>(
            (cfg.duration_s - static_cast<double>(static_cast<time_t>(cfg.duration_s))) * 1e9)};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
    }
    sh.stop.store(true);
    for (std::jthread& t : threads) t.join();
    run.elapsed_s = (clock.now_ns() - t0) / 1e9;
  }
  if (sh.error) std::rethrow_exception(sh.error);
  run.churn_rounds = rounds;
  run.placement_failures = sh.placement_failures;
  std::size_t total = 0;
  for (const TouchOut& o : outs) total += o.samples.size();
  run.batch_ns.reserve(total);
  for (TouchOut& o : outs) {
    run.batch_ns.insert(run.batch_ns.end(), o.samples.begin(), o.samples.end());
    run.toucher_minor_faults += o.minor_faults;
    run.toucher_involuntary_switches += o.involuntary;
    run.hit_sample_cap = run.hit_sample_cap || o.capped;
  }
  return run;
}

}  // namespace illusion::labs::vm
