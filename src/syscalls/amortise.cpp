// Amortising the syscall: the same bytes read with fewer, bigger requests. A 4 KiB read() pays
// the entry/exit and the VFS dispatch for every page; a 1 MiB read() or a preadv(2) of 16
// iovecs pays them once per MiB, leaving the copy from the page cache as the main cost.
#include <sys/uio.h>
#include <unistd.h>

#include <array>
#include <cerrno>

#include <fmt/format.h>

#include "core/errors.h"
#include "syscalls/file_pass.h"
#include "syscalls/rows.h"

namespace illusion::labs::syscalls {
namespace {

constexpr std::size_t kPage = 4096;

[[noreturn]] void short_read(const AmortisationFile& file, std::uint64_t off, long n) {
  if (n < 0) core::throw_errno(fmt::format("read of {} at offset {} failed", file.path(), off));
  throw std::runtime_error(
      fmt::format("read of {} at offset {} returned {} bytes: not a whole number of pages",
                  file.path(), off, n));
}

// read() `block` bytes at a time from the file offset through `end`; at the start of a pass
// (begin 0) an lseek back to the start first. Exactly (end - begin) / block reads (the end is
// known, so no extra read() to see EOF), plus one lseek per pass.
PassOutcome read_pass(const AmortisationFile& file, const AlignedBuffer& buf, std::size_t block,
                      std::uint64_t begin, std::uint64_t end) {
  PassOutcome o;
  if (begin == 0) {
    if (::lseek(file.fd(), 0, SEEK_SET) != 0) core::throw_errno("cannot seek " + file.path());
    ++o.calls;
  }
  std::uint64_t off = begin;
  while (off < end) {
    const ssize_t n = ::read(file.fd(), buf.data(), block);
    ++o.calls;
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0 || n % static_cast<ssize_t>(kPage) != 0) short_read(file, off, n);
    o.checksum += checksum_pages(buf.bytes(), static_cast<std::size_t>(n));
    off += static_cast<std::uint64_t>(n);
  }
  return o;
}

PassPlan read_plan(const AmortisationFile& file, const AlignedBuffer& buf, std::size_t block) {
  PassPlan plan;
  plan.op = fmt::format("one pass: lseek, then read() of {} KiB to the end", block / 1024);
  plan.block_bytes = block;
  plan.read_range = [&file, &buf, block](std::uint64_t begin, std::uint64_t end) {
    return read_pass(file, buf, block, begin, end);
  };
  return plan;
}

core::Result run_read(core::RunContext& ctx, core::Result r, std::size_t block) {
  AmortisationFile file(ctx.temp_dir, amortisation_file_bytes(ctx.profile));
  AlignedBuffer buf(block);
  return measure_passes(ctx, std::move(r), file, read_plan(file, buf, block));
}

core::Result run_read_4k(core::RunContext& ctx, core::Result r) {
  return run_read(ctx, std::move(r), 4 * 1024);
}

core::Result run_read_1m(core::RunContext& ctx, core::Result r) {
  return run_read(ctx, std::move(r), 1024 * 1024);
}

core::Result run_preadv(core::RunContext& ctx, core::Result r) {
  // preadv(2): one syscall fills a list of buffers from an explicit offset (no lseek). 16 x
  // 64 KiB = 1 MiB per call, the same bytes per call as read_1m, so the two should agree: the
  // iovec walk is cheap next to the copy.
  constexpr int kIovecs = 16;
  constexpr std::size_t kIovecBytes = 64 * 1024;
  constexpr std::size_t kCallBytes = kIovecs * kIovecBytes;
  AmortisationFile file(ctx.temp_dir, amortisation_file_bytes(ctx.profile));
  AlignedBuffer buf(kCallBytes);
  std::array<iovec, kIovecs> iov{};
  for (int i = 0; i < kIovecs; ++i) {
    iov[static_cast<std::size_t>(i)].iov_base =
        buf.data() + static_cast<std::size_t>(i) * kIovecBytes;
    iov[static_cast<std::size_t>(i)].iov_len = kIovecBytes;
  }
  PassPlan plan;
  plan.op =
      fmt::format("one pass: preadv() of {} x {} KiB to the end", kIovecs, kIovecBytes / 1024);
  plan.block_bytes = kCallBytes;
  plan.read_range = [&](std::uint64_t begin, std::uint64_t end) {
    PassOutcome o;
    std::uint64_t off = begin;
    while (off < end) {
      // Ranges are whole MiB, so every call asks for a full 1 MiB.
      const ssize_t n = ::preadv(file.fd(), iov.data(), kIovecs, static_cast<off_t>(off));
      ++o.calls;
      if (n < 0 && errno == EINTR) continue;
      if (n != static_cast<ssize_t>(kCallBytes)) short_read(file, off, n);
      o.checksum += checksum_pages(buf.bytes(), kCallBytes);
      off += kCallBytes;
    }
    return o;
  };
  return measure_passes(ctx, std::move(r), file, plan);
}

}  // namespace

std::vector<core::Experiment> amortise_rows() {
  // Each row writes the amortisation file (FilePass) in the run's directory.
  const auto file = [](const core::RunContext& ctx) {
    return core::one_file(amortisation_file_bytes(ctx.profile));
  };
  return {
      core::with_disk(experiment("read_4k", "read() 4 KiB",
                                 "A warm file read with 4 KiB read() calls: one syscall per page.",
                                 "ns/KiB", kFile, run_read_4k),
                      file),
      core::with_disk(experiment("read_1m", "read() 1 MiB",
                                 "The same file read with 1 MiB read() calls: the syscall cost "
                                 "amortised over 256 pages.",
                                 "ns/KiB", kFile, run_read_1m),
                      file),
      core::with_disk(experiment("preadv", "preadv 16 x 64 KiB",
                                 "The same file read with preadv() of 16 buffers per call: "
                                 "vectored I/O, one syscall per MiB.",
                                 "ns/KiB", kFile, run_preadv),
                      file),
  };
}

}  // namespace illusion::labs::syscalls
