// The file a write row writes: its own (never the shared test file), sized by the profile,
// created with O_CREAT|O_EXCL and unlinked at once, so it lives on through its descriptor only
// and no exit path (SIGKILL included) can leave it behind.
//
// The timed writes carry a known pattern (core::ScratchFile's words, by file offset) and the file
// is filled beforehand with a different byte, so reading back after the timed writes proves
// that each block written holds what the row wrote, not what the fill left.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "core/aligned_buffer.h"
#include "core/experiment.h"
#include "core/fd.h"
#include "core/profile.h"

// A namespace of its own: the lab's other files are written at the same time, and names such as
// AlignedBuffer are likely to appear there too.
namespace illusion::labs::mmap_vs_read::writes {

inline constexpr std::size_t kWriteBlock = 4096;         // one op writes this much
inline constexpr std::size_t kWriteChunk = 1024 * 1024;  // pattern generated this much at a time
inline constexpr unsigned char kFillByte = 0x5a;         // what the untimed fill leaves

// Bytes one write row may write: 16 MiB (quick), 64 MiB (default), 256 MiB (thorough), never
// more than the lab's test file size, rounded down to whole 4 KiB blocks (at least one).
std::uint64_t write_file_bytes(const core::RunContext& ctx);

// Wall time a write row may spend on its timed writes: a durable write waits for the disk
// (milliseconds here), so the durable rows sample by time, not by bytes.
double write_time_share_s(core::Profile p);

// Fills [buf, buf + bytes) with the pattern of the file range starting at `offset` (both
// multiples of 8): the word at file offset 8*i is core::ScratchFile::pattern_word(i).
void fill_pattern(char* buf, std::uint64_t offset, std::size_t bytes);

// The buffers writes come from: page-aligned, as O_DIRECT needs.
using core::AlignedBuffer;

class WriteFile {
 public:
  // Creates a file in `dir` that no path names (core::open_nameless_file). With `prefill`, writes
  // kFillByte over all `bytes` and fdatasyncs, untimed: the timed writes then overwrite blocks that
  // are allocated and written, so they take the data path only. (fallocate(2) would be quicker, but
  // on ext4 it leaves unwritten extents, and the first write into each one converts it: a metadata
  // change the journal commits on the next sync.) Without `prefill` the file starts empty and every
  // write extends it.
  WriteFile(const std::string& dir, const std::string& stem, std::uint64_t bytes, bool prefill);

  int fd() const { return fd_.get(); }
  std::uint64_t capacity() const { return bytes_; }

  // A second open file description of the same nameless inode, through
  // /proc/self/fd, with `flags` added to O_RDWR|O_CLOEXEC: how O_DSYNC, which fcntl(F_SETFL)
  // cannot set, gets onto a file that has no name. (Creating the file with O_DIRECT would
  // make a refusal fail the creation instead of only the direct row.) Returns an empty Fd with
  // errno set when open(2) refuses (EINVAL: the filesystem does not do O_DIRECT).
  core::Fd reopen(int flags) const;

  // fdatasync(2), then POSIX_FADV_DONTNEED: the file's clean pages leave the page cache, so
  // the next read comes from the device (on a disk-backed filesystem).
  void drop_cached_pages() const;

  // Drops the cached pages, then reads back [0, bytes) with pread(2) and compares it with the
  // pattern: true when every byte matches.
  bool holds_pattern(std::uint64_t bytes) const;

 private:
  core::Fd fd_;
  std::uint64_t bytes_ = 0;
};

}  // namespace illusion::labs::mmap_vs_read::writes
