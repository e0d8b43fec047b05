// The checks behind `illusion verify`: each runs this very binary in a child doing a known
// amount of work (see run_verify_child) under strace or perf stat, and compares the tool's
// figure with the one illusion's methods assume.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace illusion::cli::verify {

enum class Verdict { agree, disagree, not_checked };

struct CheckResult {
  std::string name;                 // "syscalls: getppid"
  std::string assumes;              // what illusion assumes, in words
  std::string tool;                 // "strace -c", "perf stat"
  std::optional<long long> figure;  // the tool's count (after any start-up subtraction)
  std::string expected;             // "= 10,000", ">= 20,000", "10,000 ± 364"
  Verdict verdict = Verdict::not_checked;
  std::string note;  // the reason when not checked; how the figure was made otherwise
};

// The environment variable that turns `illusion verify` into a child doing a fixed amount of
// work: "getppid:N", "clock_gettime:N", "pingpong:N" or "pages:N".
inline constexpr const char* kChildEnv = "ILLUSION_VERIFY_CHILD";

// Does the work named by `spec` (the value of kChildEnv) and returns the exit status
// (0 done, 2 bad spec, 3 a system call failed).
int run_verify_child(const std::string& spec);

// Runs every check, in order; never throws for a missing or refused tool.
std::vector<CheckResult> run_checks();

}  // namespace illusion::cli::verify
