#include "syscalls/file_pass.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <stdexcept>
#include <vector>

#include <fmt/format.h>

#include "core/barrier.h"
#include "core/counters.h"
#include "core/errors.h"
#include "core/measure.h"
#include "core/resources.h"
#include "core/sampler.h"
#include "syscalls/common.h"
#include "syscalls/experiments.h"

namespace illusion::labs::syscalls {
namespace {

constexpr std::size_t kPage = 4096;
constexpr std::size_t kChunk = 1u << 20;
constexpr std::uint64_t kMiB = 1u << 20;

// The first word of page p; the rest of the page varies too, so the file is not all one
// repeated block (compressing or deduplicating filesystems would otherwise cheat).
std::uint64_t page_word(std::uint64_t page, std::uint64_t word) {
  return (page + 1) * 0x9e3779b97f4a7c15ull ^ word * 0xff51afd7ed558ccdull;
}

void write_all(int fd, const unsigned char* data, std::size_t bytes, const std::string& path) {
  while (bytes > 0) {
    const ssize_t n = core::retry_eintr([&] { return ::write(fd, data, bytes); });
    if (n <= 0) core::throw_errno("cannot write " + path);
    data += n;
    bytes -= static_cast<std::size_t>(n);
  }
}

}  // namespace

std::uint64_t amortisation_file_bytes(core::Profile profile) {
  return profile == core::Profile::quick ? 16 * kMiB : 64 * kMiB;
}

std::uint64_t checksum_pages(const unsigned char* data, std::size_t bytes) {
  std::uint64_t sum = 0;
  for (std::size_t off = 0; off < bytes; off += kPage) {
    std::uint64_t w;
    std::memcpy(&w, data + off, sizeof w);
    sum += w;
  }
  return sum;
}

AlignedBuffer::AlignedBuffer(std::size_t bytes) : bytes_(bytes) {
  void* p = ::mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED) core::throw_errno(fmt::format("cannot map a {}-byte buffer", bytes));
  data_ = static_cast<unsigned char*>(p);
  // Fault every page now, so the first timed pass does not pay for first-touch faults.
  std::memset(data_, 0, bytes_);
}

AlignedBuffer::~AlignedBuffer() {
  if (data_) ::munmap(data_, bytes_);
}

AmortisationFile::AmortisationFile(const std::string& dir, std::uint64_t size_bytes)
    : size_(size_bytes) {
  if (dir.empty()) throw std::runtime_error("the run has no temporary directory for its files");
  if (size_bytes == 0 || size_bytes % kChunk != 0)
    throw std::invalid_argument("amortisation file size must be a whole number of MiB");
  core::require_free_disk(dir, size_bytes, "the syscall lab's read-amortisation file");
  path_ = fmt::format("{}/syscalls-amortise-{}.dat", dir, static_cast<long>(getpid()));
  const int fd = core::retry_eintr(
      [&] { return ::open(path_.c_str(), O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600); });
  if (fd < 0) core::throw_errno("cannot create " + path_);
  FdGuard fd_guard(fd);
  {
    // The name only lives while we write: once the data is in, the file is unlinked and read
    // through the open fd (unlink(2): the inode lives until the last fd closes). Even SIGKILL
    // then leaves no 64 MiB file behind; the guard covers an exception during the writes.
    FileRemover name(path_);
    std::vector<std::uint64_t> chunk(kChunk / sizeof(std::uint64_t));
    const std::uint64_t words_per_page = kPage / sizeof(std::uint64_t);
    for (std::uint64_t off = 0; off < size_; off += kChunk) {
      const std::uint64_t first_page = off / kPage;
      for (std::size_t i = 0; i < chunk.size(); ++i)
        chunk[i] = page_word(first_page + i / words_per_page, i % words_per_page);
      for (std::size_t p = 0; p < kChunk / kPage; ++p) expected_ += chunk[p * words_per_page];
      write_all(fd, reinterpret_cast<const unsigned char*>(chunk.data()), kChunk, path_);
    }
  }
  fd_ = fd_guard.release();
}

AmortisationFile::~AmortisationFile() {
  if (fd_ >= 0) ::close(fd_);
}

void AmortisationFile::warm() const {
  AlignedBuffer buf(kChunk);
  std::uint64_t off = 0, sum = 0;
  while (off < size_) {
    const ssize_t n = core::retry_eintr([&] {
      return ::pread(fd_, buf.data(), std::min<std::uint64_t>(kChunk, size_ - off),
                     static_cast<off_t>(off));
    });
    if (n <= 0) core::throw_errno("cannot read " + path_);
    sum += buf.data()[0];
    off += static_cast<std::uint64_t>(n);
  }
  core::do_not_optimize(sum);
}

double AmortisationFile::resident_fraction() const {
  void* map = ::mmap(nullptr, size_, PROT_READ, MAP_SHARED, fd_, 0);
  if (map == MAP_FAILED) return std::nan("");
  const std::size_t pages = (size_ + kPage - 1) / kPage;
  std::vector<unsigned char> vec(pages);
  double fraction = std::nan("");
  if (::mincore(map, size_, vec.data()) == 0) {
    std::size_t resident = 0;
    for (unsigned char v : vec) resident += v & 1u;
    fraction = static_cast<double>(resident) / static_cast<double>(pages);
  }
  ::munmap(map, size_);
  return fraction;
}

