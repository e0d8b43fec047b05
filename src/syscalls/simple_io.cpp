// Syscalls that do a little real work: 1-byte I/O on character devices, the EBADF fast path,
// and path lookups (stat, open+close) on a small file in the run's temporary directory.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstring>

#include <fmt/format.h>

#include "core/barrier.h"
#include "core/errors.h"
#include "core/fd.h"
#include "core/format.h"
#include "core/measure.h"
#include "syscalls/common.h"
#include "syscalls/rows.h"

namespace illusion::labs::syscalls {
namespace {

// Counts calls that did not do what the op claims, so a figure for an error path is never
// passed off as the real thing.
struct Failures {
  std::uint64_t count = 0;
  int first_errno = 0;
  void note() {
    if (count++ == 0) first_errno = errno;
  }
  void report(core::Result& r, const char* what) const {
    if (count == 0) return;
    r.warnings.push_back(
        fmt::format("{} failed {} times during sampling (first error: {}): the "
                    "figure includes the error path",
                    what, count, std::strerror(first_errno)));
  }
};

int open_or_throw(const char* path, int flags) {
  const int fd = core::retry_eintr([&] { return ::open(path, flags | O_CLOEXEC); });
  if (fd < 0) core::throw_errno(fmt::format("cannot open {}", path));
  return fd;
}

std::string probe_name(const char* what) {
  return fmt::format("syscalls-{}-{}", what, static_cast<long>(getpid()));
}

core::Result run_read_dev_zero(core::RunContext& ctx, core::Result r) {
  // null(4): reads from /dev/zero return zero bytes; one byte keeps the copy negligible, so the
  // figure is the read(2) path itself (fd lookup, file op dispatch, copy_to_user).
  const core::Fd fd(open_or_throw("/dev/zero", O_RDONLY));
  Failures failures;
  char byte = 1;
  r = measure_and_count(ctx, std::move(r), [&] {
    if (::read(fd.get(), &byte, 1) != 1) failures.note();
    core::do_not_optimize(byte);
  });
  failures.report(r, "read(/dev/zero, 1)");
  r.add_param("category", kCategorySyscall);
  r.add_param("op", "read(fd, buf, 1) on /dev/zero");
  const double p50 = r.stats->p50;
  r.meaning = fmt::format("{} per 1-byte read(){}{}", core::format_ns(p50),
                          vs_function_call(ctx, p50), counted_syscalls_note(r));
  return r;
}

core::Result run_write_dev_null(core::RunContext& ctx, core::Result r) {
  // null(4): writes to /dev/null succeed and discard the data, without even copying it.
  const core::Fd fd(open_or_throw("/dev/null", O_WRONLY));
  Failures failures;
  const char byte = 'x';
  r = measure_and_count(ctx, std::move(r), [&] {
    if (::write(fd.get(), &byte, 1) != 1) failures.note();
  });
  failures.report(r, "write(/dev/null, 1)");
  r.add_param("category", kCategorySyscall);
  r.add_param("op", "write(fd, buf, 1) on /dev/null");
  const double p50 = r.stats->p50;
  r.meaning = fmt::format("{} per 1-byte write(){}{}", core::format_ns(p50),
                          vs_function_call(ctx, p50), counted_syscalls_note(r));
  return r;
}

core::Result run_close_ebadf(core::RunContext& ctx, core::Result r) {
  // close(2) on -1 fails with EBADF at the first check of the fd table: the kernel does the
  // entry, one lookup, and the exit, nothing else.
  Failures wrong;
  r = measure_and_count(ctx, std::move(r), [&] {
    if (::close(-1) != -1) wrong.note();
  });
  wrong.report(r, "close(-1) (expected EBADF)");
  r.add_param("category", kCategorySyscall);
  r.add_param("op", "close(-1) -> EBADF");
  const double p50 = r.stats->p50;
  r.meaning = fmt::format("{} for a syscall that fails at once (EBADF){}{}", core::format_ns(p50),
                          vs_function_call(ctx, p50), counted_syscalls_note(r));
  return r;
}

// " (mean 412 ns, the figure a whole-loop timer gives)": the tail of a path walk (a dentry
// lock waited for, an interrupt) lifts the mean of these rows 8-13% above the p50 on the dev VM,
// and a loop timed as a whole (perf bench, a hand-written loop) can only report the mean.
std::string loop_mean_note(const core::Result& r) {
  if (!r.stats) return "";
  return fmt::format(" (mean {}, the figure a whole-loop timer gives)",
                     core::format_ns(r.stats->mean));
}

core::Result run_stat(core::RunContext& ctx, core::Result r) {
  // stat(2) walks every component of the path through the dentry cache (path_resolution(7)),
  // so its cost grows with the depth of the path: we record the path used.
  FileRemover file(create_small_file(ctx.temp_dir, probe_name("stat")));
  Failures failures;
  struct stat st {};
  const char* path = file.path().c_str();
  r = measure_and_count(ctx, std::move(r), [&] {
    if (::stat(path, &st) != 0) failures.note();
    core::do_not_optimize(st);
  });
  failures.report(r, "stat()");
  r.add_param("category", kCategorySyscall);
  r.add_param("op", "stat(path)");
  r.add_param("path", file.path());
  const double p50 = r.stats->p50;
  r.meaning = fmt::format("{} per stat() of a cached path{}{}{}", core::format_ns(p50),
                          loop_mean_note(r), vs_function_call(ctx, p50), counted_syscalls_note(r));
  return r;
}

core::Result run_open_close(core::RunContext& ctx, core::Result r) {
  // open(2) resolves the path, allocates a struct file and the lowest free fd; close(2) frees
  // them (the final fput is deferred to task_work on return to user mode, so it is inside the
  // close() we time). One op is the pair: two syscalls.
  FileRemover file(create_small_file(ctx.temp_dir, probe_name("open")));
  Failures failures;
  const char* path = file.path().c_str();
  r = measure_and_count(ctx, std::move(r), [&] {
    const int fd = ::open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
      failures.note();
      return;
    }
    ::close(fd);
  });
  failures.report(r, "open()");
  r.add_param("category", kCategorySyscall);
  r.add_param("op", "open+close");
  r.add_param("path", file.path());
  const double p50 = r.stats->p50;
  r.meaning = fmt::format("{} per open+close pair (two syscalls and a path lookup){}{}{}",
                          core::format_ns(p50), loop_mean_note(r), vs_function_call(ctx, p50),
                          counted_syscalls_note(r, "pair"));
  return r;
}

}  // namespace

