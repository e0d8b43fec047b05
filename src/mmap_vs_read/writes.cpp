// The write side: a write(2) "finishes" when its bytes are in the page cache, long before they
// are on the disk. Each row writes 4 KiB ops of a known pattern, sequentially, into a file of
// its own, and makes them durable its own way:
//  - write_buffered: pwrite(2) only; one fsync(2) after the timed writes, timed on its own, and
//    /proc/meminfo Dirty before and after show what was still in memory when write() returned;
//  - write_fsync: pwrite(2) + fdatasync(2) per op, overwriting written blocks: data only;
//  - write_fsync_append: the same, each write extending the file, so each sync also commits the
//    new size and the new blocks to the journal;
//  - write_dsync_direct: O_DIRECT|O_DSYNC, each write(2) goes to the device and waits for it.
// After the timed writes (untimed): syscalls per op, then the file's pages are dropped and the
// written range read back and compared with the pattern.
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cmath>
#include <optional>
#include <stdexcept>
#include <string>

#include <fmt/format.h>

#include "core/errors.h"
#include "core/fd.h"
#include "core/format.h"
#include "core/measure.h"
#include "core/page_cache.h"
#include "core/resources.h"
#include "core/syscall_count.h"
#include "mmap_vs_read/io_file.h"
#include "mmap_vs_read/io_pass.h"
#include "mmap_vs_read/rows.h"
#include "mmap_vs_read/write_file.h"
#include "mmap_vs_read/write_loop.h"

