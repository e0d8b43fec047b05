// The pieces the random 4 KiB read rows are built from, small enough to test on their own: the
// offsets (distinct pages in a fixed random order), a descriptor of the test file of the row's
// own, a mapping of it, one pread(2) of a page, and an io_uring reader that keeps a given number
// of 4 KiB reads in flight and times each from its submission to the reaping of its completion.
//
// Everything lives in its own namespace: other groups of this lab have helpers of their own
// (AlignedBuffer, ...) in the lab's namespace, and two classes of one name would break the ODR.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/aligned_buffer.h"
#include "core/clock.h"
#include "core/fd.h"

struct io_uring;

namespace illusion::labs::mmap_vs_read::random_io {

inline constexpr std::size_t kPage = 4096;  // one op reads this much
inline constexpr std::uint64_t kOffsetSeed = 0x5eed'4b1d'0ff5'e7ULL;

// The first `count` of all the file's 4 KiB page offsets shuffled with std::mt19937_64(seed):
// distinct, page-aligned, the same for the same (file_bytes, seed), and a prefix of the longer
// list for a larger count. `count` is capped at the file's page count.
std::vector<std::uint64_t> random_page_offsets(std::uint64_t file_bytes, std::size_t count,
                                               std::uint64_t seed = kOffsetSeed);

// What sum_words of the pages at the first `count` offsets must add up to (wrapping).
std::uint64_t expected_sum(const std::vector<std::uint64_t>& offsets, std::size_t count);

// `pages` page-aligned pages for reads to land in, written at construction.
class PageBuffer {
 public:
  explicit PageBuffer(std::size_t pages) : buf_(pages * kPage) {}
  char* page(std::size_t i) const { return buf_.data() + i * kPage; }

 private:
  core::AlignedBuffer buf_;
};

// An open file description of its own for the test file (open of /proc/self/fd/N), closed on
// destruction. Readahead state lives in the open file description (file->f_ra), including the
// mmap miss count that switches mmap read-around off after 100 misses: with a description per
// row, what earlier rows did to the shared descriptor does not carry over. When /proc cannot
// reopen it, the shared descriptor is used (not closed) and `warning()` says why.
class RowFd {
 public:
  explicit RowFd(int shared_fd);
  RowFd(const RowFd&) = delete;
  RowFd& operator=(const RowFd&) = delete;
  int get() const { return fd_; }
  const std::string& warning() const { return warning_; }

 private:
  int fd_ = -1;     // the reopened description, or the shared one when /proc could not
  core::Fd owned_;  // the reopened description; empty when the shared one is borrowed
  std::string warning_;
};

// A read-only MAP_SHARED mapping of `bytes` of `fd`, unmapped on destruction.
class ReadMapping {
 public:
  ReadMapping(int fd, std::size_t bytes, int extra_flags);
  ReadMapping(const ReadMapping&) = delete;
  ReadMapping& operator=(const ReadMapping&) = delete;
  ~ReadMapping();
  const char* data() const { return data_; }
  std::size_t size() const { return size_; }
  // madvise(2) over the whole mapping; throws when the kernel refuses.
  void advise(int advice, const char* advice_name) const;

  // What this mapping maps now, from its VMA in /proc/self/smaps: Rss, and FilePmdMapped (the
  // part mapped by 2 MiB page-table entries, when the page cache holds PMD-sized folios).
  // nullopt when the VMA is not found (smaps unreadable).
  struct Mapped {
    std::uint64_t rss_bytes = 0;
    std::uint64_t pmd_mapped_bytes = 0;
  };
  std::optional<Mapped> mapped() const;

 private:
  char* data_ = nullptr;
  std::size_t size_ = 0;
};

// The read-ahead window of the device behind `fd` (its backing_dev_info, which sets each open
// file's ra_pages and so the size of mmap read-around), in KiB, from
// /sys/class/bdi/<major>:<minor>/read_ahead_kb; nullopt when the filesystem's st_dev has no
// such entry (tmpfs, btrfs, partitions).
std::optional<double> read_ahead_kib(int fd);

// One pread(2) of the 4 KiB page at `offset` into `buf`; throws on an error or a short read.
void pread_page(int fd, std::uint64_t offset, char* buf);

// Why io_uring cannot be used here ("" when it can), from io_uring_queue_init's error and the
// kernel.io_uring_disabled sysctl (6.6+: 1 = root or kernel.io_uring_group only, 2 = nobody).
std::string uring_unavailable_reason(int init_errno);

// One completed read, handed to the sink before its buffer is reused.
struct PageRead {
  std::size_t index;  // into the offsets
  const char* page;   // kPage bytes
  double latency_ns;  // submission to reaping, one clock reading's cost subtracted
};
using PageSink = std::function<void(const PageRead&)>;

struct UringRun {
  std::size_t ops = 0;         // reads completed: offsets [0, ops)
  bool stopped_early = false;  // the deadline passed before every offset was read
  double wall_ns = 0;          // first submission to last reaping, the sink's work included
};

// A ring of `depth` entries and `depth` page buffers. Reads are IORING_OP_READ into plain
// (unregistered) buffers: a buffered read copies from the page cache either way, so registering
// would only save pinning the buffer's pages, which a buffered read does not do.
class UringReader {
 public:
  explicit UringReader(unsigned depth);
  UringReader(const UringReader&) = delete;
  UringReader& operator=(const UringReader&) = delete;
  ~UringReader();

  const std::string& unavailable() const { return unavailable_; }  // "" when the ring is up
  unsigned depth() const { return depth_; }

  // Reads the pages at offsets[0, count) of `fd`, keeping up to depth() in flight: the ring is
  // refilled as completions are reaped, one io_uring_enter submitting the refills and waiting
  // for the next completion. Stops submitting once the clock passes `deadline_ns` (in-flight
  // reads are still reaped). Every completion must return kPage bytes, else it throws.
  UringRun read(int fd, const std::vector<std::uint64_t>& offsets, std::size_t count,
                const core::Clock& clock, double deadline_ns, const PageSink& sink);

 private:
  unsigned depth_;
  std::unique_ptr<io_uring> ring_;
  bool ring_up_ = false;
  std::string unavailable_;
  PageBuffer buffers_;
};

}  // namespace illusion::labs::mmap_vs_read::random_io
