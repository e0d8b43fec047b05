#include "processes/cow_probe.h"

#include <sys/mman.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <stdexcept>

#include <fmt/format.h>

#include "core/barrier.h"
#include "core/counters.h"

namespace illusion::labs::processes {
namespace {

std::size_t page_bytes() {
  return static_cast<std::size_t>(sysconf(_SC_PAGESIZE));
}

// Times the accesses and counts the faults of exactly those accesses. Everything the window
// runs is run once before it opens: after fork the child has no page-table entries for the
// program's code (fork(2) copies the entries of private memory that was written, not of
// file-backed text, which is faulted back in on first use), so the first pass through this
// code, the clock and getrusage would otherwise add a few faults that no page write caused.
PageProbe run_probe(const core::Clock& clock, char* base, const std::vector<std::size_t>& offsets,
                    std::size_t warm_offset, PageAccess access, int rusage_who) {
  PageProbe out;
  out.ns.assign(offsets.size(), 0.0);  // written now, so the output's own faults come first
  core::CounterSet set = core::CounterSet::open({.inherit = false, .hardware = false});

  double warm_ns = 0;
  (void)core::RusageSnapshot::now(rusage_who);
  set.start();
  core::time_page_accesses(clock, base, &warm_offset, 1, access, &warm_ns);
  set.stop();
  (void)set.read();

  const core::RusageSnapshot before = core::RusageSnapshot::now(rusage_who);
  set.start();
  core::time_page_accesses(clock, base, offsets.data(), offsets.size(), access, out.ns.data());
  set.stop();
  const core::RusageSnapshot after = core::RusageSnapshot::now(rusage_who);

  out.rusage_minor_faults = after.minor_faults - before.minor_faults;
  out.rusage_major_faults = after.major_faults - before.major_faults;
  out.perf_reason = "the page_faults event was not opened";
  for (const core::CounterReading& c : set.read()) {
    if (c.name != "page_faults") continue;
    out.perf_faults = c.value;
    out.perf_reason = c.reason;
  }
  return out;
}

// What the child sends back ahead of its per-page readings.
struct WireHeader {
  std::uint64_t pages = 0;
  std::uint64_t minor = 0, major = 0;
  double perf_faults = 0;
  std::uint32_t perf_ok = 0;
  char perf_reason[200] = {};
};

}  // namespace

std::vector<std::size_t> spread_page_offsets(std::size_t buffer_bytes, std::size_t k) {
  const std::size_t page = page_bytes();
  const std::size_t usable = buffer_bytes / page;  // the last page is the warm-up page
  if (k == 0 || usable < 2 || k > usable - 1)
    throw std::invalid_argument(fmt::format(
        "{} pages do not fit in a {}-page buffer (one page is kept for warm-up)", k, usable));
  const std::size_t stride = (usable - 1) / k;
  std::vector<std::size_t> offsets(k);
  for (std::size_t i = 0; i < k; ++i) offsets[i] = i * stride * page;
  return offsets;
}

bool no_huge_pages(const Mapping& m) {
  return m.size() == 0 || madvise(m.data(), m.size(), MADV_NOHUGEPAGE) == 0;
}

PageProbe probe_pages_in_child(const core::Clock& clock, const Mapping& buffer, std::size_t k,
                               PageAccess access) {
  const std::vector<std::size_t> offsets = spread_page_offsets(buffer.size(), k);
  const std::size_t warm = buffer.size() - page_bytes();
  ValuePipe pipe;
  Child child = Child::fork([&] {
    pipe.close_read();
    const PageProbe p = run_probe(clock, buffer.data(), offsets, warm, access, RUSAGE_SELF);
    WireHeader h;
    h.pages = p.ns.size();
    h.minor = p.rusage_minor_faults;
    h.major = p.rusage_major_faults;
    h.perf_ok = p.perf_faults.has_value();
    h.perf_faults = p.perf_faults.value_or(0);
    std::snprintf(h.perf_reason, sizeof h.perf_reason, "%s", p.perf_reason.c_str());
    const bool sent =
        pipe.send(&h, sizeof h) && pipe.send(p.ns.data(), p.ns.size() * sizeof(double));
    return sent ? 0 : 3;
  });

  WireHeader h;
  PageProbe out;
  bool ok = pipe.receive(&h, sizeof h) && h.pages == k;
  if (ok) {
    out.ns.resize(k);
    ok = pipe.receive(out.ns.data(), k * sizeof(double));
  }
  const ExitStatus status = child.wait();
  if (!ok || !status.exited || status.code != 0)
    throw std::runtime_error(fmt::format(
        "the copy-on-write probe child ({} of {} pages) ended with {} before reporting its "
        "readings",
        access == PageAccess::write ? "writing" : "reading", k, status.describe()));
  out.rusage_minor_faults = h.minor;
  out.rusage_major_faults = h.major;
  if (h.perf_ok) out.perf_faults = h.perf_faults;
  h.perf_reason[sizeof h.perf_reason - 1] = '\0';
  out.perf_reason = h.perf_reason;
  return out;
}

PageProbe probe_first_touch(const core::Clock& clock, const Mapping& fresh, std::size_t k) {
  const std::vector<std::size_t> offsets = spread_page_offsets(fresh.size(), k);
  return run_probe(clock, fresh.data(), offsets, fresh.size() - page_bytes(), PageAccess::write,
                   RUSAGE_THREAD);
}

}  // namespace illusion::labs::processes
