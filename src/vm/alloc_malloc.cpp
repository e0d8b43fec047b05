// Where malloc(3) gets its memory, and what calloc(3) saves.
//
// glibc serves a request below M_MMAP_THRESHOLD (128 KiB by default) from the heap (brk or an
// arena) and a larger one with its own mmap(2), which free(3) gives straight back with munmap.
// The threshold is dynamic (mallopt(3)): freeing an mmap'ed block raises it to that block's
// size, up to DEFAULT_MMAP_THRESHOLD_MAX (32 MiB on 64-bit), so "large" depends on what the
// process freed before. We therefore count instead of assuming: mallinfo2(3) `hblks` (chunks
// currently mmap'ed) tells how a block was served, the raw_syscalls tracepoint how many
// syscalls one malloc+free made, and the fault counters what touching the block cost.
//
// The large blocks are glibc's own mmap(2) chunks, left as glibc maps them (no madvise): with
// transparent huge pages "always" the kernel backs each aligned 2 MiB of such a chunk with one
// huge page at its first touch, so touching it takes one fault per 2 MiB there and one per
// 4 KiB elsewhere. Which it was is read back from AnonHugePages in /proc/self/smaps (proc(5))
// and recorded beside the fault counts, so the counts are explained rather than assumed.
//
// The calloc(3) row is alloc_calloc.cpp; the helpers both files use (a checked malloc, how a
// block was served, its huge-page share and the words for it) are in alloc_probe.h.
#include <malloc.h>

#include <algorithm>
#include <cstdlib>
#include <string>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "core/barrier.h"
#include "core/counters.h"
#include "core/format.h"
#include "core/measure.h"
#include "core/sizes.h"
#include "core/syscall_count.h"
#include "vm/alloc.h"
#include "vm/alloc_probe.h"
#include "vm/faults_probe.h"

