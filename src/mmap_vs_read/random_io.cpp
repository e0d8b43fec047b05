#include "mmap_vs_read/random_io.h"

#include <fcntl.h>
#include <liburing.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <numeric>
#include <random>
#include <stdexcept>
#include <system_error>

#include <fmt/format.h>

#include "core/errors.h"
#include "core/scratch_file.h"

namespace illusion::labs::mmap_vs_read::random_io {
namespace {

// kernel.io_uring_disabled as the kernel says now; "" where the sysctl does not exist (< 6.6).
std::string io_uring_disabled_sysctl() {
  std::ifstream in("/proc/sys/kernel/io_uring_disabled");
  std::string v;
  in >> v;
  return v;
}

[[noreturn]] void throw_uring(int negative_errno, const char* what) {
  throw std::system_error(-negative_errno, std::generic_category(), what);
}

}  // namespace

std::vector<std::uint64_t> random_page_offsets(std::uint64_t file_bytes, std::size_t count,
                                               std::uint64_t seed) {
  std::vector<std::uint64_t> offsets(static_cast<std::size_t>(file_bytes / kPage));
  std::iota(offsets.begin(), offsets.end(), std::uint64_t{0});
  for (std::uint64_t& o : offsets) o *= kPage;
  std::mt19937_64 rng(seed);
  std::shuffle(offsets.begin(), offsets.end(), rng);
  offsets.resize(std::min(count, offsets.size()));
  return offsets;
}

std::uint64_t expected_sum(const std::vector<std::uint64_t>& offsets, std::size_t count) {
  std::uint64_t sum = 0;
  for (std::size_t i = 0; i < count && i < offsets.size(); ++i)
    sum += core::ScratchFile::pattern_sum(offsets[i], kPage);
  return sum;
}

RowFd::RowFd(int shared_fd) : fd_(shared_fd) {
  const std::string path = fmt::format("/proc/self/fd/{}", shared_fd);
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd >= 0) {
    owned_.reset(fd);
    fd_ = fd;
    return;
  }
  warning_ = fmt::format(
      "could not reopen the test file through {} ({}): the row reads through the lab's shared "
      "descriptor, whose readahead state (mmap miss count) earlier rows may have changed",
      path, std::strerror(errno));
}

ReadMapping::ReadMapping(int fd, std::size_t bytes, int extra_flags) : size_(bytes) {
  void* p = ::mmap(nullptr, bytes, PROT_READ, MAP_SHARED | extra_flags, fd, 0);
  if (p == MAP_FAILED) core::throw_errno(fmt::format("mmap of the test file ({} bytes)", bytes));
  data_ = static_cast<char*>(p);
}

ReadMapping::~ReadMapping() {
  ::munmap(data_, size_);
}

void ReadMapping::advise(int advice, const char* advice_name) const {
  if (::madvise(data_, size_, advice) != 0)
    core::throw_errno(fmt::format("madvise({}) on the test file's mapping", advice_name));
}

std::optional<ReadMapping::Mapped> ReadMapping::mapped() const {
  // A VMA header reads "start-end perms offset dev inode path"; the fields follow until the
  // next header. A file mapping is never merged with another, so ours starts at data_.
  std::ifstream in("/proc/self/smaps");
  const auto start = reinterpret_cast<std::uintptr_t>(data_);
  std::string line;
  bool ours = false, found = false;
  Mapped m;
  while (std::getline(in, line)) {
    std::uintptr_t lo = 0, hi = 0;
    if (std::sscanf(line.c_str(), "%lx-%lx ", &lo, &hi) == 2 && line.find(':') > 20) {
      ours = lo == start;
      found = found || ours;
      continue;
    }
    if (!ours) continue;
    unsigned long long kib = 0;
    if (std::sscanf(line.c_str(), "Rss: %llu kB", &kib) == 1) m.rss_bytes = kib * 1024;
    if (std::sscanf(line.c_str(), "FilePmdMapped: %llu kB", &kib) == 1)
      m.pmd_mapped_bytes = kib * 1024;
  }
  if (!found) return std::nullopt;
  return m;
}

std::optional<double> read_ahead_kib(int fd) {
  struct stat st {};
  if (::fstat(fd, &st) != 0) return std::nullopt;
  std::ifstream in(
      fmt::format("/sys/class/bdi/{}:{}/read_ahead_kb", major(st.st_dev), minor(st.st_dev)));
  double kib = 0;
  if (!(in >> kib)) return std::nullopt;
  return kib;
}

void pread_page(int fd, std::uint64_t offset, char* buf) {
  const ssize_t n =
      core::retry_eintr([&] { return ::pread(fd, buf, kPage, static_cast<off_t>(offset)); });
  if (n < 0) core::throw_errno(fmt::format("pread of 4 KiB at offset {} of the test file", offset));
  if (static_cast<std::size_t>(n) != kPage)
    throw std::runtime_error(
        fmt::format("pread of 4 KiB at offset {} of the test file returned {} bytes", offset, n));
}

