// The measuring half of the munmap rows (their table is mmap_costs.cpp): one sample maps the
// start of the test file, touches every page here (and, in the shootdown row, on every spinner's
// CPU) and times munmap(2) alone; the samples of each size are taken on a thread pinned to one
// CPU, with the TLB shootdown IPIs and the faults of mapping counted around them, and the
// syscalls per munmap counted in an untimed pass.
#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <exception>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "core/barrier.h"
#include "core/counters.h"
#include "core/errors.h"
#include "core/interrupts.h"
#include "core/measure.h"
#include "core/page_access.h"
#include "core/resources.h"
#include "core/sample_each.h"
#include "core/sampler.h"
#include "core/spinners.h"
#include "core/syscall_count.h"
#include "mmap_vs_read/io_file.h"
#include "mmap_vs_read/mmap_costs.h"

namespace illusion::labs::mmap_vs_read::mmap_costs {
namespace {

using core::pin_this_thread;
using core::Spinners;
using core::tlb_shootdowns_total;

constexpr std::size_t kSmallCap = 20000;  // ~10 us a sample: the budget ends it first
constexpr std::size_t kLargeCap = 2000;
constexpr std::size_t kWarmupSamples = 16;

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

}  // namespace

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

}  // namespace illusion::labs::mmap_vs_read::mmap_costs
