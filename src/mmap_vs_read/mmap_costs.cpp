// The cost mmap hides at the end: munmap(2). Unmapping zaps the page-table entries and must
// flush the translations from every TLB that may hold them. Alone in its mm, the thread flushes
// its own TLB; with other threads of the process running on other CPUs, munmap interrupts each
// of those CPUs (a TLB shootdown IPI) and waits for them to flush. One op is one munmap of 16
// pages (64 KiB) of the test file that the thread (and, in the shootdown row, every spinner)
// has just touched; a second size, 2 MiB (512 pages), goes in the same rows as metrics, because
// past 33 pages x86 flushes the whole TLB instead of page by page, and a 2 MiB-aligned range of
// a file held in large folios can be one huge-page entry.
#include <fcntl.h>
#include <sched.h>
#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <exception>
#include <optional>
#include <thread>

#include <fmt/format.h>

#include "core/barrier.h"
#include "core/counters.h"
#include "core/errors.h"
#include "core/format.h"
#include "core/host_behaviour.h"
#include "core/interrupts.h"
#include "core/measure.h"
#include "core/page_access.h"
#include "core/resources.h"
#include "core/sample_each.h"
#include "core/sampler.h"
#include "core/syscall_count.h"
#include "core/spinners.h"
#include "mmap_vs_read/io_file.h"
#include "mmap_vs_read/rows.h"

namespace illusion::labs::mmap_vs_read {
namespace {

using core::allowed_cpus;
using core::pin_this_thread;
using core::Spinners;
using core::tlb_shootdowns_total;

constexpr std::size_t kSmallBytes = 64 * kKiB;  // 16 pages: below x86's single-page flush ceiling
constexpr std::size_t kLargeBytes = 2 * kMiB;   // 512 pages: a full flush, maybe one PMD entry
constexpr std::size_t kSmallCap = 20000;        // ~10 us a sample: the budget ends it first
constexpr std::size_t kLargeCap = 2000;
constexpr std::size_t kWarmupSamples = 16;
constexpr const char* kAloneId = "mmap_vs_read.munmap_1thread";

// The first `bytes` of the test file, mapped shared and read-only; unmapped on destruction
// unless unmap() (the timed op) already did it.
class Region {
 public:
  Region(int fd, std::size_t bytes) : bytes_(bytes) {
    void* p = ::mmap(nullptr, bytes, PROT_READ, MAP_SHARED, fd, 0);
    if (p == MAP_FAILED) core::throw_errno("mmap of the start of the test file");
    data_ = static_cast<char*>(p);
  }
  Region(const Region&) = delete;
  Region& operator=(const Region&) = delete;
  ~Region() {
    if (data_) ::munmap(data_, bytes_);
  }
  const char* data() const { return data_; }
  void unmap() {
    const int rc = ::munmap(data_, bytes_);
    data_ = nullptr;
    if (rc != 0) core::throw_errno("munmap of the test file's region");
  }

