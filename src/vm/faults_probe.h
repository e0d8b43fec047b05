// Page-level tools behind the fault rows: passes over a region that touch one byte per 4 KiB
// page (timed page by page, or as a whole), a fault meter that sums the kernel's own counts
// over several windows, and the /proc and /sys readings the rows check their claims against.
//
// Faults are counted, never assumed (design.md): getrusage(2) ru_minflt for the thread, which
// counts every fault the kernel handled for it, and perf's page-fault software events beside it
// as a cross-check. The two differ on purpose in one place: a fault taken by the kernel on the
// program's behalf (get_user_pages, as MAP_POPULATE, mlock(2) and MADV_POPULATE_WRITE do) is
// added to ru_minflt but raises no perf event, since it has no user registers (mm/memory.c,
// mm_account_fault).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/clock.h"
#include "core/counters.h"
#include "core/page_access.h"
#include "core/result.h"

namespace illusion::labs::vm::faults {

using Touch = core::PageAccess;
using core::time_each_page;

std::size_t page_bytes();  // sysconf(_SC_PAGESIZE)

// One reading pair around a whole pass over `pages` pages: no clock inside the loop, so a pass
// over resident pages is timed at its real cost of a few ns per page.
double time_pass(const core::Clock& clock, char* base, std::size_t pages, Touch touch);

// Fault totals over every start()/stop() window of a FaultMeter.
struct FaultTotals {
  std::uint64_t minor = 0, major = 0;  // getrusage(2) RUSAGE_THREAD deltas
  // perf PERF_COUNT_SW_PAGE_FAULTS{,_MIN,_MAJ}; nullopt when the event could not be opened
  std::optional<double> perf_faults, perf_minor, perf_major;
  std::string perf_reason;      // why perf is missing
  bool perf_user_only = false;  // exclude_kernel (perf_event_paranoid >= 2)
  std::uint64_t faults() const { return minor + major; }
};

// The totals of two meters (perf sums stay available only when both were).
FaultTotals operator+(const FaultTotals& a, const FaultTotals& b);

// Per-op counters named as core::CounterWindow names them (page_faults, minor_faults,
// major_faults, rusage_minor_faults, rusage_major_faults), unavailable ones as warnings.
void write_fault_counters(core::Result& r, const FaultTotals& t, double ops);

// Per-thread fault counts summed over several windows, so that progress reports and set-up
// between the windows are not counted. The windows must run on the constructing thread.
// Not core::FaultWindow, which counts one window and keeps one source, nor core::CounterWindow,
// which writes every counter (task clock, switches, hardware events) with its own warnings: the
// fault rows need perf's and getrusage's fault counts apart (get_user_pages faults show in
// getrusage only), summed over windows and across meters (operator+).
class FaultMeter {
 public:
  FaultMeter();
  void start();
  void stop();
  const FaultTotals& totals() const { return totals_; }
  void write_per_op(core::Result& r, double ops) const { write_fault_counters(r, totals_, ops); }

 private:
  core::CounterSet set_;
  core::RusageSnapshot before_;
  FaultTotals totals_;
  bool first_stop_ = true;
};

// Runs the timed loops and one meter window on a scratch page, so that the first faults on
// the program's own code and data (text pages are mapped on first execution) happen here and
// not inside a measured window.
void warm_up(const core::Clock& clock);

// Whether the virtio balloon returns free guest memory to the host (VIRTIO_BALLOON_F_REPORTING,
// feature bit 5): "on (virtio-balloon)", "off", "no virtio balloon" or "unknown". The host
// then drops freed 2 MiB blocks, and the next first touch faults on the host too.
std::string free_page_reporting();

// madvise(MADV_NOHUGEPAGE): one fault maps one 4 KiB page (without it THP, and on 6.8+ the
// multi-size anonymous THP, may map up to 2 MiB per fault; madvise(2)). False when refused.
bool no_huge_pages(char* base, std::size_t bytes);

// While alive, THP is off for the whole process (prctl(2) PR_SET_THP_DISABLE), for mappings
// that cannot be madvised before they are populated (mmap(2) MAP_POPULATE). Restores the
// previous setting.
class ThpOffForProcess {
 public:
  ThpOffForProcess();
  ThpOffForProcess(const ThpOffForProcess&) = delete;
  ThpOffForProcess& operator=(const ThpOffForProcess&) = delete;
  ~ThpOffForProcess();
  bool ok() const { return ok_; }

 private:
  int previous_ = 0;
  bool ok_ = false;
};

// RssAnon of this process from /proc/self/status (proc(5)): resident anonymous memory, which
// the shared zero page does not add to. nullopt when unreadable (never 0: an unreadable RSS
// read as 0 would "show" that a pass allocated nothing).
std::optional<std::uint64_t> rss_anon_bytes();
// How much a reading grew from `before` to `after` (0 when it shrank); nullopt when either
// reading is missing.
std::optional<double> growth_bytes(std::optional<std::uint64_t> before,
                                   std::optional<std::uint64_t> after);
// AnonHugePages of the whole process from /proc/self/smaps_rollup (proc(5)); nullopt when
// unreadable.
std::optional<std::uint64_t> anon_huge_bytes();
// anon_huge_bytes(), 0 when unreadable: only for a check that stays silent then (a warning
// that huge pages appeared), never for a figure.
std::uint64_t process_anon_huge_bytes();
// The PMD huge-page size (transparent_hugepage/hpage_pmd_size), 2 MiB when unreadable.
std::uint64_t thp_pmd_bytes();
// The bracketed word of /sys/kernel/mm/transparent_hugepage/enabled, "unavailable" if missing.
std::string thp_mode_now();

// nullopt when `bytes` fit in free memory (core::require_free_memory), else the reason.
std::optional<std::string> no_room(std::uint64_t bytes, const std::string& what);

// At most `max_points` points: the maximum of each bucket of `bucket` consecutive values, at
// x = the bucket's first index. `bucket` is set to the bucket length used.
std::vector<std::pair<double, double>> bucket_max(const std::vector<double>& values,
                                                  std::size_t max_points, std::size_t& bucket);

}  // namespace illusion::labs::vm::faults
