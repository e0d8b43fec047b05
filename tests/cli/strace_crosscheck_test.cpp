// Cross-check with a public tool: a loop of exactly N getppid syscalls, run in a child under
// `strace -c -f`, must show N getppid calls in strace's summary. Skipped when strace is
// missing or ptrace is not permitted (e.g. in a container without CAP_SYS_PTRACE).
#include <sys/syscall.h>
#include <unistd.h>

#include <cstdlib>
#include <sstream>

#include <gtest/gtest.h>

#include "core/resources.h"
#include "support/subprocess.h"

using illusion::testing::run_program;

namespace {
constexpr long kLoops = 12345;

// strace -c prints "% time seconds usecs/call calls errors syscall"; find the calls column of
// the row whose last field is `name`.
long calls_for(const std::string& summary, const std::string& name) {
  std::istringstream in(summary);
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream fields(line);
    std::vector<std::string> f;
    for (std::string w; fields >> w;) f.push_back(w);
    if (f.size() >= 5 && f.back() == name) return std::stol(f[3]);
  }
  return -1;
}
}  // namespace

// Runs only when re-executed under strace by the test below.
TEST(StraceCrossCheck, DISABLED_ChildLoop) {
  for (long i = 0; i < kLoops; ++i) syscall(SYS_getppid);
}

TEST(StraceCrossCheck, CountMatchesLoopLength) {
  if (run_program({"strace", "-V"}).exit_code != 0) GTEST_SKIP() << "strace is not installed";
  illusion::core::TempDir tmp;
  const std::string summary = tmp.register_file("strace.txt");
  // Re-run this very test binary (its real path, not /proc/self/exe, which strace would
  // resolve to itself) with only the child loop enabled.
  char self[4096] = {};
  ASSERT_GT(readlink("/proc/self/exe", self, sizeof self - 1), 0);
  const auto o2 = run_program({"strace", "-c", "-f", "-e", "trace=getppid", "-o", summary, self,
                               "--gtest_also_run_disabled_tests",
                               "--gtest_filter=StraceCrossCheck.DISABLED_ChildLoop"});
  if (o2.exit_code != 0 && o2.err.find("ptrace") != std::string::npos)
    GTEST_SKIP() << "ptrace not permitted: " << o2.err;
  ASSERT_EQ(o2.exit_code, 0) << o2.err;
  const long calls = calls_for(illusion::testing::slurp(summary), "getppid");
  EXPECT_EQ(calls, kLoops) << illusion::testing::slurp(summary);
}
