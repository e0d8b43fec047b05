#include "vm/stalls_frames.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <system_error>
#include <vector>

#include <fmt/format.h>

#include "core/barrier.h"
#include "core/scratch_file.h"
#include "core/test_hooks.h"

namespace illusion::labs::vm {
namespace {

constexpr std::size_t kPage = 4096;
constexpr std::size_t kLine = 64;

double monotonic_ns() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<double>(ts.tv_sec) * 1e9 + static_cast<double>(ts.tv_nsec);
}

timespec to_timespec(double ns) {
  timespec ts{};
  ts.tv_sec = static_cast<time_t>(ns / 1e9);
  ts.tv_nsec = static_cast<long>(ns - static_cast<double>(ts.tv_sec) * 1e9);
  if (ts.tv_nsec >= 1000000000L) {
    ++ts.tv_sec;
    ts.tv_nsec -= 1000000000L;
  }
  if (ts.tv_nsec < 0) ts.tv_nsec = 0;
  return ts;
}

}  // namespace

FrameWork::FrameWork(std::size_t buffer_bytes, std::uint64_t passes)
    : mem_(buffer_bytes), passes_(passes) {
  mem_.touch_all();
  run();  // the lines are now in whatever cache level holds them, and every page is mapped
}

void FrameWork::calibrate(const core::Clock& clock, double target_ns) {
  const std::uint64_t saved = passes_;
  passes_ = 1;
  double best = 1e300;
  for (int i = 0; i < 5; ++i) {
    const double t0 = clock.now_ns();
    run();
    best = std::min(best, clock.now_ns() - t0);
  }
  passes_ = best > 0 ? std::max<std::uint64_t>(
                           1, static_cast<std::uint64_t>(std::llround(target_ns / best)))
                     : saved;
}

void FrameWork::run() const {
  char* p = mem_.data();
  const std::size_t n = mem_.size();
  for (std::uint64_t pass = 0; pass < passes_; ++pass) {
    for (std::size_t off = 0; off < n; off += kLine) p[off] = static_cast<char>(p[off] + 1);
    core::clobber_memory();
  }
}

std::unique_ptr<EvictedFilePage> EvictedFilePage::make(const std::string& dir, std::string& why) {
  if (dir.empty()) {
    why = "no temporary directory in this run";
    return nullptr;
  }
  std::unique_ptr<EvictedFilePage> f(new EvictedFilePage());
  try {
    f->fd_ = core::open_nameless_file(dir, "major-fault");
  } catch (const std::system_error& e) {
    why = e.what();
    return nullptr;
  }
  f->bytes_ = 1u << 20;
  f->offset_ = f->bytes_ / 2;
  std::vector<char> chunk(64 * 1024, 'x');
  for (std::size_t off = 0; off < f->bytes_; off += chunk.size()) {
    if (pwrite(f->fd_.get(), chunk.data(), chunk.size(), static_cast<off_t>(off)) !=
        static_cast<ssize_t>(chunk.size())) {
      why = fmt::format("writing the file failed: {}", std::strerror(errno));
      return nullptr;
    }
    core::test_stop_point(core::kStopAfterFirstWrite);
  }
  // Dirty pages cannot be dropped: write them back first, then ask the kernel to drop the clean
  // ones (posix_fadvise(2): POSIX_FADV_DONTNEED is advice, tmpfs and busy pages ignore it).
  if (fdatasync(f->fd_.get()) != 0) {
    why = fmt::format("fdatasync failed: {}", std::strerror(errno));
    return nullptr;
  }
  void* m = mmap(nullptr, f->bytes_, PROT_READ, MAP_SHARED, f->fd_.get(), 0);
  if (m == MAP_FAILED) {
    why = fmt::format("mmap of the file failed: {}", std::strerror(errno));
    return nullptr;
  }
  f->map_ = static_cast<char*>(m);
  // No readahead around the fault (madvise(2) MADV_RANDOM): the major fault reads its own page
  // only, instead of a window of up to read_ahead_kb around it.
  madvise(f->map_, f->bytes_, MADV_RANDOM);
  for (int attempt = 0; attempt < 3 && f->resident(); ++attempt) {
    posix_fadvise(f->fd_.get(), 0, 0, POSIX_FADV_DONTNEED);
  }
  if (f->resident()) {
    why =
        "the page stayed in the page cache after fdatasync and POSIX_FADV_DONTNEED "
        "(tmpfs, or a filesystem that keeps it)";
    return nullptr;
  }
  return f;
}