namespace illusion::labs::vm::alloc {
namespace {

struct TouchProbe {
  double faults_per_page = 0, ns_per_page = 0;
  double huge_fraction = 0;  // of the block, after touching it
  std::string source;
  FaultCount count;  // for its warnings
};

// A fresh malloc(bytes), one write per page each timed, faults counted, then free.
TouchProbe probe_touch(const core::Clock& clock, std::size_t bytes) {
  const std::size_t pages = std::max<std::size_t>(1, bytes / page_bytes());
  std::vector<std::size_t> offsets(pages);
  for (std::size_t i = 0; i < pages; ++i) offsets[i] = i * page_bytes();
  std::vector<double> ns(pages, 0.0);
  FaultWindow window;
  char* p = checked_malloc(bytes);
  window.start();
  timed_touches(clock, p, offsets.data(), pages, Touch::write, ns.data());
  window.stop();
  const double huge = huge_bytes_in(p, bytes);
  std::free(p);
  const FaultCount c = window.read();
  double total = 0;
  for (double v : ns) total += v;
  const auto n = static_cast<double>(pages);
  return {c.faults / n, total / n, huge / static_cast<double>(bytes), c.source, c};
}

core::Result run_malloc_row(core::RunContext& ctx, core::Result r, std::size_t bytes) {
  const core::Result* small = bytes == kSmallBlockBytes || !ctx.earlier
                                  ? nullptr
                                  : core::find_result(*ctx.earlier, "vm.malloc_small");
  const bool first_by_mmap = served_by_mmap(bytes);
  auto op = [bytes] {
    char* p = checked_malloc(bytes);
    core::do_not_optimize(p);
    std::free(p);
  };
  r = core::measure(ctx, std::move(r), op);
  core::count_syscalls(r, 64, op);
  const bool by_mmap = served_by_mmap(bytes);
  const TouchProbe touch = probe_touch(*ctx.clock, bytes);

  r.add_param("op", "malloc+free");
  r.add_param("size_bytes", static_cast<double>(bytes));
  r.add_param("pages", static_cast<double>(bytes / page_bytes()));
  r.add_param("fault_count_source", touch.source);
  core::add_fault_warnings(r, touch.count);
  r.add_param("huge_page_bytes", static_cast<double>(faults::thp_pmd_bytes()));
  r.add_metric("served_by_mmap", by_mmap ? 1 : 0, "bool");
  r.add_metric("touch_faults_per_page", touch.faults_per_page, "faults/page");
  // Only a block with a mapping of its own has its own AnonHugePages: a heap block shares the
  // heap's VMA, whose figure says nothing about this block's pages.
  const double huge_fraction = by_mmap ? touch.huge_fraction : 0;
  if (by_mmap) r.add_metric("touch_huge_fraction", huge_fraction, "fraction");
  r.add_metric("touch_ns_per_page", touch.ns_per_page, "ns/page");
  if (by_mmap != first_by_mmap)
    r.warnings.push_back(fmt::format(
        "the first {} block was {} but later ones were {}: glibc's dynamic mmap threshold moved "
        "while measuring (mallopt(3))",
        core::format_size(bytes), first_by_mmap ? "mmap'ed" : "from the heap",
        by_mmap ? "mmap'ed" : "from the heap"));

  std::string syscalls = "syscalls not counted";
  if (const core::CounterValue* c = r.counter("syscalls"); c && c->per_op) {
    r.add_metric("syscalls_per_op", *c->per_op, "syscalls/op");
    syscalls = fmt::format("{:.2f} syscalls", *c->per_op);
  }
  std::string faults;
  if (const auto f = core::faults_per_op(r)) {
    r.add_metric("faults_per_op", f->value, "faults/op");
    faults = fmt::format(", {:.2f} faults", f->value);
  }
  std::string vs;
  if (small && small->stats && small->stats->p50 > 0)
    vs = fmt::format(" ({:.0f}x a {} one)", r.stats->p50 / small->stats->p50,
                     core::format_size(kSmallBlockBytes));
  r.meaning = fmt::format(
      "{} malloc+free: {}{}, {} ({}{} per op); touching a fresh block then took {} at "
      "{}/page{}",
      core::format_size(bytes), core::format_ns(r.stats->p50), vs,
      by_mmap ? "its own mmap, unmapped by free" : "from the heap", syscalls, faults,
      per_page(touch.faults_per_page), core::format_ns(touch.ns_per_page),
      huge_note(huge_fraction, " (", ")"));
  return r;
}

}  // namespace

core::Result run_malloc_small(core::RunContext& ctx, core::Result r) {
  r = run_malloc_row(ctx, std::move(r), kSmallBlockBytes);
  if (const core::Metric* m = r.metric("served_by_mmap"); m && m->value > 0)
    r.warnings.push_back(
        "a block below the 128 KiB default M_MMAP_THRESHOLD was mmap'ed: M_MMAP_THRESHOLD or "
        "MALLOC_MMAP_THRESHOLD_ was lowered for this process (mallopt(3))");
  return r;
}

core::Result run_malloc_large(core::RunContext& ctx, core::Result r) {
  // The 1 MiB probe comes first: it changes the threshold for the rest of the process, as any
  // free of an mmap'ed block does, so it is taken once and reported, not repeated.
  const bool mid_first = served_by_mmap(kMidBlockBytes);
  const bool mid_second = served_by_mmap(kMidBlockBytes);
  r = run_malloc_row(ctx, std::move(r), kLargeBlockBytes);
  r.add_metric("mid_first_served_by_mmap", mid_first ? 1 : 0, "bool");
  r.add_metric("mid_second_served_by_mmap", mid_second ? 1 : 0, "bool");
  r.add_param("mid_size_bytes", static_cast<double>(kMidBlockBytes));

  std::string mid;
  if (mid_first && !mid_second)
    mid =
        "a 1 MiB block was mmap'ed once, then came from the heap: its free raised glibc's "
        "mmap threshold";
  else if (!mid_first && !mid_second)
    mid =
        "a 1 MiB block came from the heap both times: the heap had a free chunk that large, "
        "or an earlier free in this process had raised glibc's mmap threshold past it";
  else
    mid = fmt::format("a 1 MiB block was {} both times", mid_first ? "mmap'ed" : "from the heap");
  if (const core::Metric* m = r.metric("served_by_mmap"); m && m->value < 1)
    r.warnings.push_back(fmt::format(
        "the {} block came from the heap although it is above the 32 MiB cap of the dynamic "
        "mmap threshold: M_MMAP_THRESHOLD was raised explicitly (mallopt(3))",
        core::format_size(kLargeBlockBytes)));
  r.meaning += "; " + mid;
  return r;
}

}  // namespace illusion::labs::vm::alloc
