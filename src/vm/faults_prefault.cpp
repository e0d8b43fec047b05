// Prefaulting: moving the faults of first use to a moment of the program's choosing.
//
// The region is built 2 MiB at a time. For each chunk one reading pair spans the "map" step
// (mmap(2), plus the madvise(2) or mlock(2) call of the strategy) and a second pair spans the
// first use (one write per 4 KiB page); faults are counted in each step separately. What each
// strategy should do, per the man pages:
//  - lazy: mmap only reserves addresses; every page faults at first use;
//  - MAP_POPULATE (mmap(2)): "prefault page tables", so first use finds them mapped;
//  - MADV_WILLNEED (madvise(2)): "expect access in the near future" means readahead for file
//    and swap pages; fresh anonymous memory has nothing to read, so nothing is prefaulted;
//  - mlock(2): pages are faulted in and pinned before the call returns; needs RLIMIT_MEMLOCK
//    room (or CAP_IPC_LOCK);
//  - MADV_POPULATE_WRITE (madvise(2), Linux 5.14+): populate writable, without pinning.
// The kernel takes the prefault faults itself (get_user_pages), so getrusage(2) counts them
// at the map step while perf's page-fault events, which need user registers, do not.
#include <sys/mman.h>
#include <sys/resource.h>
#include <unistd.h>

#include <cerrno>
#include <string>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "core/errors.h"
#include "core/format.h"
#include "core/measure.h"
#include "core/resources.h"
#include "vm/faults.h"
#include "vm/faults_probe.h"

namespace illusion::labs::vm::faults {
namespace {

using core::Result;
using core::RunContext;

constexpr std::size_t kChunkBytes = 2u << 20;

const char* call_name(Prefault how) {
  switch (how) {
    case Prefault::lazy:
      return "mmap";
    case Prefault::map_populate:
      return "mmap(MAP_POPULATE)";
    case Prefault::madv_willneed:
      return "mmap + madvise(MADV_WILLNEED)";
    case Prefault::mlock:
      return "mmap + mlock";
    case Prefault::madv_populate_write:
      return "mmap + madvise(MADV_POPULATE_WRITE)";
  }
  return "?";
}

// The chunks mapped so far, unmapped (and so unlocked) on every exit path.
class Chunks {
 public:
  Chunks() = default;
  Chunks(const Chunks&) = delete;
  Chunks& operator=(const Chunks&) = delete;
  ~Chunks() {
    for (const auto& [p, n] : maps_) munmap(p, n);
  }
  void add(void* p, std::size_t n) { maps_.emplace_back(p, n); }

