// PassTimer keeps counting apart from timing: every eighth block of ops runs with the counters
// open and is left out of the stats, and no perf event is open while any other op runs. A fake
// clock makes every op take exactly 100 ns, so the structure is checked without timing noise.
#include "mmap_vs_read/io_pass.h"

#include <sys/mman.h>
#include <unistd.h>

#include <climits>
#include <cstring>
#include <filesystem>
#include <string>
#include <variant>
#include <vector>

#include <gtest/gtest.h>

#include "support/sanitizer.h"

#include "core/clock.h"
#include "core/result.h"
#include "support/perf_fds.h"

namespace illusion::labs::mmap_vs_read {
namespace {

constexpr double kOpNs = 100;

using illusion::testing::perf_fds;

double param_number(const core::Result& r, const std::string& name) {
  for (const core::Param& p : r.params)
    if (p.name == name)
      if (const auto* d = std::get_if<double>(&p.value)) return *d;
  return -1;
}

double metric(const core::Result& r, const std::string& name) {
  const core::Metric* m = r.metric(name);
  return m ? m->value : -1;
}

// Runs `passes` passes of `per_pass` ops; each op writes one fresh page (one minor fault) and
// takes 100 ns of fake time. Records, per op, whether a perf fd was open while it ran.
struct PassRun {
  core::Result result;
  std::vector<int> fds_during;  // perf fds open during op i
  std::vector<bool> counted;    // PassTimer's word for op i
};

PassRun run_passes(std::size_t hint, std::size_t passes, std::size_t per_pass,
               bool probe_fds = true) {
  core::FakeClock clock(1.0);
  PassRun out;
  const std::size_t page = static_cast<std::size_t>(sysconf(_SC_PAGESIZE));
  const std::size_t bytes = passes * per_pass * page;
  char* mem = static_cast<char*>(
      mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0));
  if (mem == MAP_FAILED) throw std::runtime_error("mmap failed");
  madvise(mem, bytes, MADV_NOHUGEPAGE);
  out.fds_during.reserve(passes * per_pass);
  out.counted.reserve(passes * per_pass);
  {
    PassTimer timer(clock, hint);
    std::size_t op = 0;
    for (std::size_t p = 0; p < passes; ++p) {
      timer.begin_pass();
      for (std::size_t i = 0; i < per_pass; ++i, ++op) {
        out.counted.push_back(timer.counted(op));
        out.fds_during.push_back(probe_fds ? perf_fds() : 0);
        static_cast<volatile char*>(mem)[op * page] = 1;
        clock.advance(kOpNs);
        timer.op_done();
      }
      timer.end_pass(per_pass * 4096);
    }
    timer.finish(out.result, "one page written");
  }
  munmap(mem, bytes);
  return out;
}

}  // namespace

TEST(PassTimer, CountedBlocksAreSpreadOverThePassesAndLeftOutOfTheStats) {
  // 640 ops hinted: blocks of 10, one counted in every 8 (80 ops), in both passes.
  const PassRun run = run_passes(640, 2, 320);
  const core::Result& r = run.result;
  std::size_t counted = 0, counted_second_pass = 0;
  for (std::size_t i = 0; i < run.counted.size(); ++i) {
    if (!run.counted[i]) continue;
    ++counted;
    if (i >= 320) ++counted_second_pass;
  }
  EXPECT_EQ(counted, 80u);
  EXPECT_EQ(counted_second_pass, 40u);
  EXPECT_TRUE(run.counted[0]);
  EXPECT_TRUE(run.counted[9]);
  EXPECT_FALSE(run.counted[10]);
  EXPECT_TRUE(run.counted[80]);

  ASSERT_TRUE(r.stats.has_value());
  EXPECT_EQ(r.stats->n, 560u);
  EXPECT_DOUBLE_EQ(r.stats->p50, kOpNs);
  EXPECT_DOUBLE_EQ(r.stats->max, kOpNs) << "the counters' set-up leaked into an op's time";
  EXPECT_EQ(param_number(r, "counted_ops"), 80);
  EXPECT_EQ(param_number(r, "passes"), 2);
  EXPECT_EQ(metric(r, "ops"), 560);
  EXPECT_EQ(metric(r, "bytes_per_op"), 4096);
  // The timed ops' bytes over their time: 4096 B per 100 ns.
  EXPECT_NEAR(metric(r, "throughput_gbps"), 4096 / kOpNs, 1e-9);
}

TEST(PassTimer, NoPerfEventIsOpenWhileATimedOpRuns) {
  const PassRun run = run_passes(640, 2, 320);
  int open_while_counted = 0;
  for (std::size_t i = 0; i < run.counted.size(); ++i) {
    if (run.counted[i])
      open_while_counted += run.fds_during[i] > 0 ? 1 : 0;
    else
      EXPECT_EQ(run.fds_during[i], 0) << "op " << i << " was timed with perf events open";
  }
  // Where perf opens at all, the counted ops ran with it open.
  bool perf_available = false;
  for (const core::CounterValue& c : run.result.counters)
    if (c.name == "page_faults" && c.per_op) perf_available = true;
  if (perf_available) {
    EXPECT_EQ(open_while_counted, 80);
  }
  EXPECT_EQ(perf_fds(), 0) << "the timer left perf events open";
}

TEST(PassTimer, CountsArePerCountedOp) {
  const PassRun run = run_passes(640, 2, 320, /*probe_fds=*/false);
  const core::CounterValue* minor = run.result.counter("rusage_minor_faults");
  ASSERT_NE(minor, nullptr);
  ASSERT_TRUE(minor->per_op.has_value());
  // One fresh page per op; a sanitizer's shadow pages fault too, so only the floor holds there.
  EXPECT_GE(*minor->per_op, 0.9);
  if (illusion::testing::kSanitized) GTEST_SKIP() << illusion::testing::kSanitizedSkip;
  EXPECT_LE(*minor->per_op, 1.2);
}

// A row that ends inside its first counted block still reports its ops, and says that they
// were timed with the counters open.
TEST(PassTimer, ARowShorterThanOneBlockSaysItsOpsWereCounted) {
  const PassRun run = run_passes(6400, 1, 50);  // blocks of 100: all 50 ops in the first
  const core::Result& r = run.result;
  ASSERT_TRUE(r.stats.has_value());
  EXPECT_EQ(r.stats->n, 50u);
  EXPECT_EQ(param_number(r, "counted_ops"), 50);
  bool warned = false;
  for (const std::string& w : r.warnings)
    warned = warned || w.find("timed with the perf counters open") != std::string::npos;
  EXPECT_TRUE(warned);
}

}  // namespace illusion::labs::mmap_vs_read