namespace illusion::labs::mmap_vs_read {
namespace {

using writes::kWriteBlock;
using writes::TimedWrites;
using writes::write_time_share_s;
using writes::WriteFile;

// Durable ops whose p99 exceeds p50 by this factor wait for the device in two different ways
// (on the dev VM a flush takes either ~0.1 ms or ~4 ms, and which one dominates varies by run).
constexpr double kWideSpread = 10;

// An append costs "clearly more" than an overwrite above this ratio of p50s (sync noise on the
// dev VM moves either by ~10-20% between runs).
constexpr double kClearlyDearer = 1.3;

enum class Mode { buffered, fdatasync, fdatasync_append, dsync_direct };

bool syncs_each_op(Mode m) {
  return m == Mode::fdatasync || m == Mode::fdatasync_append;
}

// One op: one pwrite(2) of a block (and, for the fdatasync rows, one fdatasync(2)), so the
// syscall count of the untimed pass is the row's real count.
struct WriteOp {
  int fd;
  bool sync;
  void operator()(const char* block, std::uint64_t offset) const {
    const ssize_t n = core::retry_eintr(
        [&] { return ::pwrite(fd, block, kWriteBlock, static_cast<off_t>(offset)); });
    if (n < 0) core::throw_errno("pwrite of 4 KiB to a write row's file");
    if (static_cast<std::size_t>(n) != kWriteBlock)
      throw std::runtime_error(fmt::format("short pwrite: {} of {} bytes", n, kWriteBlock));
    if (sync && ::fdatasync(fd) != 0) core::throw_errno("fdatasync of a write row's file");
  }
};

struct ModeText {
  const char* stem;      // the file's name, for a listing taken while it still had one
  const char* sync;      // param "sync"
  const char* op_words;  // param "op"
};

ModeText text_of(Mode m) {
  switch (m) {
    case Mode::buffered:
      return {"write-buffered",
              "none per op (page cache only); one fsync(2) after the timed writes",
              "one pwrite(2) of 4 KiB over a written block"};
    case Mode::fdatasync:
      return {"write-fdatasync",
              "fdatasync(2) after every write: the data and only the metadata needed to read it "
              "back (an overwrite changes none), not the timestamps fsync(2) would add",
              "one pwrite(2) of 4 KiB over a written block, then fdatasync(2)"};
    case Mode::fdatasync_append:
      return {"write-append",
              "fdatasync(2) after every write; each write extends the file, so each sync also "
              "commits the new size and blocks",
              "one pwrite(2) of 4 KiB at the end of the file, then fdatasync(2)"};
    case Mode::dsync_direct:
      return {"write-dsync-direct",
              "O_DIRECT|O_DSYNC on open(2): each write(2) bypasses the page cache and returns "
              "once the device has the data",
              "one pwrite(2) of 4 KiB from a 4 KiB-aligned buffer over a written block"};
  }
  return {};
}

std::optional<double> per_op(const core::Result& r, const std::string& counter) {
  const core::CounterValue* c = r.counter(counter);
  return c ? c->per_op : std::nullopt;
}

std::string switches_words(const core::Result& r) {
  const std::optional<double> v = per_op(r, "rusage_voluntary_switches");
  return v ? fmt::format("{} voluntary context switches per op", core::format_count(*v))
           : std::string("voluntary switches not counted");
}

// p50 of an earlier row of this run, for the meaning line's comparison; nullopt when absent.
std::optional<double> earlier_p50(const core::RunContext& ctx, const std::string& id) {
  if (!ctx.earlier) return std::nullopt;
  const core::Result* e = core::find_result(*ctx.earlier, std::string(kLabId) + "." + id);
  if (!e || !e->stats || e->stats->p50 <= 0) return std::nullopt;
  return e->stats->p50;
}

// The buffered row's evidence: the one fsync(2) after the writes and the rise of Dirty.
void record_deferred_work(core::Result& r, const WriteFile& file, const TimedWrites& w,
                          const core::Clock& clock, const core::FsInfo& fs,
                          std::optional<double> dirty_before_kib,
                          std::optional<double> dirty_after_kib) {
  const double t0 = clock.now_ns();
  if (::fsync(file.fd()) != 0) core::throw_errno("fsync of a write row's file");
  const double fsync_ns = clock.now_ns() - t0 - clock.info().overhead_ns;
  r.add_metric("fsync_after_ns", fsync_ns, "ns");
  if (r.stats && r.stats->p50 > 0)
    r.add_metric("fsync_after_vs_write_p50", fsync_ns / r.stats->p50, "x");
  if (!dirty_before_kib || !dirty_after_kib) {
    r.warnings.push_back("/proc/meminfo Dirty unreadable: the dirty data was not measured");
    return;
  }
  const double delta_mib = (*dirty_after_kib - *dirty_before_kib) / 1024.0;
  const double written_mib = static_cast<double>(w.bytes) / static_cast<double>(kMiB);
  r.add_metric("dirty_delta_mib", delta_mib, "MiB");
  r.add_param("dirty_source", "/proc/meminfo Dirty (system-wide) before and after the writes");
  // tmpfs pages are never written back, so the kernel does not count them as Dirty.
  if (!fs.memory_backed && delta_mib < 0.5 * written_mib)
    r.warnings.push_back(fmt::format(
        "Dirty rose by only {:.1f} MiB for {:.1f} MiB written: writeback (of this file or of "
        "other processes' data, Dirty is system-wide) ran during the writes",
        delta_mib, written_mib));
}

std::string buffered_meaning(const core::Result& r, std::uint64_t bytes, const core::FsInfo& fs) {
  const core::Metric* fsync_ns = r.metric("fsync_after_ns");
  const core::Metric* dirty = r.metric("dirty_delta_mib");
  const std::string head = fmt::format(
      "buffered pwrite() 4 KiB: {} at p50, {} at p99 ({:.2f} GB/s)", core::format_ns(r.stats->p50),
      core::format_ns(r.stats->p99), r.metric("throughput_gbps")->value);
  if (fs.memory_backed)
    return fmt::format(
        "{}; on {} the fsync(2) afterwards took {}: there is no disk, the page "
        "cache is the file",
        head, fs.name, core::format_ns(fsync_ns->value));
  return fmt::format(
      "{}; the fsync(2) of the {} written afterwards took {} = {} one write at p50{}: write() "
      "returned long before the data was durable",
      head, core::format_size(bytes), core::format_ns(fsync_ns->value),
      core::format_ratio(fsync_ns->value / r.stats->p50),
      dirty ? fmt::format(", and Dirty had risen by {:.1f} MiB", dirty->value) : "");
}

std::string durable_meaning(const core::RunContext& ctx, const core::Result& r, Mode mode,
                            const core::FsInfo& fs) {
  const double mb_per_s = r.metric("throughput_gbps")->value * 1000;
  std::string head;
  if (mode == Mode::fdatasync) head = "pwrite() 4 KiB + fdatasync()";
  if (mode == Mode::fdatasync_append) head = "appending pwrite() 4 KiB + fdatasync()";
  if (mode == Mode::dsync_direct) head = "O_DIRECT|O_DSYNC pwrite() 4 KiB";
  std::string line = fmt::format("{}: {} at p50, {} at p99, {} IOPS ({} MB/s), {}", head,
                                 core::format_ns(r.stats->p50), core::format_ns(r.stats->p99),
                                 core::format_whole(r.metric("iops")->value),
                                 core::format_sig3(mb_per_s), switches_words(r));
  if (const auto buffered = earlier_p50(ctx, "write_buffered"))
    line += fmt::format("; {} a buffered write", core::format_ratio(r.stats->p50 / *buffered));
  if (mode == Mode::fdatasync_append)
    if (const auto overwrite = earlier_p50(ctx, "write_fsync")) {
      const double ratio = r.stats->p50 / *overwrite;
      line += fmt::format("; {} the overwrite with fdatasync{}", core::format_ratio(ratio),
                          ratio >= kClearlyDearer && !fs.memory_backed
                              ? " (extending the file makes each sync "
                                "commit its new size to the journal too)"
                              : "");
    }
  return line;
}

void record_common(core::Result& r, const TimedWrites& w, Mode mode, std::uint64_t capacity,
                   const core::FsInfo& fs, const core::RunContext& ctx) {
  const double busy = w.busy_ns();
  r.add_metric("throughput_gbps", gb_per_s(static_cast<double>(w.bytes), busy), "GB/s");
  r.add_metric("iops", busy > 0 ? w.ops() / busy * 1e9 : 0, "ops/s");
  r.add_metric("ops", w.ops(), "ops");
  r.add_metric("bytes_written", static_cast<double>(w.bytes), "B");
  const ModeText t = text_of(mode);
  r.add_param("op", t.op_words);
  r.add_param("sync", t.sync);
  r.add_param("file_bytes", static_cast<double>(capacity));
  r.add_param("filesystem", fs.name);
  r.add_param("prefill",
              mode == Mode::fdatasync_append
                  ? "none: the file starts empty and every write extends it"
                  : "the whole file written (0x5a) and fdatasync'd before timing, untimed: the "
                    "timed writes overwrite allocated, written blocks (fallocate(2) would leave "
                    "unwritten extents, whose conversion the journal commits on each sync)");
  r.add_param("stopped_at", w.hit_cap ? "the file's size" : "the row's time share");
  r.add_param("time_share_s", write_time_share_s(ctx.profile));
  r.add_param("clock_overhead_subtracted_ns", ctx.clock->info().overhead_ns);
  r.add_param("verified", fmt::format("after the page cache dropped the file, the {} written "
                                      "were read back and matched the pattern",
                                      core::format_size(w.bytes)));
  if (fs.memory_backed)
    r.warnings.push_back(fmt::format(
        "{} is memory-backed: fsync/fdatasync/O_DSYNC have no disk to wait for and nothing "
        "written here reaches a disk (use --dir on a disk-backed filesystem)",
        fs.name));
}

// Syscalls per op in an untimed pass: the same op, over blocks already written (with the same
// pattern, so the read-back still holds).
void count_op_syscalls(core::Result& r, const WriteOp& op, const TimedWrites& w, Mode mode) {
  const std::uint64_t blocks = w.bytes / kWriteBlock;
  const std::uint64_t repeats = std::min<std::uint64_t>(mode == Mode::buffered ? 64 : 8, blocks);
  writes::AlignedBuffer pattern(repeats * kWriteBlock);
  writes::fill_pattern(pattern.data(), 0, pattern.size());
  std::uint64_t i = 0;
  core::count_syscalls(r, repeats, [&] {
    op(pattern.data() + i * kWriteBlock, i * kWriteBlock);
    ++i;
  });
}

core::Result run_write(core::RunContext& ctx, core::Result r, Mode mode) {
  const std::uint64_t capacity = writes::write_file_bytes(ctx);
  const core::FsInfo fs = core::filesystem_of(ctx.temp_dir);
  core::require_free_disk(ctx.temp_dir, capacity, "a write row's own file");
  WriteFile file(ctx.temp_dir, text_of(mode).stem, capacity, mode != Mode::fdatasync_append);
  core::Fd direct;
  if (mode == Mode::dsync_direct) {
    direct = file.reopen(O_DIRECT | O_DSYNC);
    if (!direct.valid() && errno == EINVAL)
      return core::skipped(std::move(r),
                           fmt::format("{} refuses O_DIRECT (open(2) failed with EINVAL): "
                                       "there is no direct path to a device to time",
                                       fs.name));
    if (!direct.valid()) core::throw_errno("cannot reopen a write row's file O_DIRECT|O_DSYNC");
    file.drop_cached_pages();  // the direct writes then have no cached pages to invalidate
  }
  const WriteOp op{direct.valid() ? direct.get() : file.fd(), syncs_each_op(mode)};

  const std::optional<double> dirty_before = core::meminfo_kib("Dirty");
  core::CounterWindow window(/*enabled=*/true);
  const TimedWrites w =
      writes::timed_writes(*ctx.clock, capacity, write_time_share_s(ctx.profile) * 1e9, window, op,
                           [&ctx](double done) { ctx.report_progress(0.8 * done); });
  const std::optional<double> dirty_after = core::meminfo_kib("Dirty");

  core::finish_result(r, w.op_ns, w.ops(), &window);
  if (mode == Mode::buffered)
    record_deferred_work(r, file, w, *ctx.clock, fs, dirty_before, dirty_after);
  count_op_syscalls(r, op, w, mode);
  ctx.report_progress(0.9);
  if (!file.holds_pattern(w.bytes))
    throw std::runtime_error("read back after the timed writes, the file differs from the pattern");
  record_common(r, w, mode, capacity, fs, ctx);
  if (mode != Mode::buffered && r.stats->p99 > kWideSpread * r.stats->p50)
    r.warnings.push_back(fmt::format(
        "durable op times spread widely (p50 {}, p99 {}): the device's flushes took very "
        "different times during this row, so its p50 may move a lot between runs",
        core::format_ns(r.stats->p50), core::format_ns(r.stats->p99)));
  r.meaning =
      mode == Mode::buffered ? buffered_meaning(r, w.bytes, fs) : durable_meaning(ctx, r, mode, fs);
  return r;
}

core::Experiment write_row(std::string id, std::string title, std::string shows,
                           core::DurationHint hint, Mode mode) {
  core::Experiment e = experiment(
      std::move(id), std::move(title), std::move(shows), "ns/op", hint,
      [mode](core::RunContext& ctx, core::Result r) { return run_write(ctx, std::move(r), mode); });
  // The row's own file depends on the profile, which `extra_disk` (a fixed number) cannot
  // follow: declare the shared test file (as every row of the lab does) plus this exact size.
  e.disk = [](const core::RunContext& ctx) {
    const std::uint64_t shared = test_file_bytes(ctx), own = writes::write_file_bytes(ctx);
    return core::DiskNeed{shared + own, std::max(shared, own)};
  };
  return e;
}

}  // namespace

std::vector<core::Experiment> write_rows() {
  const core::DurationHint buffered{0.2, 0.5, 1.5}, durable{0.5, 1.8, 5.5};
  return {
      write_row("write_buffered", "pwrite() 4 KiB, buffered",
                "A buffered write returns once its bytes are in the page cache; the fsync "
                "after the writes shows the work it left undone",
                buffered, Mode::buffered),
      write_row("write_fsync", "pwrite() 4 KiB + fdatasync()",
                "Making each 4 KiB overwrite durable: the write, then a wait for the device to "
                "flush it",
                durable, Mode::fdatasync),
      write_row("write_fsync_append", "append 4 KiB + fdatasync()",
                "An appending write changes the file's size: each fdatasync also commits it to "
                "the journal",
                durable, Mode::fdatasync_append),
      write_row("write_dsync_direct", "O_DIRECT|O_DSYNC write 4 KiB",
                "A write that bypasses the page cache and returns once the device has it", durable,
                Mode::dsync_direct),
  };
}

}  // namespace illusion::labs::mmap_vs_read
