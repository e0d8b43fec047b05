// The lab's test file, shared by every row, and the page-cache states the rows read it in.
//
// "Warm" and "cold" are actions, not states: warm reads the whole file right before a pass
// (DAMON's proactive reclaim on the dev VM pages out what sits idle for a minute), cold writes
// back and drops its pages (fsync, then POSIX_FADV_DONTNEED) right before a pass. Both check
// with mincore(2) that they took, and say so in the result when they did not.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "core/experiment.h"
#include "core/page_cache.h"
#include "core/result.h"
#include "core/scratch_file.h"

namespace illusion::labs::mmap_vs_read {

inline constexpr std::uint64_t kKiB = 1024;
inline constexpr std::uint64_t kMiB = 1024 * kKiB;

// --file-size when given, else 512 MiB (128 MiB with --quick, 1 GiB with --thorough): far
// larger than any CPU cache,
// and large enough that a cold pass is dominated by the device, not by set-up.
std::uint64_t test_file_bytes(const core::RunContext& ctx);

struct IoFile {
  std::unique_ptr<core::ScratchFile> file;
  core::FsInfo fs;
  std::uint64_t checksum = 0;  // wrapping sum of every 64-bit word (core::ScratchFile's pattern)
  // Why the file cannot be read cold here, "" when it can: decided once when the file is
  // written (cold_reason_from), so rows and tests read the same fact.
  std::string cold_reason;

  int fd() const { return file->fd(); }
  std::uint64_t size() const { return file->size(); }
};

// The file every row reads: written on first use (after checking free disk, and free memory
// for keeping it all cached), unlinked as soon as written so no exit path can leave it behind,
// and closed when the runner moves past this lab.
const IoFile& shared_file(core::RunContext& ctx);

enum class Cache { warm, cold };
const char* cache_name(Cache c);  // "warm", "cold"

// The page-cache state of the file: its residency (mincore) and the system's Cached figure.
struct CacheSnapshot {
  std::optional<double> resident;    // fraction of the file's pages in the page cache
  std::optional<double> cached_kib;  // /proc/meminfo Cached
};
CacheSnapshot cache_snapshot(const IoFile& f);

// How much of the file the eviction probe drops and checks: enough pages that a stray one
// kept busy does not decide, few enough that the first warm row barely pays to read it back.
inline constexpr std::uint64_t kEvictionSampleBytes = 1 * kMiB;

// The decision from what the probe saw, "" when the file can be read cold. On tmpfs/ramfs the
// page cache is the file, nothing to evict it to (no probe needed: `sample_resident` is
// ignored). Elsewhere the filesystem's name does not settle it (overlayfs over tmpfs, FUSE or
// virtiofs keeping their own cache): `sample_resident` is the fraction of a written-back
// sample of `sample_bytes` still resident after POSIX_FADV_DONTNEED, nullopt when mincore could
// not tell, which is no evidence that cold reads are cold either.
std::string cold_reason_from(const core::FsInfo& fs, std::optional<double> sample_resident,
                             std::uint64_t sample_bytes);

// The file's cold_reason (why it cannot be read cold here, or "").
inline const std::string& cold_unavailable_reason(const IoFile& f) {
  return f.cold_reason;
}

// Why the whole file cannot be mapped here, or "" when it can: under RLIMIT_AS (`ulimit -v`)
// a mapping larger than the address space left fails with ENOMEM however much memory is free.
std::string mapping_unavailable_reason(const IoFile& f);

// Brings the file to `state` right before a pass and returns the snapshot taken after. Adds a
// warning to `r` (once) when the state did not take: warm below 99% resident, cold above 10%.
CacheSnapshot prepare(const IoFile& f, Cache state, core::Result& r);

// Residency before the first pass and after the last one, and the change in Cached over the
// whole experiment, as metrics: resident_before, resident_after, cached_delta_mib.
void record_cache(core::Result& r, const CacheSnapshot& before, const CacheSnapshot& after);

// Adds `warning` to r.warnings unless it is already there.
void warn_once(core::Result& r, const std::string& warning);

// Wrapping sum of the 64-bit words of [data, data + bytes) (bytes a multiple of 8): every
// byte the reader consumes goes into it, so no read or mapping is optimised away, and it
// must equal the pattern's sum for the same range.
std::uint64_t sum_words(const void* data, std::size_t bytes);

}  // namespace illusion::labs::mmap_vs_read
