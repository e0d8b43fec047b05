#include "scheduling/wake_timer.h"

#include <time.h>

#include <cerrno>
#include <chrono>
#include <exception>
#include <future>
#include <thread>

namespace illusion::labs::scheduling {

std::int64_t monotonic_ns() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<std::int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

void sleep_until_ns(std::int64_t deadline_ns) {
  timespec ts{};
  ts.tv_sec = static_cast<time_t>(deadline_ns / 1'000'000'000);
  ts.tv_nsec = static_cast<long>(deadline_ns % 1'000'000'000);
  // With TIMER_ABSTIME a sleep interrupted by a signal handler is simply resumed to the same
  // deadline (clock_nanosleep(2) returns the error number; it does not set errno).
  while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, nullptr) == EINTR) {
  }
}

void run_on_own_thread(const core::RunContext& ctx,
                       const std::function<void(std::atomic<double>& progress)>& body) {
  std::atomic<double> progress{0};
  std::promise<void> done;
  std::future<void> finished = done.get_future();
  std::jthread worker([&] {
    try {
      body(progress);
      done.set_value();
    } catch (...) {
      done.set_exception(std::current_exception());
    }
  });
  while (finished.wait_for(std::chrono::milliseconds(100)) != std::future_status::ready)
    ctx.report_progress(progress.load());
  worker.join();
  finished.get();  // the body's exception, if any, on the caller's thread
  ctx.report_progress(1.0);
}

}  // namespace illusion::labs::scheduling
