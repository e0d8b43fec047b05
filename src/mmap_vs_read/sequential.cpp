// Sequential reads of the whole test file, warm and cold: read(2) with 4 KiB, 64 KiB and 1 MiB
// buffers, pread(2), mmap with a scan of every byte (plain, MADV_SEQUENTIAL, MAP_POPULATE), and
// O_DIRECT. Every reader sums every word it gets, so the work is the same for all of them and
// the sum proves the bytes arrived.
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <vector>

#include <fmt/format.h>

#include "core/errors.h"
#include "core/format.h"
#include "core/resources.h"
#include "core/syscall_count.h"
#include "mmap_vs_read/io_file.h"
#include "mmap_vs_read/io_pass.h"
#include "mmap_vs_read/rows.h"

namespace illusion::labs::mmap_vs_read {
namespace {

core::Result skipped(core::Result r, std::string reason) {
  r.status = core::Status::skipped;
  r.reason = std::move(reason);
  return r;
}

// One pass of read(2) calls of `block` bytes from offset 0 to the end, summing every word.
std::uint64_t read_pass(const IoFile& f, std::vector<char>& buf, PassTimer& timer) {
  if (::lseek(f.fd(), 0, SEEK_SET) != 0) core::throw_errno("lseek to the start of the test file");
  std::uint64_t sum = 0, bytes = 0;
  timer.begin_pass();
  for (;;) {
    const ssize_t n = ::read(f.fd(), buf.data(), buf.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) core::throw_errno("read of the test file");
    if (n == 0) break;
    sum += sum_words(buf.data(), static_cast<std::size_t>(n));
    bytes += static_cast<std::uint64_t>(n);
    timer.op_done();
  }
  timer.end_pass(bytes);
  return sum;
}

core::Result run_read(core::RunContext& ctx, core::Result r, std::size_t block, Cache cache) {
  const IoFile& f = shared_file(ctx);
  if (cache == Cache::cold)
    if (std::string why = cold_unavailable_reason(f); !why.empty())
      return skipped(std::move(r), why);
  const std::size_t passes = passes_for(ctx.profile, cache == Cache::cold);
  std::vector<char> buf(block);
  PassTimer timer(*ctx.clock, passes * (f.size() / block + 1));
  const CacheSnapshot before = cache_snapshot(f);
  for (std::size_t p = 0; p < passes; ++p) {
    prepare(f, cache, r);
    if (read_pass(f, buf, timer) != f.checksum)
      throw std::runtime_error("the bytes read differ from the bytes written");
    ctx.report_progress(static_cast<double>(p + 1) / static_cast<double>(passes));
  }
  const CacheSnapshot after = cache_snapshot(f);
  timer.finish(r, fmt::format("one read(2) of {} into a buffer, then a sum of every word",
                              core::format_size(block)));
  core::count_syscalls(r, 64, [&] { (void)::pread(f.fd(), buf.data(), block, 0); });
  record_cache(r, before, after);
  r.add_param("cache", cache_name(cache));
  r.add_param("file_bytes", static_cast<double>(f.size()));
  r.add_param("filesystem", f.fs.name);
  r.meaning = fmt::format("read() of {} {}: {:.2f} GB/s, {} per call at p50",
                          core::format_size(block), cache_name(cache),
                          r.metric("throughput_gbps")->value, core::format_ns(r.stats->p50));
  return r;
}

}  // namespace

std::vector<core::Experiment> sequential_rows() {
  const core::DurationHint warm{0.3, 1.0, 3.0}, cold{0.5, 2.0, 6.0};
  return {
      experiment("read_64k_warm", "read() 64 KiB, warm",
                 "Sequential read() of 64 KiB from the page cache: a copy per call, "
                 "one syscall per 64 KiB",
                 "ns/op", warm,
                 [](core::RunContext& ctx, core::Result r) {
                   return run_read(ctx, std::move(r), 64 * kKiB, Cache::warm);
                 },
                 /*headline=*/true),
      experiment("read_64k_cold", "read() 64 KiB, cold",
                 "Sequential read() of 64 KiB with the file evicted: readahead turns the "
                 "stream into large device reads",
                 "ns/op", cold, [](core::RunContext& ctx, core::Result r) {
                   return run_read(ctx, std::move(r), 64 * kKiB, Cache::cold);
                 }),
  };
}

}  // namespace illusion::labs::mmap_vs_read
