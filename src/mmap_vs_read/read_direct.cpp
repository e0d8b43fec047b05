// O_DIRECT reads of the first min(file, 256 MiB) of the test file, evicted before every pass.
//
// Without readahead every call is one synchronous device request, so the figure is the
// device's latency per request, not its streaming bandwidth: the contrast with read_*_cold,
// where readahead keeps requests in flight, is the point. The cap keeps the rows within the
// lab's time budget (a 64 KiB O_DIRECT pass over 1 GiB takes ~1.6 s on the dev VM) while
// still timing thousands of calls.
#include "mmap_vs_read/read_direct.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <optional>

#include <fmt/format.h>

#include "core/errors.h"
#include "core/fd.h"
#include "core/format.h"
#include "core/resources.h"
#include "core/scratch_file.h"
#include "mmap_vs_read/io_file.h"
#include "mmap_vs_read/io_pass.h"
#include "mmap_vs_read/read_common.h"
#include "mmap_vs_read/rows.h"

namespace illusion::labs::mmap_vs_read {
namespace {

constexpr std::uint64_t kDirectBytesCap = 256 * kMiB;

std::string no_direct_reason(const IoFile& f, const char* step) {
  return fmt::format(
      "{} with O_DIRECT failed with EINVAL: the test file's filesystem ({}) does "
      "not support direct IO (use --dir to choose one that does)",
      step, f.fs.name);
}

// The test file opened anew with O_DIRECT (O_DIRECT is a property of the open file, so the
// shared descriptor cannot be reused). The file is already unlinked; /proc/self/fd/<fd> is a
// link to the open inode itself, not to its old path (proc(5)), so open(2) through it reaches
// the unlinked file. Sets `why_not` and returns nullopt when the filesystem refuses O_DIRECT.
std::optional<int> open_direct(const IoFile& f, std::string& why_not) {
  const std::string link = fmt::format("/proc/self/fd/{}", f.fd());
  const int fd = core::retry_eintr([&] { return ::open(link.c_str(), O_RDONLY | O_DIRECT); });
  if (fd >= 0) return fd;
  if (errno == EINVAL) {
    why_not = no_direct_reason(f, "open(2)");
    return std::nullopt;
  }
  core::throw_errno("open(2) of the test file with O_DIRECT through " + link);
}

// Some filesystems accept O_DIRECT at open and refuse it at the first read (open(2), NOTES):
// one untimed read finds out. Returns "" when direct reads work.
std::string probe_direct_read(const IoFile& f, int fd, const AlignedBuffer& buf) {
  const ssize_t n = core::retry_eintr([&] { return ::pread(fd, buf.data(), buf.size(), 0); });
  if (n >= 0) return "";
  if (errno == EINVAL) return no_direct_reason(f, "read(2)");
  core::throw_errno("read(2) of the test file with O_DIRECT");
}

void warn_about_cache(core::Result& r, const IoFile& f, const CacheSnapshot& start,
                      const CacheSnapshot& after) {
  if (f.fs.memory_backed) {
    r.warnings.push_back(fmt::format(
        "the test file is on {}, which accepts O_DIRECT but has no device behind it: these "
        "'direct' reads still copy from memory (use --dir for a disk-backed filesystem)",
        f.fs.name));
    return;
  }
  if (start.resident && after.resident && *after.resident > *start.resident + 0.10)
    r.warnings.push_back(fmt::format(
        "the file's cached share grew from {} to {} during O_DIRECT passes: something else "
        "read it through the page cache meanwhile",
        core::format_percent(*start.resident), core::format_percent(*after.resident)));
}

void direct_meaning(core::Result& r, const IoFile& f, std::size_t block) {
  const core::Metric* after = r.metric("resident_after");
  const std::string how = f.fs.memory_backed
                              ? fmt::format("{} has no device: still a copy from memory", f.fs.name)
                              : std::string("one device request each, no readahead");
  r.meaning = fmt::format(
      "O_DIRECT read() of {}: {:.2f} GB/s, {} per call at p50 ({}){}", core::format_size(block),
      r.metric("throughput_gbps")->value, core::format_ns(r.stats->p50), how,
      after ? fmt::format("; {} of the file cached afterwards", core::format_percent(after->value))
            : std::string());
}

core::Result run_direct(core::RunContext& ctx, core::Result r, std::size_t block) {
  const IoFile& f = shared_file(ctx);
  std::string why_not;
  const std::optional<int> opened = open_direct(f, why_not);
  if (!opened) return core::skipped(std::move(r), why_not);
  const core::Fd fd(*opened);
  AlignedBuffer buf(block);
  if (why_not = probe_direct_read(f, fd.get(), buf); !why_not.empty())
    return core::skipped(std::move(r), why_not);

  const std::uint64_t limit = std::min(f.size(), kDirectBytesCap);
  const std::uint64_t expected = core::ScratchFile::pattern_sum(0, limit);
  const std::size_t passes = passes_for(ctx.profile, /*cold=*/true);
  PassTimer timer(*ctx.clock, passes * (limit / block + 1));
  StartResidency start(Cache::cold);
  const CacheSnapshot before = cache_snapshot(f);
  CacheSnapshot first_start = before;
  for (std::size_t p = 0; p < passes; ++p) {
    // Evicting first makes "nothing got cached" visible in resident_after; the reads would
    // bypass the cache either way. On tmpfs there is nothing to evict to.
    if (!f.fs.memory_backed) {
      const CacheSnapshot s = prepare(f, Cache::cold, r);
      if (p == 0) first_start = s;
      start.add(s);
    }
    check_pass(read_range(fd.get(), Call::read, limit, buf, &timer), expected, limit);
    ctx.report_progress(static_cast<double>(p + 1) / static_cast<double>(passes));
  }
  const CacheSnapshot after = cache_snapshot(f);
  timer.finish(r, fmt::format("one O_DIRECT read(2) of {} into a page-aligned buffer, then a "
                              "sum of every word",
                              core::format_size(block)));
  count_call_syscalls(r, fd.get(), Call::read, limit, buf);
  record_cache(r, before, after);
  start.record(r);
  warn_about_cache(r, f, first_start, after);
  add_file_params(r, f, "direct (O_DIRECT: the page cache is bypassed)");
  r.add_param("bytes_per_pass", static_cast<double>(limit));
  direct_meaning(r, f, block);
  return r;
}

}  // namespace

core::Experiment direct_row(std::string id, std::size_t block) {
  // Two passes over 256 MiB (quick: one over 128 MiB): ~1.0 s at 64 KiB, ~0.55 s at 1 MiB on
  // the dev VM.
  const core::DurationHint hint =
      block < kMiB ? core::DurationHint{0.3, 1.0, 2.0} : core::DurationHint{0.2, 0.6, 1.2};
  const std::string size = core::format_size(block);
  return experiment(
      std::move(id), fmt::format("O_DIRECT read() {}", size),
      fmt::format("read() of {} with O_DIRECT: straight from the device into the buffer, no "
                  "page cache and no readahead, so each call waits for one device request",
                  size),
      "ns/op", hint, [block](core::RunContext& ctx, core::Result r) {
        return run_direct(ctx, std::move(r), block);
      });
}

}  // namespace illusion::labs::mmap_vs_read
