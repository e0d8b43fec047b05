#include "scheduling/inversion_round.h"

#include <pthread.h>
#include <semaphore.h>
#include <time.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <functional>
#include <thread>
#include <vector>

#include <fmt/format.h>

#include "core/counters.h"
#include "scheduling/placement.h"

namespace illusion::labs::scheduling {
namespace {

// How long any thread of the cast waits for its cue before giving up. A round takes ~25 ms, so
// this only fires on a bug, and then the round ends (and is reported) instead of hanging.
constexpr double kCueTimeoutS = 2.0;
// How long L waits for H to have asked for the mutex. On one CPU under SCHED_FIFO, H preempts L
// the moment L wakes it, so the flag is already set; the bound keeps a broken round finite.
constexpr double kAskTimeoutNs = 5e6;

// A POSIX semaphore: its wait blocks in the kernel (futex) without spinning, which matters
// when real-time threads share the CPU with the waiter.
class Semaphore {
 public:
  Semaphore() { sem_init(&sem_, 0, 0); }
  Semaphore(const Semaphore&) = delete;
  Semaphore& operator=(const Semaphore&) = delete;
  ~Semaphore() { sem_destroy(&sem_); }
  void post() {
    posts_.fetch_add(1, std::memory_order_release);
    sem_post(&sem_);
  }
  // False when `timeout_s` passed first.
  bool wait_for(double timeout_s) {
    timespec deadline{};
    clock_gettime(CLOCK_MONOTONIC, &deadline);
    const auto whole = static_cast<time_t>(timeout_s);
    deadline.tv_sec += whole;
    deadline.tv_nsec += static_cast<long>((timeout_s - static_cast<double>(whole)) * 1e9);
    if (deadline.tv_nsec >= 1'000'000'000) {
      deadline.tv_sec += 1;
      deadline.tv_nsec -= 1'000'000'000;
    }
    while (sem_clockwait(&sem_, CLOCK_MONOTONIC, &deadline) != 0) {
      if (errno != EINTR) return false;
    }
    posts_.load(std::memory_order_acquire);
    return true;
  }

 private:
  sem_t sem_{};
  // The semaphore already orders what a thread wrote before post() before what the waiter reads
  // after it, but ThreadSanitizer (GCC 12) does not intercept sem_clockwait and would report
  // those reads as races; this release/acquire pair states the same ordering where it can see it.
  std::atomic<unsigned> posts_{0};
};

// The mutex the cast fights over, with the protocol under test (pthread_mutexattr_setprotocol
// (3): PTHREAD_PRIO_INHERIT makes the owner run at the priority of its highest waiter).
class StageMutex {
 public:
  explicit StageMutex(bool inherit) {
    pthread_mutexattr_t attr;
    pthread_mutexattr_init(&attr);
    const int protocol = inherit ? PTHREAD_PRIO_INHERIT : PTHREAD_PRIO_NONE;
    if (int err = pthread_mutexattr_setprotocol(&attr, protocol); err != 0) {
      error_ =
          fmt::format("pthread_mutexattr_setprotocol({}) failed: {}",
                      inherit ? "PTHREAD_PRIO_INHERIT" : "PTHREAD_PRIO_NONE", std::strerror(err));
    } else if (int init = pthread_mutex_init(&mutex_, &attr); init != 0) {
      error_ = fmt::format("pthread_mutex_init failed: {}", std::strerror(init));
    } else {
      ok_ = true;
    }
    pthread_mutexattr_destroy(&attr);
  }
  StageMutex(const StageMutex&) = delete;
  StageMutex& operator=(const StageMutex&) = delete;
  ~StageMutex() {
    if (ok_) pthread_mutex_destroy(&mutex_);
  }
  const std::string& error() const { return error_; }
  void lock() { pthread_mutex_lock(&mutex_); }
  void unlock() { pthread_mutex_unlock(&mutex_); }