 private:
  char* data_ = nullptr;
  std::size_t bytes_;
};

// What every sample needs.
struct Plan {
  const core::Clock* clock = nullptr;
  int fd = -1;
  std::size_t page_bytes = 4096;
  double budget_ns = 0;
  std::size_t min_samples = 0;
};

// The samples of one size, and what was counted around them (untimed parts included).
struct SizeRun {
  std::vector<double> ns;
  std::optional<double> shootdowns_per_op;  // /proc/interrupts "TLB:" delta / samples
  double touch_faults_per_sample = 0;       // faults the thread took to map the range
  double touch_major_per_sample = 0;
};

// Reads one byte of every page: the faults map the range, the loads fill this CPU's TLB.
std::uint64_t touch(const char* data, std::size_t bytes, std::size_t page_bytes) {
  std::uint64_t sum = 0;
  const volatile char* p = data;
  for (std::size_t off = 0; off < bytes; off += page_bytes)
    sum += static_cast<unsigned char>(p[off]);
  return sum;
}

// One sample: map, touch here, let every spinner touch, then time munmap alone. `window`, when
// given, counts around the munmap only.
double one_sample(const Plan& plan, std::size_t bytes, Spinners* spinners,
                  core::CounterWindow* window, bool first_in_window, SizeRun& run) {
  Region region(plan.fd, bytes);
  const core::RusageSnapshot before = core::RusageSnapshot::now();
  std::uint64_t sum = touch(region.data(), bytes, plan.page_bytes);
  core::do_not_optimize(sum);
  const core::RusageSnapshot after = core::RusageSnapshot::now();
  run.touch_faults_per_sample += static_cast<double>((after.minor_faults - before.minor_faults) +
                                                     (after.major_faults - before.major_faults));
  run.touch_major_per_sample += static_cast<double>(after.major_faults - before.major_faults);
  if (spinners) spinners->touch_pages(region.data(), bytes, plan.page_bytes);

  if (window) first_in_window ? window->start() : window->resume();
  const double t0 = plan.clock->now_ns();
  region.unmap();
  const double t1 = plan.clock->now_ns();
  if (window) window->stop();
  return t1 - t0 - plan.clock->info().overhead_ns;
}

// Samples munmaps of `bytes` until the budget is spent (at least min_samples, at most cap).
SizeRun sample_size(const Plan& plan, std::size_t bytes, double budget_ns, std::size_t cap,
                    Spinners* spinners, core::CounterWindow* window) {
  SizeRun warmup;  // faults the code paths and the pages in; discarded
  for (std::size_t i = 0; i < kWarmupSamples; ++i)
    one_sample(plan, bytes, spinners, nullptr, false, warmup);
  SizeRun run;
  core::SampleLimits limits;
  limits.budget_s = budget_ns / 1e9;
  limits.min_samples = plan.min_samples;
  limits.max_samples = cap;
  const std::optional<std::uint64_t> tlb_before = tlb_shootdowns_total();
  // The loop is driven here rather than by core::sample_each: the counter window must close
  // right after each munmap, before the next sample's set-up faults.
  core::SampleLoop loop(*plan.clock, limits);
  while (loop.more()) {
    const double ns = one_sample(plan, bytes, spinners, window, loop.samples() == 0, run);
    loop.add(ns, plan.clock->now_ns());
  }
  run.ns = loop.take_values();
  const std::optional<std::uint64_t> tlb_after = tlb_shootdowns_total();
  const double n = static_cast<double>(run.ns.size());
  if (tlb_before && tlb_after)
    run.shootdowns_per_op = static_cast<double>(*tlb_after - *tlb_before) / n;
  run.touch_faults_per_sample /= n;
  run.touch_major_per_sample /= n;
  return run;
}

// Syscalls per munmap in an untimed pass (the tracepoint slows every syscall, so it never wraps
// the timed samples): the event counts in windows around each munmap alone, and as many empty
// windows counted first are subtracted (their enable/disable ioctls).
void count_munmap_syscalls(core::Result& r, const Plan& plan) {
  constexpr std::size_t kRepeats = 32;
  core::CounterSet set =
      core::CounterSet::open({.hardware = false, .software = false, .syscalls = true});
  std::string reason;
  auto total = [&]() -> std::optional<double> {
    for (const core::CounterReading& c : set.read())
      if (c.name == "syscalls") {
        reason = c.reason;
        return c.value;
      }
    reason = "no syscalls event was opened";
    return std::nullopt;
  };
  for (std::size_t i = 0; i < kRepeats; ++i) {
    i == 0 ? set.start() : set.resume();
    set.stop();
  }
  const std::optional<double> baseline = total();
  for (std::size_t i = 0; i < kRepeats; ++i) {
    Region region(plan.fd, kSmallBytes);
    std::uint64_t sum = touch(region.data(), kSmallBytes, plan.page_bytes);
    core::do_not_optimize(sum);
    i == 0 ? set.start() : set.resume();
    region.unmap();
    set.stop();
  }
  core::record_syscall_count(r, total(), baseline, static_cast<double>(kRepeats), reason);
}

// Both sizes, on a thread of their own pinned to `cpu`, so the munmapping thread never shares
// a CPU with a spinner (the caller's own mask is left alone; it waits in join meanwhile).
// The 64 KiB samples become the result's stats and counters; the 2 MiB ones come back apart.
SizeRun sample_on_pinned_thread(const Plan& plan, int cpu, Spinners* spinners, core::Result& r) {
  SizeRun large;
  std::string pin_problem;
  std::exception_ptr error;
  std::thread measuring([&] {
    try {
      pin_problem = pin_this_thread(cpu);
      // Opened here: the perf events and RUSAGE_THREAD follow the thread that opens them.
      core::CounterWindow window(/*enabled=*/true);
      SizeRun small = sample_size(plan, kSmallBytes, plan.budget_ns, kSmallCap, spinners, &window);
      large = sample_size(plan, kLargeBytes, plan.budget_ns / 2, kLargeCap, spinners, nullptr);
      const double ops = static_cast<double>(small.ns.size());
      core::finish_result(r, std::move(small.ns), ops, &window);
      count_munmap_syscalls(r, plan);
      if (small.shootdowns_per_op)
        r.add_metric("tlb_shootdowns_per_op", *small.shootdowns_per_op, "IPIs/op");
      r.add_metric("touch_faults_per_sample", small.touch_faults_per_sample, "faults");
      if (small.touch_major_per_sample + large.touch_major_per_sample > 0)
        warn_once(r, "touching the mapped range took major faults: the region was not cached");
    } catch (...) {
      error = std::current_exception();
    }
  });
  measuring.join();
  if (error) std::rethrow_exception(error);
  if (!pin_problem.empty()) warn_once(r, pin_problem + ": the munmapping thread was not placed");
  return large;
}

// Brings the first kLargeBytes of the file into the page cache the same way whatever ran
// before: dropped (after fdatasync, so the pages are clean and can go) and read back with
// pread, so readahead chooses the folios. How the file's pages are held decides how a mapping
// of them is built (one huge-page entry over a 2 MiB folio, or 512 page entries) and so what
// munmap tears down; without this the rows' figures would depend on the rows run before them.
void warm_region(const IoFile& f) {
  if (::fdatasync(f.fd()) != 0) core::throw_errno("fdatasync of the test file");
  // Advice only, and a no-op on tmpfs: the pread below makes the region cached in any case.
  (void)::posix_fadvise(f.fd(), 0, static_cast<off_t>(kLargeBytes), POSIX_FADV_DONTNEED);
  std::vector<char> buf(kLargeBytes);
  std::size_t done = 0;
  while (done < buf.size()) {
    const ssize_t n = core::retry_eintr([&] {
      return ::pread(f.fd(), buf.data() + done, buf.size() - done, static_cast<off_t>(done));
    });
    if (n < 0) core::throw_errno("pread of the start of the test file");
    if (n == 0) break;
    done += static_cast<std::size_t>(n);
  }
}

// The CPU the caller runs on, when the process may use it, else the first allowed one.
int measuring_cpu(const std::vector<int>& allowed) {
  const int now = sched_getcpu();
  if (std::find(allowed.begin(), allowed.end(), now) != allowed.end()) return now;
  return allowed.empty() ? now : allowed.front();
}

std::string cpu_list(const std::vector<int>& cpus) {
  std::string out;
  for (int c : cpus) {
    if (!out.empty()) out += ',';
    out += std::to_string(c);
  }
  return out;
}

void record_common(core::Result& r, const IoFile& f, const SizeRun& large, std::size_t page_bytes,
                   int cpu) {
  const double small_pages = static_cast<double>(kSmallBytes / page_bytes);
  const double large_pages = static_cast<double>(kLargeBytes / page_bytes);
  r.add_metric("ns_per_page", r.stats->p50 / small_pages, "ns/page");
  const core::Stats large_stats = core::compute_stats(large.ns);
  r.add_metric("munmap_2mib_p50_ns", large_stats.p50, "ns");
  r.add_metric("ns_per_page_2mib", large_stats.p50 / large_pages, "ns/page");
  r.add_metric("samples_2mib", static_cast<double>(large.ns.size()), "samples");
  r.add_metric("touch_faults_per_sample_2mib", large.touch_faults_per_sample, "faults");
  if (large.shootdowns_per_op)
    r.add_metric("tlb_shootdowns_per_op_2mib", *large.shootdowns_per_op, "IPIs/op");
  else
    warn_once(r,
              "/proc/interrupts has no \"TLB:\" line (not x86, or the kernel does not count "
              "shootdown IPIs): TLB shootdowns per munmap not measured");
  r.add_param("op", fmt::format("one munmap(2) of {} pages ({}) of the test file, every page "
                                "touched first",
                                kSmallBytes / page_bytes, core::format_size(kSmallBytes)));
  r.add_param("second_size", fmt::format("{} ({} pages): metrics *_2mib",
                                         core::format_size(kLargeBytes), kLargeBytes / page_bytes));
  r.add_param("mapping", "MAP_SHARED, PROT_READ, offset 0");
  r.add_param("cache", "warm (first 2 MiB read before sampling)");
  r.add_param("file_bytes", static_cast<double>(f.size()));
  r.add_param("filesystem", f.fs.name);
  r.add_param("measuring_cpu", static_cast<double>(cpu));
}

// The 2 MiB figure and how many faults mapped the range: one or two means a huge-page entry
// (the file's large folios mapped by PMD), hundreds mean page-table entries to zap one by one.
std::string large_words(const core::Result& r) {
  return fmt::format("2 MiB (mapped by {} faults): {} ({} per page)",
                     core::format_count(r.metric("touch_faults_per_sample_2mib")->value),
                     core::format_ns(r.metric("munmap_2mib_p50_ns")->value),
                     core::format_ns(r.metric("ns_per_page_2mib")->value));
}

std::string shootdowns_words(const core::Result& r, const char* metric) {
  const core::Metric* m = r.metric(metric);
  return m ? fmt::format("{} TLB shootdowns per munmap", core::format_count(m->value))
           : std::string("shootdowns not counted");
}

core::Result run_alone(core::RunContext& ctx, core::Result r) {
  const IoFile& f = shared_file(ctx);
  warm_region(f);
  const core::SamplerConfig cfg = core::sampler_config_for(ctx.profile);
  const Plan plan{ctx.clock, f.fd(), core::page_size_bytes(), cfg.budget_s * 1e9, cfg.min_samples};
  const int cpu = measuring_cpu(allowed_cpus());
  const SizeRun large = sample_on_pinned_thread(plan, cpu, nullptr, r);
  record_common(r, f, large, plan.page_bytes, cpu);
  r.add_param("other_threads", "none running in this mm (the caller waits in join)");
  r.meaning =
      fmt::format("munmap of 64 KiB with no other thread running: {} at p50 ({} per page), {}; {}",
                  core::format_ns(r.stats->p50), core::format_ns(r.metric("ns_per_page")->value),
                  shootdowns_words(r, "tlb_shootdowns_per_op"), large_words(r));
  return r;
}

// The extra over munmap_1thread, when that row ran earlier in this run.
std::string compare_with_alone(core::Result& r, const core::RunContext& ctx) {
  const core::Result* alone = ctx.earlier ? core::find_result(*ctx.earlier, kAloneId) : nullptr;
  if (!alone || !alone->stats || alone->stats->p50 <= 0) return "";
  const double extra = r.stats->p50 - alone->stats->p50;
  const double ratio = r.stats->p50 / alone->stats->p50;
  r.add_metric("shootdown_extra_ns", extra, "ns");
  r.add_metric("ratio", ratio, "x");
  std::string text =
      fmt::format(", {} more than alone ({})", core::format_ns(extra), core::format_ratio(ratio));
  const core::Metric* alone_2m = alone->metric("munmap_2mib_p50_ns");
  if (alone_2m && alone_2m->value > 0) {
    const double extra_2m = r.metric("munmap_2mib_p50_ns")->value - alone_2m->value;
    r.add_metric("shootdown_extra_2mib_ns", extra_2m, "ns");
  }
  return text;
}

core::Result run_shootdown(core::RunContext& ctx, core::Result r) {
  const std::vector<int> allowed = allowed_cpus();
  if (allowed.size() < 2)
    return core::skipped(
        std::move(r), fmt::format("this process may run on {} CPU only ({}): no other CPU can run "
                                  "this mm and hold its translations, so munmap never needs a "
                                  "shootdown",
                                  allowed.size(), cpu_list(allowed)));
  const IoFile& f = shared_file(ctx);
  warm_region(f);
  const core::SamplerConfig cfg = core::sampler_config_for(ctx.profile);
  const Plan plan{ctx.clock, f.fd(), core::page_size_bytes(), cfg.budget_s * 1e9, cfg.min_samples};
  const int cpu = measuring_cpu(allowed);
  std::vector<int> others;
  for (int c : allowed)
    if (c != cpu) others.push_back(c);

  Spinners spinners(others);
  for (const std::string& p : spinners.placement_problems()) warn_once(r, p);
  const SizeRun large = sample_on_pinned_thread(plan, cpu, &spinners, r);
  record_common(r, f, large, plan.page_bytes, cpu);
  r.add_param("spinner_cpus", cpu_list(others));
  r.add_param("spinners", static_cast<double>(spinners.count()));
  const core::BehaviourFact fact =
      ctx.env ? ctx.env->remote_tlb_flush_ipis : core::BehaviourFact{};
  r.add_param("remote_tlb_flush_ipis", core::fact_summary(fact));
  std::optional<double> ipis;
  if (const core::Metric* m = r.metric("tlb_shootdowns_per_op")) ipis = m->value;
  if (ipis && *ipis < 0.5 && fact.value == true)
    warn_once(r, fmt::format("only {} TLB shootdown IPIs per munmap with {} other CPU(s) in this "
                             "mm, though the environment probe counted one per munmap: the "
                             "spinners were likely not running",
                             core::format_count(*ipis), others.size()));
  if (ipis && *ipis < 0.5 && !fact.value)
    warn_once(r, fmt::format("only {} TLB shootdown IPIs per munmap with {} other CPU(s) in this "
                             "mm: the flush reached them without an IPI (a paravirtual or "
                             "broadcast TLB flush), or the spinners were not running",
                             core::format_count(*ipis), others.size()));
  if (ipis && *ipis >= 0.5 && fact.value == false)
    warn_once(r, fmt::format("{} TLB shootdown IPIs counted per munmap, though the environment "
                             "probe counted none ({})",
                             core::format_count(*ipis), fact.evidence));
  const std::string versus = compare_with_alone(r, ctx);
  r.meaning = fmt::format(
      "munmap of 64 KiB with {} spinning thread(s) on other CPUs: {} at p50 ({} per page){}, "
      "their TLBs flushed {}; {}, {}",
      spinners.count(), core::format_ns(r.stats->p50),
      core::format_ns(r.metric("ns_per_page")->value), versus,
      core::remote_flush_words(ipis, fact), large_words(r),
      shootdowns_words(r, "tlb_shootdowns_per_op_2mib"));
  return r;
}

}  // namespace

std::vector<core::Experiment> mmap_cost_rows() {
  const core::DurationHint hint{0.15, 0.7, 2.5};
  return {
      experiment("munmap_1thread", "munmap 64 KiB, alone",
                 "munmap of 16 touched pages with no other thread in the process running: "
                 "page-table teardown and a local TLB flush",
                 "ns/op", hint, run_alone),
      experiment("munmap_shootdown", "munmap 64 KiB, TLB shootdown",
                 "munmap of 16 pages that threads on every other CPU have touched and still "
                 "run beside: each of those CPUs must flush its TLB (by IPI on most hosts) and "
                 "munmap waits",
                 "ns/op", hint, run_shootdown),
  };
}

}  // namespace illusion::labs::mmap_vs_read
