#include "mmap_vs_read/io_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>

#include <fmt/format.h>

#include "core/errors.h"
#include "core/resources.h"

namespace illusion::labs::mmap_vs_read {
namespace {

constexpr double kWarmMin = 0.99;  // at least this fraction cached counts as warm
constexpr double kColdMax = 0.10;  // at most this fraction cached counts as cold

std::string percent(std::optional<double> f) {
  return f ? fmt::format("{:.1f}%", *f * 100) : std::string("an unknown share");
}

// Drops the first `bytes` of the written-back file from the page cache and returns the share
// still resident (nullopt when mincore cannot tell). A few tries, as a page under writeback or
// locked for a moment is skipped by one POSIX_FADV_DONTNEED. Its error is not checked: a
// refused drop leaves the pages resident, which is what the caller measures.
std::optional<double> resident_after_drop(int fd, std::uint64_t bytes) {
  std::optional<double> resident;
  for (int attempt = 0; attempt < 3; ++attempt) {
    ::posix_fadvise(fd, 0, static_cast<off_t>(bytes), POSIX_FADV_DONTNEED);
    resident = core::file_resident_fraction(fd, 0, bytes);
    if (!resident || *resident <= kColdMax) break;
  }
  return resident;
}

}  // namespace

std::uint64_t test_file_bytes(const core::RunContext& ctx) {
  if (ctx.file_bytes > 0) return ctx.file_bytes;
  // 512 MiB by default: far beyond any LLC, and half the writing and re-reading of 1 GiB,
  // whose time on a virtual disk varied by seconds between headline runs (--thorough: 1 GiB).
  switch (ctx.profile) {
    case core::Profile::quick:
      return 128 * kMiB;
    case core::Profile::thorough:
      return 1024 * kMiB;
    case core::Profile::standard:
      break;
  }
  return 512 * kMiB;
}

const IoFile& shared_file(core::RunContext& ctx) {
  return ctx.lab_shared<IoFile>("mmap_vs_read.file", [&ctx] {
    const std::uint64_t bytes = test_file_bytes(ctx);
    // Warm rows keep the whole file in the page cache: without the memory, they would measure
    // reclaim instead.
    // The page cache holds it, not this process: RLIMIT_AS does not apply (the mmap rows check
    // their mappings themselves).
    core::require_free_memory(bytes, "the mmap vs read() lab's test file, kept cached",
                              /*mapped=*/false);
    auto f = std::make_unique<IoFile>();
    f->file = std::make_unique<core::ScratchFile>(ctx.temp_dir, "mmap-vs-read", bytes,
                                               [&ctx](double done) { ctx.report_progress(done); });
    // Written back now, so that the first cold row's eviction does not also pay for writing
    // the whole file to the disk.
    if (::fsync(f->file->fd()) != 0) core::throw_errno("fsync of the test file");
    f->fs = core::filesystem_of(ctx.temp_dir);
    // Whether eviction takes is a fact of this file on this filesystem, seen once here (after
    // the fsync: only clean pages can be dropped) rather than guessed from the name.
    const std::uint64_t sample = std::min(kEvictionSampleBytes, bytes);
    const std::optional<double> resident =
        f->fs.memory_backed ? std::nullopt : resident_after_drop(f->file->fd(), sample);
    f->cold_reason = cold_reason_from(f->fs, resident, sample);
    f->checksum = core::ScratchFile::pattern_sum(0, bytes);
    return f;
  });
}

const char* cache_name(Cache c) {
  return c == Cache::warm ? "warm" : "cold";
}

CacheSnapshot cache_snapshot(const IoFile& f) {
  return {f.file->resident_fraction(), core::meminfo_kib("Cached")};
}

std::string cold_reason_from(const core::FsInfo& fs, std::optional<double> sample_resident,
                             std::uint64_t sample_bytes) {
  if (fs.memory_backed)
    return fmt::format(
        "the test file is on {}, where the page cache is the file itself: there is no disk to "
        "evict it to, so every read is warm (use --dir to choose a disk-backed filesystem)",
        fs.name);
  if (!sample_resident)
    return fmt::format(
        "could not check whether POSIX_FADV_DONTNEED empties the page cache on {}: mincore(2) "
        "of a {} sample of the test file failed, so no read could be shown to be cold",
        fs.name, core::format_size(sample_bytes));
  if (*sample_resident <= kColdMax) return "";
  return fmt::format(
      "POSIX_FADV_DONTNEED left {} of a {} sample of the written-back test file resident on {}: "
      "the page cache of this filesystem cannot be emptied from user space, so every read is "
      "warm (use --dir to choose a filesystem that can)",
      percent(sample_resident), core::format_size(sample_bytes), fs.name);
}

std::string mapping_unavailable_reason(const IoFile& f) {
  // Room for the row's other mappings besides: sample vectors, thread stacks.
  constexpr std::uint64_t kMargin = 64 * kMiB;
  const auto as = core::address_space_room();
  if (!as || as->room >= f.size() + kMargin) return "";
  return fmt::format(
      "mapping the {} test file needs as much address space, but RLIMIT_AS (ulimit -v) is {} "
      "with {} mapped already, leaving {} (keeping {} spare): raise the limit or choose a "
      "smaller --file-size",
      core::format_size(f.size()), core::format_size(as->limit), core::format_size(as->mapped),
      core::format_size(as->room), core::format_size(kMargin));
}

CacheSnapshot prepare(const IoFile& f, Cache state, core::Result& r) {
  if (state == Cache::warm)
    f.file->warm();
  else
    f.file->evict();
  const CacheSnapshot after = cache_snapshot(f);
  // An unknown residency says nothing about the reads: say that it could not be checked, and
  // why when the reason is known (mincore needs the whole file mapped).
  if (!after.resident) {
    const std::string why = mapping_unavailable_reason(f);
    warn_once(r, fmt::format("could not check that the file was {} (mincore needs a mapping of "
                             "it{}): the passes may have been partly {}",
                             cache_name(state), why.empty() ? "" : ", and " + why,
                             state == Cache::warm ? "cold" : "warm"));
    return after;
  }
  if (state == Cache::warm && *after.resident < kWarmMin)
    warn_once(r, fmt::format("warming left only {} of the file cached: some 'warm' reads went "
                             "to the disk (memory pressure?)",
                             percent(after.resident)));
  if (state == Cache::cold && *after.resident > kColdMax)
    warn_once(r, fmt::format("eviction left {} of the file cached (POSIX_FADV_DONTNEED is only "
                             "advice; mapped or dirty pages stay): 'cold' passes were partly warm",
                             percent(after.resident)));
  return after;
}

void record_cache(core::Result& r, const CacheSnapshot& before, const CacheSnapshot& after) {
  if (before.resident) r.add_metric("resident_before", *before.resident, "fraction");
  if (after.resident) r.add_metric("resident_after", *after.resident, "fraction");
  if (before.cached_kib && after.cached_kib)
    r.add_metric("cached_delta_mib", (*after.cached_kib - *before.cached_kib) / 1024.0, "MiB");
}

void warn_once(core::Result& r, const std::string& warning) {
  for (const std::string& w : r.warnings)
    if (w == warning) return;
  r.warnings.push_back(warning);
}

std::uint64_t sum_words(const void* data, std::size_t bytes) {
  // Four independent sums let the compiler vectorise; memcpy keeps the loads free of aliasing
  // and alignment assumptions and compiles to plain loads.
  const auto* p = static_cast<const unsigned char*>(data);
  std::uint64_t s0 = 0, s1 = 0, s2 = 0, s3 = 0;
  std::size_t i = 0;
  for (; i + 32 <= bytes; i += 32) {
    std::uint64_t w[4];
    std::memcpy(w, p + i, sizeof w);
    s0 += w[0];
    s1 += w[1];
    s2 += w[2];
    s3 += w[3];
  }
  for (; i + 8 <= bytes; i += 8) {
    std::uint64_t w;
    std::memcpy(&w, p + i, sizeof w);
    s0 += w;
  }
  return s0 + s1 + s2 + s3;
}

}  // namespace illusion::labs::mmap_vs_read
