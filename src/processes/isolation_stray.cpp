// A stray write: one piece of code writes one slot past the end of its buffer, onto a value
// that other code relies on. Between two threads the damage is shared, since threads share one
// address space; between two processes it is not, since after fork(2) each side writes its own
// copy of the page (copy-on-write).
//
// Both runs are made deterministic and free of undefined behaviour on purpose: the buffer and
// the victim value are two parts of one array, so the "stray" store is out of bounds only for
// the buffer as its user sees it, never for the object in C++ terms, and the optimiser has no
// licence to assume it away. The length comes from a volatile, so the compiler cannot see the
// off-by-one either and must emit the loop as written.
#include <unistd.h>

#include <array>
#include <atomic>
#include <cstdint>
#include <thread>
#include <utility>

#include <fmt/format.h>

#include "core/measure.h"
#include "processes/child.h"
#include "processes/isolation.h"

namespace illusion::labs::processes {
namespace {

constexpr std::size_t kBufferCells = 8;            // the writer's buffer: cells[0..8)
constexpr std::size_t kVictimCell = kBufferCells;  // the value right after it
constexpr std::int64_t kExpected = 0x5EED;         // what the owner of the value stored
constexpr std::int64_t kStray = 0x0BAD;            // what the buffer is filled with

struct Arena {
  std::array<std::int64_t, 16> cells{};
};

// The buffer's length as its writer believes it; volatile, so the bug below stays opaque.
volatile std::size_t g_buffer_len = kBufferCells;

// The bug: `<=` where `<` was meant, so the fill writes one cell past the buffer, onto the
// victim value (still inside `Arena::cells`, so inside the object).
__attribute__((noinline)) void fill_off_by_one(std::int64_t* buffer, std::size_t len,
                                               std::int64_t value) {
  for (std::size_t i = 0; i <= len; ++i) buffer[i] = value;
}

std::int64_t read_victim(const Arena& a) {
  return *static_cast<const volatile std::int64_t*>(&a.cells[kVictimCell]);
}

// Each run is a fork, a few syscalls and a wait (~0.3-0.6 ms), so the rows sample by time like
// the other fork rows: warm-up, then runs until a share of the profile's budget is spent
// (~0.1 s, a few hundred runs). A fixed 40 runs left the median's 95% interval ±11% wide
// when the runs met a busy moment of the machine.
constexpr double kStrayBudgetScale = 0.3;

// A child that ended before reporting what it saw; thrown out of the timed op.
struct MissingReport {
  ExitStatus status;
};

// In a child process, so that illusion's own memory never takes the stray write: thread A owns
// the value, thread B fills its buffer; A stores, B fills, A reads back. The stages are ordered
// with release/acquire atomics, so there is no data race, only the bug.
int threads_body(ValuePipe& pipe) {
  pipe.close_read();
  Arena arena;
  std::atomic<int> stage{0};
  std::int64_t seen_by_a = 0;
  std::thread a([&] {
    arena.cells[kVictimCell] = kExpected;
    stage.store(1, std::memory_order_release);
    while (stage.load(std::memory_order_acquire) != 2) std::this_thread::yield();
    seen_by_a = read_victim(arena);
  });
  std::thread b([&] {
    while (stage.load(std::memory_order_acquire) != 1) std::this_thread::yield();
    fill_off_by_one(arena.cells.data(), g_buffer_len, kStray);
    stage.store(2, std::memory_order_release);
  });
  a.join();
  b.join();
  return pipe.send(&seen_by_a, sizeof seen_by_a) ? 0 : 3;
}

core::Result missing_report(core::Result r, const ExitStatus& st) {
  r.status = core::Status::failed;
  r.reason = fmt::format("the child ended with {} before reporting what it saw", st.describe());
  return r;
}

core::MeasureOptions stray_options() {
  core::MeasureOptions opt;
  opt.budget_scale = kStrayBudgetScale;
  opt.batch = 1;  // one run per sample: a run is long enough to time alone
  // The rows show an outcome, not event counts; the counters of this process alone would miss
  // the child's copy-on-write fault anyway.
  opt.counters = false;
  return opt;
}

}  // namespace

core::Result run_stray_write_thread(core::RunContext& ctx, core::Result r) {
  // Every run counts, warm-up and counting pass included: the outcome is per run, not per sample.
  int rounds = 0;
  int corrupted = 0;
  std::int64_t last_seen = 0;
  auto one_run = [&] {
    ValuePipe pipe;
    Child child = Child::fork([&pipe] { return threads_body(pipe); });
    std::int64_t seen = 0;
    const bool got = pipe.receive(&seen, sizeof seen);
    const ExitStatus st = child.wait();
    if (!got) throw MissingReport{st};
    ++rounds;
    corrupted += seen != kExpected;
    last_seen = seen;
  };
  core::Result before = r;  // measure() takes r; a failed run reports from this copy
  try {
    r = core::measure(ctx, std::move(r), one_run, stray_options());
  } catch (const MissingReport& m) {
    return missing_report(std::move(before), m.status);
  }
  const bool all = corrupted == rounds;
  r.add_param("op",
              "in a child: thread A stores a value, thread B's off-by-one fill runs, A "
              "reads the value back");
  r.add_param("outcome",
              corrupted > 0 ? "corrupted: the other thread saw the stray write" : "intact");
  r.add_param("expected", fmt::format("{:#x}", kExpected));
  r.add_param("seen_by_a", fmt::format("{:#x}", last_seen));
  r.add_param("rounds", static_cast<double>(rounds));
  r.add_metric("corrupted_runs", corrupted, "runs");
  r.add_metric("runs", rounds, "runs");
  if (!all)
    r.warnings.push_back(fmt::format(
        "the stray write reached the other thread's value in {} of {} runs, expected every run",
        corrupted, rounds));
  r.meaning = fmt::format(
      "a stray write in one thread changed data another thread saw: A stored {:#x}, B's "
      "off-by-one fill ran, A read back {:#x} ({} of {} runs); threads share one address "
      "space, so nothing stands between them",
      kExpected, last_seen, corrupted, rounds);
  return r;
}

core::Result run_stray_write_process(core::RunContext& ctx, core::Result r) {
  int rounds = 0;
  int parent_corrupted = 0, child_corrupted = 0;
  std::int64_t child_seen = 0, parent_seen = 0;
  auto one_run = [&] {
    Arena arena;
    arena.cells[kVictimCell] = kExpected;
    ValuePipe pipe;
    // The child runs the same buggy fill on its copy of the arena: its store faults, the
    // kernel copies the page, and the write lands in the copy.
    Child child = Child::fork([&] {
      pipe.close_read();
      fill_off_by_one(arena.cells.data(), g_buffer_len, kStray);
      const std::int64_t seen = read_victim(arena);
      return pipe.send(&seen, sizeof seen) ? 0 : 3;
    });
    std::int64_t seen = 0;
    const bool got = pipe.receive(&seen, sizeof seen);
    const ExitStatus st = child.wait();
    if (!got) throw MissingReport{st};
    ++rounds;
    child_seen = seen;
    parent_seen = read_victim(arena);
    child_corrupted += child_seen != kExpected;
    parent_corrupted += parent_seen != kExpected;
  };
  core::Result before = r;  // measure() takes r; a failed run reports from this copy
  try {
    r = core::measure(ctx, std::move(r), one_run, stray_options());
  } catch (const MissingReport& m) {
    return missing_report(std::move(before), m.status);
  }
  r.add_param("op",
              "this process stores a value, a forked child runs the off-by-one fill on "
              "its copy, this process reads the value back");
  r.add_param("outcome", parent_corrupted == 0 ? "isolated: the parent's value is intact"
                                               : "corrupted: the parent saw the child's write");
  r.add_param("expected", fmt::format("{:#x}", kExpected));
  r.add_param("seen_by_child", fmt::format("{:#x}", child_seen));
  r.add_param("seen_by_parent", fmt::format("{:#x}", parent_seen));
  r.add_param("rounds", static_cast<double>(rounds));
  r.add_metric("parent_corrupted_runs", parent_corrupted, "runs");
  r.add_metric("child_copy_corrupted_runs", child_corrupted, "runs");
  r.add_metric("runs", rounds, "runs");
  if (parent_corrupted > 0)
    r.warnings.push_back(
        fmt::format("the child's stray write reached this process in {} of {} runs: no isolation",
                    parent_corrupted, rounds));
  if (child_corrupted != rounds)
    r.warnings.push_back(fmt::format(
        "the stray write changed the child's own copy in only {} of {} runs: the bug did not "
        "fire as built",
        child_corrupted, rounds));
  r.meaning = fmt::format(
      "the same stray write in a forked child changed only the child's copy: the child saw "
      "{:#x}, this process still read {:#x} ({} of {} runs intact); copy-on-write gave the "
      "child its own page",
      child_seen, parent_seen, rounds - parent_corrupted, rounds);
  return r;
}

}  // namespace illusion::labs::processes
