// Points where a test can stop the program to look at it from outside, deterministically: the
// window in which a scratch file is being written is a few milliseconds wide, too narrow for a
// test to hit with kill -9 by timing alone.
#pragma once

namespace illusion::core {

// Names of the points; ILLUSION_TEST_STOP_AT=<name> in the environment selects one.
inline constexpr const char* kStopAfterFirstWrite = "first-write";

// When ILLUSION_TEST_STOP_AT names `point`, the process stops itself with SIGSTOP there (once
// per process), so a test can wait for state T in /proc/<pid>/stat, inspect, then kill it or
// send SIGCONT. Does nothing otherwise; the variable is for tests only.
void test_stop_point(const char* point);

}  // namespace illusion::core