std::string uring_unavailable_reason(int init_errno) {
  const std::string disabled = io_uring_disabled_sysctl();
  if (disabled == "2") return "io_uring is disabled on this machine (kernel.io_uring_disabled=2)";
  if (init_errno == 0) return "";
  std::string why = fmt::format("io_uring_queue_init failed: {}", std::strerror(init_errno));
  if (init_errno == ENOSYS) why += " (kernel built without io_uring, or blocked by seccomp)";
  if (init_errno == EPERM && disabled == "1")
    why += " (kernel.io_uring_disabled=1 and this user is not in kernel.io_uring_group)";
  if (init_errno == ENOMEM) why += " (locked-memory limit too low for the ring?)";
  return why;
}

UringReader::UringReader(unsigned depth)
    : depth_(depth), ring_(std::make_unique<io_uring>()), buffers_(depth) {
  if (const std::string why = uring_unavailable_reason(0); !why.empty()) {
    unavailable_ = why;
    return;
  }
  const int rc = io_uring_queue_init(depth, ring_.get(), 0);  // -errno on failure
  if (rc < 0) {
    unavailable_ = uring_unavailable_reason(-rc);
    return;
  }
  ring_up_ = true;
}

UringReader::~UringReader() {
  if (ring_up_) io_uring_queue_exit(ring_.get());
}

UringRun UringReader::read(int fd, const std::vector<std::uint64_t>& offsets, std::size_t count,
                           const core::Clock& clock, double deadline_ns, const PageSink& sink) {
  if (!ring_up_) throw std::logic_error("UringReader::read without a ring: " + unavailable_);
  count = std::min(count, offsets.size());
  io_uring* ring = ring_.get();
  const double overhead_ns = clock.info().overhead_ns;
  std::vector<double> submitted_at(depth_, 0);
  std::vector<std::size_t> index_of_slot(depth_, 0);
  std::vector<unsigned> unsubmitted;  // slots prepared since the last submission
  unsubmitted.reserve(depth_);
  std::size_t next = 0, in_flight = 0;
  UringRun run;

  const auto prepare_slot = [&](unsigned slot) {
    // Never more than depth_ requests exist, the ring has depth_ entries: a slot is always free.
    io_uring_sqe* sqe = io_uring_get_sqe(ring);
    if (!sqe) throw std::logic_error("io_uring submission queue full with a free slot");
    io_uring_prep_read(sqe, fd, buffers_.page(slot), kPage, offsets[next]);
    io_uring_sqe_set_data64(sqe, slot);
    index_of_slot[slot] = next++;
    unsubmitted.push_back(slot);
  };

  for (unsigned slot = 0; slot < depth_ && next < count; ++slot) prepare_slot(slot);
  const double start = clock.now_ns();
  while (!unsubmitted.empty() || in_flight > 0) {
    if (!unsubmitted.empty()) {
      const double t = clock.now_ns();
      for (unsigned slot : unsubmitted) submitted_at[slot] = t;
      // One io_uring_enter: submit the refills, wait for at least one completion.
      // Interrupted, the kernel took none of them; liburing offers the same entries again.
      int rc;
      do rc = io_uring_submit_and_wait(ring, 1);
      while (rc == -EINTR);
      if (rc < 0) throw_uring(rc, "io_uring_submit_and_wait");
      in_flight += unsubmitted.size();
      unsubmitted.clear();
    }
    io_uring_cqe* cqe = nullptr;
    int rc;
    do rc = io_uring_wait_cqe(ring, &cqe);  // no syscall when a completion is already posted
    while (rc == -EINTR);
    if (rc < 0) throw_uring(rc, "io_uring_wait_cqe");
    while (io_uring_peek_cqe(ring, &cqe) == 0 && cqe) {
      const double reaped = clock.now_ns();
      const auto slot = static_cast<unsigned>(io_uring_cqe_get_data64(cqe));
      const int res = cqe->res;
      io_uring_cqe_seen(ring, cqe);
      --in_flight;
      if (slot >= depth_) throw std::logic_error("io_uring completion for an unknown slot");
      const std::size_t index = index_of_slot[slot];
      if (res != static_cast<int>(kPage))
        throw std::runtime_error(fmt::format(
            "io_uring read of 4 KiB at offset {} of the test file returned {}", offsets[index],
            res < 0 ? std::string(std::strerror(-res)) : fmt::format("{} bytes", res)));
      sink({index, buffers_.page(slot), reaped - submitted_at[slot] - overhead_ns});
      ++run.ops;
      if (next >= count) continue;
      if (reaped > deadline_ns) {
        run.stopped_early = true;
        continue;
      }
      prepare_slot(slot);
    }
  }
  run.wall_ns = clock.now_ns() - start;
  return run;
}

}  // namespace illusion::labs::mmap_vs_read::random_io
