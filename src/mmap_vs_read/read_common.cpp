#include "mmap_vs_read/read_common.h"

#include <sys/types.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <new>
#include <stdexcept>

#include <fmt/format.h>

#include "core/errors.h"
#include "core/syscall_count.h"

namespace illusion::labs::mmap_vs_read {
namespace {

constexpr std::size_t kPage = 4096;

// One call of `len` bytes at `offset` (pread) or at the descriptor's offset (read), retrying
// EINTR (a signal arrived before any byte moved).
ssize_t call_once(int fd, Call call, char* buf, std::size_t len, std::uint64_t offset) {
  return core::retry_eintr([&] {
    return call == Call::pread ? ::pread(fd, buf, len, static_cast<off_t>(offset))
                               : ::read(fd, buf, len);
  });
}

void rewind(int fd) {
  if (::lseek(fd, 0, SEEK_SET) != 0) core::throw_errno("lseek to the start of the test file");
}

}  // namespace

core::Result skip_with(core::Result r, std::string reason) {
  r.status = core::Status::skipped;
  r.reason = std::move(reason);
  return r;
}

const char* call_name(Call c) {
  return c == Call::pread ? "pread" : "read";
}

PassSum read_range(int fd, Call call, std::uint64_t limit, const AlignedBuffer& buf,
                   PassTimer* timer) {
  if (call == Call::read) rewind(fd);
  PassSum out;
  if (timer) timer->begin_pass();
  while (out.bytes < limit) {
    const std::size_t want =
        static_cast<std::size_t>(std::min<std::uint64_t>(buf.size(), limit - out.bytes));
    const ssize_t n = call_once(fd, call, buf.data(), want, out.bytes);
    if (n < 0) core::throw_errno(fmt::format("{} of the test file", call_name(call)));
    if (n == 0) break;
    out.sum += sum_words(buf.data(), static_cast<std::size_t>(n));
    out.bytes += static_cast<std::uint64_t>(n);
    if (timer) timer->op_done();
  }
  if (timer) timer->end_pass(out.bytes);
  return out;
}

PassSum read_span(int fd, Call call, std::uint64_t begin, std::uint64_t end,
                  const AlignedBuffer& buf) {
  if (call == Call::read && begin == 0) rewind(fd);
  PassSum out;
  std::uint64_t at = begin;
  while (at < end) {
    const std::size_t want = static_cast<std::size_t>(std::min<std::uint64_t>(buf.size(), end - at));
    const ssize_t n = call_once(fd, call, buf.data(), want, at);
    if (n < 0) core::throw_errno(fmt::format("{} of the test file", call_name(call)));
    if (n == 0)
      throw std::runtime_error(
          fmt::format("the test file ended at {} bytes, before the {} a pass reads", at, end));
    out.sum += sum_words(buf.data(), static_cast<std::size_t>(n));
    out.bytes += static_cast<std::uint64_t>(n);
    at += static_cast<std::uint64_t>(n);
  }
  return out;
}

void check_pass(const PassSum& got, std::uint64_t expected_sum, std::uint64_t expected_bytes) {
  if (got.bytes != expected_bytes)
    throw std::runtime_error(fmt::format("a pass delivered {} bytes of the test file, not {}",
                                         got.bytes, expected_bytes));
  if (got.sum != expected_sum)
    throw std::runtime_error("the bytes read differ from the bytes written (checksum mismatch)");
}

void count_call_syscalls(core::Result& r, int fd, Call call, std::uint64_t file_bytes,
                         const AlignedBuffer& buf, double ops_per_call) {
  constexpr std::uint64_t kMaxCalls = 64;
  const std::uint64_t calls = std::clamp<std::uint64_t>(file_bytes / buf.size(), 1, kMaxCalls);
  if (call == Call::read) rewind(fd);
  std::uint64_t next = 0;
  core::count_syscalls(
      r, calls,
      [&] {
        (void)call_once(fd, call, buf.data(), buf.size(), next * buf.size());
        ++next;
      },
      ops_per_call);
}

void StartResidency::add(const CacheSnapshot& s) {
  if (!s.resident) {
    known_ = false;
    return;
  }
  const double v = *s.resident;
  if (!any_)
    worst_ = v;
  else
    worst_ = cache_ == Cache::warm ? std::min(worst_, v) : std::max(worst_, v);
  any_ = true;
}

void StartResidency::record(core::Result& r) const {
  if (known_ && any_) r.add_metric("resident_at_start", worst_, "fraction");
}

void add_file_params(core::Result& r, const IoFile& f, const std::string& cache) {
  r.add_param("cache", cache);
  r.add_param("file_bytes", static_cast<double>(f.size()));
  r.add_param("filesystem", f.fs.name);
}

}  // namespace illusion::labs::mmap_vs_read