 private:
  pthread_mutex_t mutex_{};
  bool ok_ = false;
  std::string error_;
};

// Clock readings of one round; each field is written by one thread and read after the joins.
struct Timeline {
  double lock_at = 0, request_at = 0, acquired_at = 0, unlock_at = 0;
  double medium_start = 0, medium_end = 0;
};

// Everything the three threads share for one round.
struct Stage {
  Stage(const core::Clock& c, const InversionConfig& cfg)
      : clock(c), config(cfg), mutex(cfg.inherit) {}
  const core::Clock& clock;
  const InversionConfig& config;
  StageMutex mutex;
  Semaphore ready;                          // each thread: pinned, policy set (or refused)
  Semaphore cue_low, cue_high, cue_medium;  // who goes next
  std::atomic<bool> abort{false};
  std::atomic<bool> low_holds{false};   // L owns the mutex right now
  std::atomic<bool> high_asked{false};  // H is about to call lock()
  // Written by one thread each, read after the joins.
  std::string setup_error[3];
  Timeline t;
  bool held_when_asked = false;
  std::atomic<bool> cue_missed{false};
  long low_preempted = 0, high_blocked = 0;
};

enum Role { kLow = 0, kMedium = 1, kHigh = 2 };

// Pins the calling thread to the stage's CPU and makes it SCHED_FIFO at `priority`; the guards
// undo both when the thread ends (the kernel would drop them with the thread anyway, but the
// guards keep the rule simple: every change is made through one).
void take_place(Stage& s, Role role, int priority, AffinityGuard& where, PolicyGuard& policy) {
  std::string why = where.pin(s.config.cpu);
  if (why.empty()) why = policy.set_fifo(priority);
  s.setup_error[role] = why;
  s.ready.post();
}

// Waits for this thread's cue; false when the round is being called off.
bool await_cue(Stage& s, Semaphore& cue) {
  if (!cue.wait_for(kCueTimeoutS)) {
    s.cue_missed = true;
    return false;
  }
  return !s.abort.load();
}

// L: take the mutex, wake H (which preempts L, asks, and blocks), wake M, then finish the
// critical section. With a plain mutex M (priority 20) preempts L (10) at its cue and spins its
// whole burst while H (30) waits; with PTHREAD_PRIO_INHERIT L runs at 30 while H waits, so M's
// cue only makes it runnable, and H gets the mutex after L's own work.
void hold_the_mutex(Stage& s) {
  s.mutex.lock();
  s.t.lock_at = s.clock.now_ns();
  const auto before = core::RusageSnapshot::now();
  s.low_holds = true;
  s.cue_high.post();
  const double ask_deadline = s.clock.now_ns() + kAskTimeoutNs;
  while (!s.high_asked.load() && s.clock.now_ns() < ask_deadline) {
  }
  s.cue_medium.post();
  // Bounded by the wall clock: after M's burst (plain mutex) nothing is left to do.
  const double left_ns = s.t.lock_at + s.config.critical_ns - s.clock.now_ns();
  if (left_ns > 0) spin_for(s.clock, left_ns);
  const auto after = core::RusageSnapshot::now();
  s.low_holds = false;
  s.t.unlock_at = s.clock.now_ns();
  s.mutex.unlock();
  s.low_preempted = static_cast<long>(after.involuntary_switches - before.involuntary_switches);
}

void low_thread(Stage& s) {
  AffinityGuard where;
  PolicyGuard policy;
  take_place(s, kLow, kLowPriority, where, policy);
  if (await_cue(s, s.cue_low)) {
    hold_the_mutex(s);
  } else {
    // Called off: H and M must not wait for cues that will never come.
    s.cue_high.post();
    s.cue_medium.post();
  }
}

void high_thread(Stage& s) {
  AffinityGuard where;
  PolicyGuard policy;
  take_place(s, kHigh, kHighPriority, where, policy);
  if (!await_cue(s, s.cue_high)) return;
  const auto before = core::RusageSnapshot::now();
  s.held_when_asked = s.low_holds.load();
  s.t.request_at = s.clock.now_ns();
  s.high_asked = true;
  s.mutex.lock();
  s.t.acquired_at = s.clock.now_ns();
  s.mutex.unlock();
  const auto after = core::RusageSnapshot::now();
  s.high_blocked = static_cast<long>(after.voluntary_switches - before.voluntary_switches);
}

void medium_thread(Stage& s) {
  AffinityGuard where;
  PolicyGuard policy;
  take_place(s, kMedium, kMediumPriority, where, policy);
  if (!await_cue(s, s.cue_medium)) return;
  s.t.medium_start = s.clock.now_ns();
  spin_for(s.clock, s.config.medium_ns);  // bounded: a few tens of ms at most
  s.t.medium_end = s.clock.now_ns();
}

// The cast's threads; the destructor calls the round off if L was never cued, then joins all,
// so no exit path (an exception from a thread's creation included) leaves a thread behind.
class Cast {
 public:
  explicit Cast(Stage& s) : s_(s) {}
  Cast(const Cast&) = delete;
  Cast& operator=(const Cast&) = delete;
  ~Cast() {
    if (!cued_) call_off();
    for (std::thread& t : threads_) t.join();
  }
  void add(void (*body)(Stage&)) { threads_.emplace_back(body, std::ref(s_)); }
  // Blocks until every thread has taken its place (or failed to); false on a timeout.
  bool await_ready() {
    for (std::size_t i = 0; i < threads_.size(); ++i) {
      if (!s_.ready.wait_for(kCueTimeoutS)) return false;
    }
    return true;
  }
  void cue_low() {
    cued_ = true;
    s_.cue_low.post();
  }
  void call_off() {
    cued_ = true;
    s_.abort = true;
    s_.cue_low.post();
    s_.cue_high.post();
    s_.cue_medium.post();
  }