 private:
  std::vector<std::pair<void*, std::size_t>> maps_;
};

// Maps one chunk the way `how` says. nullptr with `error` set when a call was refused; the
// chunk is registered before the strategy's call, so a refused call still unmaps it.
char* map_chunk(Prefault how, Chunks& chunks, std::string& error) {
  int flags = MAP_PRIVATE | MAP_ANONYMOUS;
  if (how == Prefault::map_populate) flags |= MAP_POPULATE;
  void* p = mmap(nullptr, kChunkBytes, PROT_READ | PROT_WRITE, flags, -1, 0);
  if (p == MAP_FAILED) {
    error = "mmap: " + core::errno_text(errno);
    return nullptr;
  }
  chunks.add(p, kChunkBytes);
  char* c = static_cast<char*>(p);
  int rc = 0;
  switch (how) {
    case Prefault::madv_willneed:
      rc = madvise(c, kChunkBytes, MADV_WILLNEED);
      break;
    case Prefault::mlock:
      rc = ::mlock(c, kChunkBytes);
      break;
    case Prefault::madv_populate_write:
      rc = madvise(c, kChunkBytes, MADV_POPULATE_WRITE);
      break;
    case Prefault::lazy:
    case Prefault::map_populate:
      break;
  }
  if (rc != 0) {
    const int err = errno;
    error = fmt::format("{} refused: {}", call_name(how), core::errno_text(err));
    if (how == Prefault::madv_populate_write && err == EINVAL)
      error += " (MADV_POPULATE_WRITE needs Linux 5.14 or later)";
    if (how == Prefault::mlock && (err == ENOMEM || err == EPERM))
      error += " (RLIMIT_MEMLOCK too small: run as root or raise `ulimit -l`)";
    return nullptr;
  }
  return c;
}

// mlock(2) without CAP_IPC_LOCK may lock at most RLIMIT_MEMLOCK bytes.
std::optional<std::string> memlock_too_small(std::uint64_t bytes) {
  if (geteuid() == 0) return std::nullopt;
  rlimit rl{};
  if (getrlimit(RLIMIT_MEMLOCK, &rl) != 0 || rl.rlim_cur == RLIM_INFINITY) return std::nullopt;
  if (rl.rlim_cur >= bytes) return std::nullopt;
  return fmt::format(
      "mlock of {} exceeds RLIMIT_MEMLOCK ({}) for a non-root user: run as root or raise "
      "`ulimit -l`",
      core::format_size(bytes), core::format_size(rl.rlim_cur));
}

std::string verdict(Prefault how, double map_fpp, double use_fpp) {
  if (map_fpp >= 0.9 && use_fpp <= 0.05) return "the faults moved from first use to the map call";
  if (map_fpp <= 0.05 && use_fpp >= 0.9) {
    if (how == Prefault::lazy) return "every page faulted at its first use";
    if (how == Prefault::madv_willneed)
      return "MADV_WILLNEED prefaulted nothing: anonymous memory has nothing to read ahead, so "
             "every page still faulted at first use";
    return "the call prefaulted nothing: every page still faulted at first use";
  }
  return "the faults were split between the call and first use";
}

}  // namespace

Result run_prefault(RunContext& ctx, Result r, Prefault how) {
  const std::uint64_t bytes = prefault_bytes(ctx.profile);
  if (auto why = no_room(bytes, r.id)) return core::skipped(std::move(r), *why);
  if (how == Prefault::mlock)
    if (auto why = memlock_too_small(bytes)) return core::skipped(std::move(r), *why);

  const std::size_t chunk_pages = kChunkBytes / page_bytes();
  const std::size_t nchunks = bytes / kChunkBytes;
  const double pages = static_cast<double>(nchunks * chunk_pages);

  // MAP_POPULATE fills a mapping before madvise(MADV_NOHUGEPAGE) could reach it, so THP is
  // turned off for the whole process instead, for every strategy alike.
  ThpOffForProcess thp_off;
  if (!thp_off.ok())
    r.warnings.push_back("prctl(PR_SET_THP_DISABLE) refused (" + core::errno_text(errno) +
                         "): a fault may map more than one page");
  const std::uint64_t huge_before = process_anon_huge_bytes();
  warm_up(*ctx.clock);

  Chunks chunks;
  FaultMeter at_map, at_use;
  std::vector<double> per_page;
  per_page.reserve(nchunks);
  double map_ns = 0, use_ns = 0;
  std::string error;
  for (std::size_t c = 0; c < nchunks; ++c) {
    at_map.start();
    const double t0 = ctx.clock->now_ns();
    char* p = map_chunk(how, chunks, error);
    const double t1 = ctx.clock->now_ns();
    at_map.stop();
    if (!p) return core::skipped(std::move(r), error);
    at_use.start();
    const double use = time_pass(*ctx.clock, p, chunk_pages, Touch::write);
    at_use.stop();
    map_ns += t1 - t0;
    use_ns += use;
    per_page.push_back((t1 - t0 + use) / static_cast<double>(chunk_pages));
    if (c % 16 == 15) ctx.report_progress(static_cast<double>(c + 1) / nchunks);
  }
  if (const std::uint64_t huge = process_anon_huge_bytes(); huge > huge_before)
    r.warnings.push_back(fmt::format(
        "{} more of the process sits in huge pages after the row: faults were fewer than pages",
        core::format_size(huge - huge_before)));

  const FaultTotals& m = at_map.totals();
  const FaultTotals& u = at_use.totals();
  const double map_fpp = static_cast<double>(m.faults()) / pages;
  const double use_fpp = static_cast<double>(u.faults()) / pages;
  const double total_ns = map_ns + use_ns;

  add_common_params(r, ctx);
  r.add_param("call", call_name(how));
  r.add_param("region_bytes", static_cast<double>(nchunks * kChunkBytes));
  r.add_param("chunk_bytes", static_cast<double>(kChunkBytes));
  r.add_param("pages", pages);
  r.add_param("op",
              "one 4 KiB page mapped (the call's share) and written once; one sample "
              "per 2 MiB chunk");
  r.add_param("huge_pages",
              thp_off.ok() ? "off for the process (prctl PR_SET_THP_DISABLE)" : "not disabled");

  core::finish_result(r, std::move(per_page), pages, nullptr);
  write_fault_counters(r, m + u, pages);
  r.add_metric("map_ns_per_page", map_ns / pages, "ns/page");
  r.add_metric("use_ns_per_page", use_ns / pages, "ns/page");
  r.add_metric("total_ns_per_page", total_ns / pages, "ns/page");
  r.add_metric("total_ms", total_ns / 1e6, "ms");
  r.add_metric("map_faults_per_page", map_fpp, "faults/page");
  r.add_metric("use_faults_per_page", use_fpp, "faults/page");
  r.add_metric("faults_per_page", map_fpp + use_fpp, "faults/page");
  if (m.perf_faults) {
    const double perf_map = *m.perf_faults / pages;
    r.add_metric("map_perf_faults_per_page", perf_map, "faults/page");
    // A warning, not a param: tables show the perf count first, and 0 would read as "free".
    if (map_fpp > 0.5 && perf_map < 0.05)
      r.warnings.push_back(fmt::format(
          "page_faults (perf) saw {:.3f} faults/page at the call where getrusage counted {:.3f} "
          "(rusage_minor_faults): the kernel faulted the pages in itself (get_user_pages), "
          "which has no user registers and raises no perf event",
          perf_map, map_fpp));
  }

  std::string vs_lazy;
  if (how != Prefault::lazy && ctx.earlier) {
    const Result* lazy = core::find_result(*ctx.earlier, "vm.lazy_touch");
    const core::Metric* lm = lazy ? lazy->metric("total_ns_per_page") : nullptr;
    if (lm && lm->value > 0) {
      const double ratio = (total_ns / pages) / lm->value;
      r.add_metric("total_vs_lazy", ratio, "x");
      vs_lazy = fmt::format(" ({:.2f}x lazy's {})", ratio, core::format_ns(lm->value));
    }
  }
  r.meaning = fmt::format(
      "{}: {}/page at the call ({:.3f} faults/page counted there), {}/page at first "
      "use ({:.3f} faults/page); {}/page in all{}: {}",
      call_name(how), core::format_ns(map_ns / pages), map_fpp, core::format_ns(use_ns / pages),
      use_fpp, core::format_ns(total_ns / pages), vs_lazy, verdict(how, map_fpp, use_fpp));
  return r;
}

}  // namespace illusion::labs::vm::faults
