#include "mmap_vs_read/write_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <new>
#include <stdexcept>
#include <vector>

#include <fmt/format.h>

#include "core/errors.h"
#include "core/scratch_file.h"
#include "core/test_hooks.h"
#include "mmap_vs_read/io_file.h"

namespace illusion::labs::mmap_vs_read::writes {
namespace {

// pwrite(2) of all of [buf, buf + bytes) at `offset`, across short writes and EINTR.
void pwrite_all(int fd, const char* buf, std::size_t bytes, std::uint64_t offset) {
  while (bytes > 0) {
    const ssize_t n =
        core::retry_eintr([&] { return ::pwrite(fd, buf, bytes, static_cast<off_t>(offset)); });
    if (n < 0) core::throw_errno("pwrite of a write row's file");
    if (n == 0) throw std::runtime_error("pwrite of a write row's file wrote nothing");
    buf += n;
    bytes -= static_cast<std::size_t>(n);
    offset += static_cast<std::uint64_t>(n);
  }
}

// pread(2) of exactly `bytes` at `offset`; false at an early end of file.
bool pread_all(int fd, char* buf, std::size_t bytes, std::uint64_t offset) {
  while (bytes > 0) {
    const ssize_t n =
        core::retry_eintr([&] { return ::pread(fd, buf, bytes, static_cast<off_t>(offset)); });
    if (n < 0) core::throw_errno("pread of a write row's file");
    if (n == 0) return false;
    buf += n;
    bytes -= static_cast<std::size_t>(n);
    offset += static_cast<std::uint64_t>(n);
  }
  return true;
}

}  // namespace

std::uint64_t write_file_bytes(const core::RunContext& ctx) {
  std::uint64_t cap = 64 * kMiB;
  if (ctx.profile == core::Profile::quick) cap = 16 * kMiB;
  if (ctx.profile == core::Profile::thorough) cap = 256 * kMiB;
  cap = std::min(cap, test_file_bytes(ctx));
  return std::max<std::uint64_t>(kWriteBlock, cap / kWriteBlock * kWriteBlock);
}

double write_time_share_s(core::Profile p) {
  switch (p) {
    case core::Profile::quick:
      return 0.2;
    case core::Profile::thorough:
      return 5.0;
    case core::Profile::standard:
      break;
  }
  // 1 s: over 5,000 synced writes on the development VM, whose median is known to well
  // within ±1%; 1.5 s bought nothing the runs' spread did not swamp.
  return 1.0;
}

void fill_pattern(char* buf, std::uint64_t offset, std::size_t bytes) {
  const std::uint64_t first = offset / 8;
  for (std::size_t i = 0; i < bytes / 8; ++i) {
    const std::uint64_t w = core::ScratchFile::pattern_word(first + i);
    std::memcpy(buf + 8 * i, &w, sizeof w);
  }
}

WriteFile::WriteFile(const std::string& dir, const std::string& stem, std::uint64_t bytes,
                     bool prefill)
    : bytes_(bytes) {
  fd_ = core::open_nameless_file(dir, stem);
  if (!prefill) return;
  AlignedBuffer chunk(kWriteChunk);
  std::memset(chunk.data(), kFillByte, chunk.size());
  for (std::uint64_t off = 0; off < bytes; off += kWriteChunk) {
    pwrite_all(fd(), chunk.data(), std::min<std::uint64_t>(kWriteChunk, bytes - off), off);
    core::test_stop_point(core::kStopAfterFirstWrite);
  }
  if (::fdatasync(fd()) != 0) core::throw_errno("fdatasync of a write row's file after its fill");
}

core::Fd WriteFile::reopen(int flags) const {
  const std::string self = fmt::format("/proc/self/fd/{}", fd());
  return core::Fd(
      core::retry_eintr([&] { return ::open(self.c_str(), O_RDWR | O_CLOEXEC | flags); }));
}

void WriteFile::drop_cached_pages() const {
  if (::fdatasync(fd()) != 0) core::throw_errno("fdatasync of a write row's file");
  // posix_fadvise(2) returns the error number instead of setting errno.
  if (const int err = ::posix_fadvise(fd(), 0, 0, POSIX_FADV_DONTNEED); err != 0) {
    errno = err;
    core::throw_errno("posix_fadvise(POSIX_FADV_DONTNEED) on a write row's file");
  }
}

bool WriteFile::holds_pattern(std::uint64_t bytes) const {
  drop_cached_pages();
  std::vector<char> got(kWriteChunk), want(kWriteChunk);
  for (std::uint64_t off = 0; off < bytes; off += kWriteChunk) {
    const std::size_t n =
        static_cast<std::size_t>(std::min<std::uint64_t>(kWriteChunk, bytes - off));
    if (!pread_all(fd(), got.data(), n, off)) return false;
    fill_pattern(want.data(), off, n);
    if (std::memcmp(got.data(), want.data(), n) != 0) return false;
  }
  return true;
}

}  // namespace illusion::labs::mmap_vs_read::writes
