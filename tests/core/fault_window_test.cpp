// FaultWindow's reading: perf first, getrusage when perf could not count, and the warning for
// perf counting in user mode only (perf_event_paranoid >= 2) that CounterWindow also gives.
// The user-only case is injected through the pure fault_count_from, so it is tested on any host.
#include "core/fault_window.h"

#include <sys/mman.h>

#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "core/counters.h"
#include "core/result.h"

using illusion::core::CounterReading;
using illusion::core::FaultCount;
using illusion::core::RusageSnapshot;

namespace {

RusageSnapshot faults(std::uint64_t minor, std::uint64_t major) {
  RusageSnapshot s;
  s.minor_faults = minor;
  s.major_faults = major;
  return s;
}

}  // namespace

TEST(FaultWindow, UserOnlyPerfCountsCarryTheWarning) {
  const std::vector<CounterReading> perf = {{"page_faults", 10.0, "", true},
                                            {"major_faults", 2.0, "", true}};
  const FaultCount c = illusion::core::fault_count_from(perf, faults(0, 0), faults(50, 3));
  EXPECT_EQ(c.source, "perf");
  EXPECT_EQ(c.faults, 10);
  EXPECT_EQ(c.major, 2);
  ASSERT_FALSE(c.user_only_warning.empty());
  EXPECT_NE(c.user_only_warning.find("counted in user mode only"), std::string::npos)
      << c.user_only_warning;
  EXPECT_NE(c.user_only_warning.find("perf_event_paranoid"), std::string::npos)
      << c.user_only_warning;
  EXPECT_NE(c.user_only_warning.find("page_faults"), std::string::npos) << c.user_only_warning;

  // Into a result once, however many windows report it.
  illusion::core::Result r;
  illusion::core::add_fault_warnings(r, c);
  illusion::core::add_fault_warnings(r, c);
  ASSERT_EQ(r.warnings.size(), 1u);
  EXPECT_EQ(r.warnings[0], c.user_only_warning);
}

TEST(FaultWindow, KernelAndUserCountsAndRusageFallbackGiveNoWarning) {
  const std::vector<CounterReading> full = {{"page_faults", 10.0, "", false},
                                            {"major_faults", 2.0, "", false}};
  const FaultCount a = illusion::core::fault_count_from(full, faults(0, 0), faults(50, 3));
  EXPECT_EQ(a.source, "perf");
  EXPECT_TRUE(a.user_only_warning.empty()) << a.user_only_warning;

  // perf refused: getrusage's deltas, minor + major, and no user-only claim.
  const std::vector<CounterReading> refused = {
      {"page_faults", std::nullopt, "perf_event_paranoid=3: EACCES", false},
      {"major_faults", std::nullopt, "perf_event_paranoid=3: EACCES", false}};
  const FaultCount b = illusion::core::fault_count_from(refused, faults(100, 1), faults(150, 4));
  EXPECT_EQ(b.source, "rusage");
  EXPECT_EQ(b.faults, 53);
  EXPECT_EQ(b.major, 3);
  EXPECT_TRUE(b.user_only_warning.empty());
  illusion::core::Result r;
  illusion::core::add_fault_warnings(r, b);
  EXPECT_TRUE(r.warnings.empty());
}

// The same wording as CounterWindow's, with or without the rusage_ clause.
TEST(FaultWindow, UserModeOnlyWording) {
  const std::string with = illusion::core::user_mode_only_warning("page_faults", true);
  const std::string without = illusion::core::user_mode_only_warning("page_faults", false);
  EXPECT_NE(with.find("faults taken inside syscalls are missed, the rusage_ counts include them"),
            std::string::npos)
      << with;
  EXPECT_EQ(without.find("rusage_"), std::string::npos) << without;
  EXPECT_NE(without.find("faults taken inside syscalls are missed"), std::string::npos);
}

// A real window: the warning appears exactly when perf's events were opened user-only here.
TEST(FaultWindow, RealWindowWarnsExactlyWhenPerfIsUserOnly) {
  constexpr std::size_t kBytes = 64 * 4096;
  void* p = mmap(nullptr, kBytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  ASSERT_NE(p, MAP_FAILED);
  illusion::core::FaultWindow w;
  w.start();
  for (std::size_t off = 0; off < kBytes; off += 4096) static_cast<volatile char*>(p)[off] = 1;
  w.stop();
  munmap(p, kBytes);
  const FaultCount c = w.read();
  EXPECT_GE(c.faults, 1);
  bool user_only = false;
  auto set = illusion::core::CounterSet::open({.inherit = false, .hardware = false});
  set.start();
  set.stop();
  for (const CounterReading& r : set.read())
    if (r.name == "page_faults" && r.value) user_only = r.user_only;
  EXPECT_EQ(!c.user_only_warning.empty(), c.source == "perf" && user_only)
      << c.source << ": " << c.user_only_warning;
}