std::vector<core::Experiment> simple_io_rows() {
  // stat and open_close time a path lookup, so they need a file with a name: 32 bytes, one
  // filesystem block.
  const auto probe_file = [](const core::RunContext&) { return core::one_file(4096); };
  return {
      experiment(
          "read_dev_zero", "read 1 B /dev/zero",
          "A 1-byte read(): the VFS dispatch and a copy to user space on top of the mode switch.",
          "ns/op", kOp, run_read_dev_zero),
      experiment("write_dev_null", "write 1 B /dev/null",
                 "A 1-byte write() the device discards: the VFS write path with no work behind it.",
                 "ns/op", kOp, run_write_dev_null),
      experiment("close_ebadf", "close(-1) EBADF",
                 "A syscall that fails at its first check: the floor of any syscall's cost.",
                 "ns/op", kOp, run_close_ebadf),
      core::with_disk(
          experiment("stat", "stat()",
                     "stat() of a cached file: a path walk through the dentry cache per call.",
                     "ns/op", kOp, run_stat),
          probe_file),
      core::with_disk(experiment("open_close", "open+close",
                                 "Opening and closing a cached file (one op is the pair): path "
                                 "lookup plus file and fd allocation.",
                                 "ns/op", kOp, run_open_close),
                      probe_file),
  };
}

}  // namespace illusion::labs::syscalls