 private:
  Stage& s_;
  std::vector<std::thread> threads_;
  bool cued_ = false;
};

std::string first_setup_error(const Stage& s) {
  static const char* const kNames[] = {"L", "M", "H"};
  for (int role : {kLow, kMedium, kHigh}) {
    if (!s.setup_error[role].empty())
      return fmt::format("{}: {}", kNames[role], s.setup_error[role]);
  }
  return "";
}

// What broke the script L-locks -> H-blocks -> M-runs, or "" when it held.
std::string check_order(const Stage& s) {
  if (s.cue_missed) return "a thread's cue never came (timed out)";
  if (!s.held_when_asked) return "the mutex was free when H asked for it";
  if (s.high_blocked < 1) return "H did not block in lock() (no voluntary switch)";
  if (s.t.medium_start < s.t.request_at) return "M started before H asked for the mutex";
  return "";
}

}  // namespace

RoundOutcome run_inversion_round(const core::Clock& clock, const InversionConfig& config) {
  RoundOutcome out;
  Stage s(clock, config);
  if (!s.mutex.error().empty()) {
    out.error = s.mutex.error();
    return out;
  }
  {
    Cast cast(s);
    cast.add(high_thread);
    cast.add(medium_thread);
    cast.add(low_thread);
    if (!cast.await_ready()) {
      out.error = "a thread of the cast did not start within 2 s";
    } else {
      out.error = first_setup_error(s);
    }
    if (out.error.empty()) {
      cast.cue_low();
    } else {
      cast.call_off();
    }
  }
  if (!out.error.empty()) return out;
  out.out_of_order = check_order(s);
  out.h_wait_ns = s.t.acquired_at - s.t.request_at;
  out.hold_ns = s.t.unlock_at - s.t.lock_at;
  out.medium_run_ns = s.t.medium_end - s.t.medium_start;
  out.low_preempted = s.low_preempted;
  out.high_blocked = s.high_blocked;
  return out;
}

}  // namespace illusion::labs::scheduling