core::Result measure_passes(core::RunContext& ctx, core::Result r, const AmortisationFile& file,
                            const PassPlan& plan) {
  const core::Clock& clock = *ctx.clock;
  const core::SamplerConfig cfg = core::sampler_config_for(ctx.profile);
  const double kib = static_cast<double>(file.size()) / 1024.0;
  const double mib = static_cast<double>(file.size()) / static_cast<double>(kMiB);
  auto check = [&](const PassOutcome& o) {
    if (o.checksum != file.expected_checksum())
      throw std::runtime_error(fmt::format(
          "{}: a pass over {} returned the wrong bytes (checksum {:#x}, expected {:#x})", r.id,
          file.path(), o.checksum, file.expected_checksum()));
  };

  file.warm();
  const double resident = file.resident_fraction();

  // One untimed pass: the code and the buffers warm up, and its time sizes the run.
  const double w0 = clock.now_ns();
  const PassOutcome first = plan.pass();
  const double pass_ns = std::max(1.0, clock.now_ns() - w0);
  check(first);
  const auto passes =
      static_cast<std::size_t>(std::clamp(std::floor(cfg.budget_s * 1e9 / pass_ns), 3.0, 200.0));

  std::vector<double> per_kib;
  per_kib.reserve(passes);
  std::uint64_t calls = 0;
  core::CounterWindow window(true);
  window.start();
  for (std::size_t i = 0; i < passes; ++i) {
    const double t0 = clock.now_ns();
    const PassOutcome o = plan.pass();
    const double t1 = clock.now_ns();
    check(o);
    calls += o.calls;
    per_kib.push_back((t1 - t0) / kib);
    ctx.report_progress(static_cast<double>(i + 1) / static_cast<double>(passes));
  }
  window.stop();
  const double resident_after = file.resident_fraction();
  core::finish_result(r, std::move(per_kib), static_cast<double>(passes) * kib, &window);
  // One more pass, untimed, with the syscall counter on (it slows every syscall down).
  core::count_syscalls(
      r, 1, [&] { check(plan.pass()); }, kib);

  const double calls_per_pass = static_cast<double>(calls) / static_cast<double>(passes);
  const double syscalls_per_mib = calls_per_pass / mib;
  r.add_param("category", kCategoryAmortisation);
  r.add_param("op", plan.op);
  r.add_param("stats_per", "1 KiB of file read (stats and counters per KiB)");
  r.add_param("size_bytes", static_cast<double>(file.size()));
  r.add_param("block_bytes", static_cast<double>(plan.block_bytes));
  r.add_param("passes", static_cast<double>(passes));
  r.add_param("resident_fraction", resident);
  r.add_param("resident_fraction_after", resident_after);
  r.add_param("clock", clock.info().source);

  r.add_metric("calls_per_pass", calls_per_pass, "calls");
  r.add_metric("syscalls_per_mib", syscalls_per_mib, "syscalls/MiB");
  if (const auto sys = counter_per_op(r, "syscalls"))
    r.add_metric("syscalls_per_mib_measured", *sys * 1024.0, "syscalls/MiB");
  const double p50 = r.stats->p50;
  const double mib_per_s = p50 > 0 ? 1e9 / (p50 * 1024.0) : 0;
  if (p50 > 0) r.add_metric("mib_per_s", mib_per_s, "MiB/s");
  if (!std::isnan(resident)) r.add_metric("resident_fraction", resident, "fraction");

  if (std::isnan(resident))
    r.warnings.push_back("resident_fraction: mincore on the file failed, residency unknown");
  else if (resident < 0.99)
    r.warnings.push_back(fmt::format(
        "only {:.1f}% of the file was in the page cache right after reading it: some passes "
        "read from disk, so the figure is not the syscall-bound warm case",
        resident * 100));
  if (!std::isnan(resident_after) && resident_after < 0.99)
    r.warnings.push_back(fmt::format(
        "only {:.1f}% of the file was still cached after the timed passes: pages were evicted "
        "while measuring (memory pressure or DAMON reclaim)",
        resident_after * 100));

  std::string vs;
  if (r.id != "syscalls.read_4k") {
    if (const auto small = earlier_p50(ctx, "syscalls.read_4k"); small && p50 > 0)
      vs = fmt::format(", {:.2f}x the speed of 4 KiB read() calls", *small / p50);
  }
  std::string counted;
  if (const core::Metric* m = r.metric("syscalls_per_mib_measured"))
    counted = fmt::format("; counted {:.1f} syscalls/MiB", m->value);
  r.meaning = fmt::format("{:.1f} syscalls per MiB: {:.2f} ns/KiB ({:.0f} MiB/s){}{}",
                          syscalls_per_mib, p50, mib_per_s, vs, counted);
  return r;
}

}  // namespace illusion::labs::syscalls
