// Random 4 KiB reads with pread(2), warm and cold: a syscall and a copy out of the page cache
// per read, and from the disk one device read per call (no readahead for a random read).
#include <string>

#include <fmt/format.h>

#include "core/syscall_count.h"
#include "mmap_vs_read/io_file.h"
#include "mmap_vs_read/io_pass.h"
#include "mmap_vs_read/random_common.h"
#include "mmap_vs_read/random_io.h"

namespace illusion::labs::mmap_vs_read::random_common {
namespace {

core::Result run_pread(core::RunContext& ctx, core::Result r, Cache cache) {
  const IoFile& f = shared_file(ctx);
  if (std::string why = unavailable_reason(f, cache); !why.empty())
    return core::skipped(std::move(r), why);
  const random_io::RowFd fd(f.fd());
  if (!fd.warning().empty()) warn_once(r, fd.warning());
  const Plan plan = plan_for(ctx, f, cache);
  random_io::PageBuffer buf(1);
  PassTimer timer(*ctx.clock, plan.offsets.size());
  const CacheSnapshot before = cache_snapshot(f);
  const CacheSnapshot prepared = prepare(f, cache, r);
  const Pass pass = timed_pass(timer, plan, [&](std::uint64_t offset) {
    random_io::pread_page(fd.get(), offset, buf.page(0));
    return sum_words(buf.page(0), kPage);
  });
  const CacheSnapshot after = cache_snapshot(f);
  ctx.report_progress(1.0);

  timer.finish(r,
               "one pread(2) of 4 KiB at a random page offset into a buffer, then a sum of "
               "every word");
  std::size_t next = 0;
  core::count_syscalls(r, kSyscallCountOps, [&] {
    random_io::pread_page(fd.get(), plan.offsets[next++ % pass.ops], buf.page(0));
  });
  finish_row(r, f, plan, 1, pass, before, after);
  record_faults(r);
  if (cache == Cache::cold) record_amplification(r, f, prepared, after, pass.ops);
  r.meaning = fmt::format("random pread(2) of 4 KiB, {}: {}{}{}", cache_name(cache), figures(r),
                          syscall_text(r),
                          metric_text(r, "read_amplification",
                                      "pages brought into the cache "
                                      "per read"));
  return r;
}

}  // namespace

core::ExperimentBody pread_body(Cache cache) {
  return [cache](core::RunContext& ctx, core::Result r) {
    return run_pread(ctx, std::move(r), cache);
  };
}

}  // namespace illusion::labs::mmap_vs_read::random_common