EvictedFilePage::~EvictedFilePage() {
  if (map_) munmap(map_, bytes_);
}

bool EvictedFilePage::resident() const {
  unsigned char vec = 0;
  if (mincore(map_ + offset_, kPage, &vec) != 0) return true;  // unknown: assume cached
  return (vec & 1) != 0;
}

int FrameLoopRun::missed() const {
  return static_cast<int>(
      std::count_if(frames.begin(), frames.end(), [](const FrameRecord& f) { return f.missed; }));
}

int FrameLoopRun::missed_late_start(double late_ns) const {
  return static_cast<int>(std::count_if(frames.begin(), frames.end(), [&](const FrameRecord& f) {
    return f.missed && f.wake_late_ns > late_ns;
  }));
}

double FrameLoopRun::worst_span_ns() const {
  double w = 0;
  for (const FrameRecord& f : frames) w = std::max(w, f.span_ns);
  return w;
}

double FrameLoopRun::worst_work_ns() const {
  double w = 0;
  for (const FrameRecord& f : frames) w = std::max(w, f.work_ns);
  return w;
}

double FrameLoopRun::mean_work_ns() const {
  double s = 0;
  for (const FrameRecord& f : frames) s += f.work_ns;
  return frames.empty() ? 0 : s / static_cast<double>(frames.size());
}

double FrameLoopRun::mean_minor_faults() const {
  double s = 0;
  for (const FrameRecord& f : frames) s += static_cast<double>(f.minor_faults);
  return frames.empty() ? 0 : s / static_cast<double>(frames.size());
}

FrameLoopRun run_frame_loop(const core::Clock& clock, const FrameWork& work,
                            const FrameLoopConfig& cfg) {
  FrameLoopRun run;
  run.frames.reserve(static_cast<std::size_t>(std::max(cfg.frames, 0)));
  if (cfg.counters) run.window = std::make_unique<core::CounterWindow>(true);
  // The schedule is absolute: frame k starts at t0 + k x period whatever the frames before it
  // did, as a display's vsync would have it, so a late frame eats into the next one's budget
  // instead of shifting every later deadline.
  const double t0 = monotonic_ns() + cfg.period_ns;
  if (run.window) run.window->start();
  for (int k = 0; k < cfg.frames; ++k) {
    const double start = t0 + k * cfg.period_ns;
    const timespec ts = to_timespec(start);
    while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, nullptr) == EINTR) {
    }
    FrameRecord f;
    f.wake_late_ns = monotonic_ns() - start;
    const core::RusageSnapshot ru0 = core::RusageSnapshot::now();
    const double w0 = clock.now_ns();
    work.run();
    if (cfg.fresh && cfg.fresh_pages_per_frame > 0) {
      volatile char* fresh =
          cfg.fresh + static_cast<std::size_t>(k) * cfg.fresh_pages_per_frame * kPage;
      for (std::size_t i = 0; i < cfg.fresh_pages_per_frame; ++i) fresh[i * kPage] = 1;
    }
    if (k == cfg.major_frame && cfg.major_page) {
      const char c = *cfg.major_page;
      core::do_not_optimize(c);
    }
    core::clobber_memory();
    const double w1 = clock.now_ns();
    const double end = monotonic_ns();
    const core::RusageSnapshot ru1 = core::RusageSnapshot::now();
    f.work_ns = w1 - w0;
    f.span_ns = end - start;
    f.minor_faults = ru1.minor_faults - ru0.minor_faults;
    f.major_faults = ru1.major_faults - ru0.major_faults;
    f.missed = f.work_ns > cfg.period_ns || f.span_ns > cfg.period_ns;
    run.frames.push_back(f);
  }
  if (run.window) run.window->stop();
  return run;
}

}  // namespace illusion::labs::vm
