#include "core/scratch_file.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <stdexcept>
#include <vector>

#include <fmt/format.h>

#include "core/errors.h"
#include "core/page_cache.h"
#include "core/resources.h"
#include "core/test_hooks.h"

namespace illusion::core {
namespace {

constexpr std::size_t kChunk = 1u << 20;

// Every 8-byte word differs, so no filesystem can store the file as one repeated block and the
// read-back compare would notice any single changed byte.
void fill_chunk(std::vector<std::uint64_t>& chunk, std::uint64_t offset) {
  const std::uint64_t first = offset / sizeof(std::uint64_t);
  for (std::size_t i = 0; i < chunk.size(); ++i) chunk[i] = ScratchFile::pattern_word(first + i);
}

}  // namespace

Fd open_nameless_file(const std::string& dir, const std::string& stem) {
  Fd fd(retry_eintr([&] { return ::open(dir.c_str(), O_TMPFILE | O_RDWR | O_CLOEXEC, 0600); }));
  if (fd.valid()) return fd;
  // EOPNOTSUPP (or EISDIR/ENOENT from a kernel or filesystem without O_TMPFILE): a name that
  // lives for two system calls, with nothing written under it.
  const int tmpfile_errno = errno;
  std::string name = fmt::format("{}/{}-XXXXXX", dir, stem);
  fd.reset(retry_eintr([&] { return ::mkostemp(name.data(), O_CLOEXEC); }));
  if (!fd.valid()) {
    throw_errno(fmt::format("cannot create a file in {} (O_TMPFILE: {}; a named file)", dir,
                            std::strerror(tmpfile_errno)));
  }
  if (::unlink(name.c_str()) != 0) throw_errno("cannot unlink " + name);
  return fd;
}

std::uint64_t ScratchFile::pattern_sum(std::uint64_t offset, std::uint64_t bytes) {
  std::uint64_t sum = 0;
  const std::uint64_t first = offset / sizeof(std::uint64_t);
  for (std::uint64_t i = 0; i < bytes / sizeof(std::uint64_t); ++i) sum += pattern_word(first + i);
  return sum;
}

ScratchFile::ScratchFile(const std::string& dir, const std::string& stem, std::uint64_t size_bytes,
                         const std::function<void(double)>& progress)
    : size_(size_bytes) {
  if (dir.empty()) throw std::runtime_error("the run has no temporary directory for its files");
  if (size_bytes == 0 || size_bytes % kChunk != 0)
    throw std::invalid_argument("test file size must be a whole number of MiB");
  require_free_disk(dir, size_bytes, "a " + format_size(size_bytes) + " test file");
  path_ = fmt::format("{}/{} (nameless)", dir, stem);
  fd_ = open_nameless_file(dir, stem);
  // On a throw, fd_ (a finished member) closes and the nameless inode is freed.
  std::vector<std::uint64_t> chunk(kChunk / sizeof(std::uint64_t));
  for (std::uint64_t off = 0; off < size_; off += kChunk) {
    fill_chunk(chunk, off);
    const char* data = reinterpret_cast<const char*>(chunk.data());
    std::size_t left = kChunk, done = 0;
    while (left > 0) {
      const ssize_t n = retry_eintr(
          [&] { return ::pwrite(fd_.get(), data + done, left, static_cast<off_t>(off + done)); });
      if (n <= 0) throw_errno("cannot write " + path_);
      done += static_cast<std::size_t>(n);
      left -= static_cast<std::size_t>(n);
    }
    test_stop_point(kStopAfterFirstWrite);
    if (progress) progress(static_cast<double>(off + kChunk) / static_cast<double>(size_));
  }
}

void ScratchFile::warm() const {
  std::vector<char> buf(kChunk);
  for (std::uint64_t off = 0; off < size_;) {
    const ssize_t n = retry_eintr(
        [&] { return ::pread(fd_.get(), buf.data(), buf.size(), static_cast<off_t>(off)); });
    if (n <= 0) throw_errno("cannot read " + path_);
    off += static_cast<std::uint64_t>(n);
  }
}

void ScratchFile::evict() const {
  if (::fsync(fd_.get()) != 0) throw_errno("cannot fsync " + path_);
  // posix_fadvise(2) returns the error number instead of setting errno.
  if (const int err = ::posix_fadvise(fd_.get(), 0, 0, POSIX_FADV_DONTNEED); err != 0) {
    errno = err;
    throw_errno("posix_fadvise(POSIX_FADV_DONTNEED) on " + path_);
  }
}

std::optional<double> ScratchFile::resident_fraction() const {
  return core::file_resident_fraction(fd_.get(), 0, size_);
}

bool ScratchFile::contents_unchanged() const {
  std::vector<std::uint64_t> expected(kChunk / sizeof(std::uint64_t));
  std::vector<char> got(kChunk);
  for (std::uint64_t off = 0; off < size_; off += kChunk) {
    std::size_t done = 0;
    while (done < kChunk) {
      const ssize_t n = retry_eintr([&] {
        return ::pread(fd_.get(), got.data() + done, kChunk - done, static_cast<off_t>(off + done));
      });
      if (n < 0) throw_errno("cannot read back " + path_);
      if (n == 0) return false;  // shorter than written
      done += static_cast<std::size_t>(n);
    }
    fill_chunk(expected, off);
    if (std::memcmp(expected.data(), got.data(), kChunk) != 0) return false;
  }
  return true;
}

FileMapping::FileMapping(const ScratchFile& file, int prot, int flags)
    : size_(static_cast<std::size_t>(file.size())) {
  void* p = ::mmap(nullptr, size_, prot, flags, file.fd(), 0);
  if (p == MAP_FAILED) throw_errno(fmt::format("mmap of {} ({})", file.path(), format_size(size_)));
  data_ = static_cast<char*>(p);
}

FileMapping::~FileMapping() {
  if (data_) ::munmap(data_, size_);
}

}  // namespace illusion::core
