// Time as the latency rows see it: CLOCK_MONOTONIC in nanoseconds, absolute sleeps to it (the
// deadlines and the wake-ups are read off the same clock, as cyclictest does), the timer slack
// that would otherwise be measured instead of the scheduler, and a measuring thread of its own.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>

#include "core/experiment.h"
#include "core/timer_slack.h"

namespace illusion::labs::scheduling {

std::int64_t monotonic_ns();

// clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME) until `deadline_ns`, resumed after signals.
void sleep_until_ns(std::int64_t deadline_ns);

using core::TimerSlackGuard;  // 1 ns timer slack while measuring lateness

// Runs `body` on a new thread, so policy and affinity changes fall on it and never on the
// caller, and forwards the fraction it stores in its argument to ctx.report_progress from the
// caller's thread every 100 ms until it returns.
void run_on_own_thread(const core::RunContext& ctx,
                       const std::function<void(std::atomic<double>& progress)>& body);

}  // namespace illusion::labs::scheduling
