// Sequential reads of the whole test file with the read(2) family, warm and cold: read(2) with
// 4 KiB, 64 KiB and 1 MiB buffers, pread(2) at explicit offsets, O_DIRECT (read_direct.cpp) and
// a sweep of buffer sizes (read_sweep.cpp). Every reader sums every word it gets, so the work is
// the same for all of them (and for the mmap rows) and the sum proves the bytes arrived.
#include <string>

#include <fmt/format.h>

#include "core/format.h"
#include "core/resources.h"
#include "mmap_vs_read/io_file.h"
#include "mmap_vs_read/io_pass.h"
#include "mmap_vs_read/read_common.h"
#include "mmap_vs_read/read_direct.h"
#include "mmap_vs_read/read_sweep.h"
#include "mmap_vs_read/rows.h"

namespace illusion::labs::mmap_vs_read {
namespace {

core::Result run_read(core::RunContext& ctx, core::Result r, Call call, std::size_t block,
                      Cache cache) {
  const IoFile& f = shared_file(ctx);
  if (cache == Cache::cold)
    if (std::string why = cold_unavailable_reason(f); !why.empty())
      return core::skipped(std::move(r), why);
  const std::size_t passes = passes_for(ctx.profile, cache == Cache::cold);
  AlignedBuffer buf(block);
  PassTimer timer(*ctx.clock, passes * (f.size() / block + 1));
  StartResidency start(cache);
  const CacheSnapshot before = cache_snapshot(f);
  for (std::size_t p = 0; p < passes; ++p) {
    start.add(prepare(f, cache, r));
    check_pass(read_range(f.fd(), call, f.size(), buf, &timer), f.checksum, f.size());
    ctx.report_progress(static_cast<double>(p + 1) / static_cast<double>(passes));
  }
  const CacheSnapshot after = cache_snapshot(f);
  timer.finish(r, fmt::format("one {}(2) of {} into a buffer{}, then a sum of every word",
                              call_name(call), core::format_size(block),
                              call == Call::pread ? " at an explicit offset" : ""));
  count_call_syscalls(r, f.fd(), call, f.size(), buf);
  record_cache(r, before, after);
  start.record(r);
  add_file_params(r, f, cache_name(cache));
  r.meaning = fmt::format("{}() of {} {}: {:.2f} GB/s, {} per call at p50", call_name(call),
                          core::format_size(block), cache_name(cache),
                          r.metric("throughput_gbps")->value, core::format_ns(r.stats->p50));
  return r;
}

// What a cold row of `call` with `size` buffers shows.
std::string cold_shows(const char* call, const char* size) {
  return fmt::format(
      "Sequential {}() of {} with the file evicted: readahead turns the stream "
      "into large device reads",
      call, size);
}

core::ExperimentBody read_body(Call call, std::size_t block, Cache cache) {
  return [=](core::RunContext& ctx, core::Result r) {
    return run_read(ctx, std::move(r), call, block, cache);
  };
}

}  // namespace

std::vector<core::Experiment> sequential_rows() {
  // Seconds measured on the dev VM with a 1 GiB file (quick: 128 MiB, one pass): a warm pass
  // plus its warming takes ~0.2 s (4 KiB: ~0.3 s), a cold pass ~0.5 s; the first cold row also
  // pays the fsync that writes the new file back before it can be evicted.
  const core::DurationHint warm{0.1, 0.7, 2.0}, cold{0.15, 1.2, 2.5};
  const core::DurationHint warm_4k{0.2, 1.0, 3.0}, cold_4k{0.3, 1.5, 3.0};
  return {
      experiment("read_4k_warm", "read() 4 KiB, warm",
                 "Sequential read() of 4 KiB from the page cache: one syscall per page, so the "
                 "syscall's fixed cost weighs most",
                 "ns/op", warm_4k, read_body(Call::read, 4 * kKiB, Cache::warm)),
      experiment("read_4k_cold", "read() 4 KiB, cold", cold_shows("read", "4 KiB"), "ns/op",
                 cold_4k, read_body(Call::read, 4 * kKiB, Cache::cold)),
      experiment("read_64k_warm", "read() 64 KiB, warm",
                 "Sequential read() of 64 KiB from the page cache: a copy per call, "
                 "one syscall per 64 KiB",
                 "ns/op", warm, read_body(Call::read, 64 * kKiB, Cache::warm)),
      experiment("read_64k_cold", "read() 64 KiB, cold", cold_shows("read", "64 KiB"), "ns/op",
                 cold, read_body(Call::read, 64 * kKiB, Cache::cold)),
      experiment("read_1m_warm", "read() 1 MiB, warm",
                 "Sequential read() of 1 MiB from the page cache: the copy dominates, the "
                 "syscall is amortised over 256 pages",
                 "ns/op", warm, read_body(Call::read, kMiB, Cache::warm)),
      experiment("read_1m_cold", "read() 1 MiB, cold", cold_shows("read", "1 MiB"), "ns/op", cold,
                 read_body(Call::read, kMiB, Cache::cold)),
      experiment("pread_64k_warm", "pread() 64 KiB, warm",
                 "Sequential pread() of 64 KiB at explicit offsets from the page cache: whether "
                 "the positional form costs anything beyond read()",
                 "ns/op", warm, read_body(Call::pread, 64 * kKiB, Cache::warm)),
      experiment("pread_64k_cold", "pread() 64 KiB, cold", cold_shows("pread", "64 KiB"), "ns/op",
                 cold, read_body(Call::pread, 64 * kKiB, Cache::cold)),
      direct_row("direct_64k", 64 * kKiB),
      direct_row("direct_1m", kMiB),
      sweep_row("read_sweep_warm", Cache::warm),
      sweep_row("read_sweep_cold", Cache::cold),
  };
}

}  // namespace illusion::labs::mmap_vs_read
