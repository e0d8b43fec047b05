#include "core/counters.h"
#include "support/sanitizer.h"

#include <dirent.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <utility>

#include <gtest/gtest.h>

#include "core/result.h"

using namespace illusion::core;

namespace {

constexpr std::size_t kPages = 256;

// Maps kPages fresh anonymous pages and writes one byte to each: one minor fault per page.
// MADV_NOHUGEPAGE keeps THP "always" from backing the range with a single 2 MiB fault.
void touch_fresh_pages(std::size_t pages) {
  const std::size_t page = static_cast<std::size_t>(sysconf(_SC_PAGESIZE));
  void* p = mmap(nullptr, pages * page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  ASSERT_NE(p, MAP_FAILED);
  madvise(p, pages * page, MADV_NOHUGEPAGE);
  volatile char* bytes = static_cast<char*>(p);
  for (std::size_t i = 0; i < pages; ++i) bytes[i * page] = 1;
  munmap(p, pages * page);
}

const CounterReading* find(const std::vector<CounterReading>& readings, const std::string& name) {
  for (const CounterReading& r : readings)
    if (r.name == name) return &r;
  return nullptr;
}

// A pointer into a temporary vector would dangle: make that a compile error.
const CounterReading* find(std::vector<CounterReading>&& readings,
                           const std::string& name) = delete;

int open_fd_count() {
  int n = 0;
  DIR* d = opendir("/proc/self/fd");
  if (!d) return -1;
  while (readdir(d)) ++n;
  closedir(d);
  return n;
}

std::vector<CounterReading> count_page_touches(CounterSet& set) {
  set.start();
  touch_fresh_pages(kPages);
  set.stop();
  return set.read();
}

}  // namespace

TEST(Counters, SpecsHaveUniqueNamesSoftwareFirst) {
  const auto& specs = all_counter_specs();
  ASSERT_FALSE(specs.empty());
  std::vector<std::string> names;
  for (const CounterSpec& s : specs) names.push_back(s.name);
  std::sort(names.begin(), names.end());
  EXPECT_EQ(std::adjacent_find(names.begin(), names.end()), names.end());
  const auto first_hw =
      std::find_if(specs.begin(), specs.end(), [](const CounterSpec& s) { return s.hardware; });
  EXPECT_TRUE(std::all_of(first_hw, specs.end(), [](const CounterSpec& s) { return s.hardware; }));
}

TEST(Counters, FreshAnonymousPagesFaultOncePerPage) {
  CounterSet set = CounterSet::open();
  const auto readings = count_page_touches(set);
  for (const char* name : {"page_faults", "minor_faults"}) {
    const CounterReading* r = find(readings, name);
    ASSERT_NE(r, nullptr) << name;
    if (!r->value) GTEST_SKIP() << name << " unavailable: " << r->reason;
    EXPECT_GE(*r->value, static_cast<double>(kPages)) << name;
    EXPECT_LT(*r->value, 20.0 * kPages) << name;  // a window, not the whole process history
  }
}

TEST(Counters, UnavailableAlwaysHasAReasonAndNeverAValue) {
  CounterSet set = CounterSet::open({.inherit = false, .hardware = true, .syscalls = true});
  const auto readings = count_page_touches(set);
  EXPECT_EQ(readings.size(), all_counter_specs().size());
  for (const CounterReading& r : readings) {
    if (r.value) {
      EXPECT_TRUE(r.reason.empty()) << r.name << ": " << r.reason;
      EXPECT_GE(*r.value, 0.0) << r.name;
    } else {
      EXPECT_FALSE(r.reason.empty()) << r.name << " unavailable without a reason";
    }
  }
}

TEST(Counters, HardwareOptionOffLeavesOnlySoftwareEvents) {
  CounterSet set = CounterSet::open({.inherit = false, .hardware = false});
  const auto readings = count_page_touches(set);
  EXPECT_EQ(find(readings, "cycles"), nullptr);
  EXPECT_NE(find(readings, "page_faults"), nullptr);
}

TEST(Counters, SyscallTracepointIsOptIn) {
  // Registering raw_syscalls:sys_enter slows every syscall; the default set must not do it.
  CounterSet set = CounterSet::open();
  const auto readings = count_page_touches(set);
  EXPECT_EQ(find(readings, "syscalls"), nullptr);
}

TEST(Counters, KernelSideEventsCountWhenAvailable) {
  CounterSet set = CounterSet::open({.inherit = false, .hardware = false, .syscalls = true});
  set.start();
  for (int i = 0; i < 100; ++i) syscall(SYS_getppid);
  timespec nap{0, 1'000'000};
  nanosleep(&nap, nullptr);  // blocks, so at least one voluntary context switch
  set.stop();
  const auto readings = set.read();
  const CounterReading* syscalls = find(readings, "syscalls");
  const CounterReading* switches = find(readings, "context_switches");
  ASSERT_NE(syscalls, nullptr);
  ASSERT_NE(switches, nullptr);
  if (syscalls->value) {
    EXPECT_GE(*syscalls->value, 100.0);
  }
  if (switches->value) {
    EXPECT_GE(*switches->value, 1.0);
  }
  if (!syscalls->value && !switches->value) {
    GTEST_SKIP() << "syscalls: " << syscalls->reason << "; context_switches: " << switches->reason;
  }
}

TEST(Counters, RepeatedWindowsCountOnlyTheirOwnEvents) {
  CounterSet set = CounterSet::open({.inherit = false, .hardware = false});
  count_page_touches(set);
  set.start();
  set.stop();
  const auto readings = set.read();
  const CounterReading* r = find(readings, "minor_faults");
  ASSERT_NE(r, nullptr);
  if (!r->value) GTEST_SKIP() << r->reason;
  EXPECT_LT(*r->value, static_cast<double>(kPages));
}

TEST(Counters, EmptySetReadsAllUnavailable) {
  CounterSet set;
  set.start();
  set.stop();
  const auto readings = set.read();
  ASSERT_EQ(readings.size(), all_counter_specs().size());
  for (const CounterReading& r : readings) {
    EXPECT_FALSE(r.value.has_value()) << r.name;
    EXPECT_FALSE(r.reason.empty()) << r.name;
  }
}

TEST(Counters, MovesTransferFdsWithoutLeakOrDoubleClose) {
  const int before = open_fd_count();
  {
    CounterSet a = CounterSet::open();
    CounterSet b = std::move(a);
    {
      CounterSet c = CounterSet::open();
      c = std::move(b);  // closes c's own fds, takes b's
      b = std::move(c);  // and back: self-consistent ownership either way
    }
    // `a` is moved-from: safe to use, owns nothing.
    a.start();
    a.stop();
    for (const CounterReading& r : a.read()) EXPECT_FALSE(r.value.has_value()) << r.name;
    // b's fds survived the destruction of a and c: a double close would make these reads fail.
    const auto readings = count_page_touches(b);
    const CounterReading* r = find(readings, "page_faults");
    ASSERT_NE(r, nullptr);
    if (r->value) {
      EXPECT_GE(*r->value, static_cast<double>(kPages));
    }
    EXPECT_EQ(r->reason.find("read failed"), std::string::npos) << r->reason;
  }
  EXPECT_EQ(open_fd_count(), before);
}

TEST(Rusage, MinorFaultsCoverTouchedPages) {
  const RusageSnapshot a = RusageSnapshot::now();
  touch_fresh_pages(kPages);
  const RusageSnapshot b = RusageSnapshot::now();
  const auto delta = rusage_delta(a, b);
  const CounterReading* minor = find(delta, "rusage_minor_faults");
  ASSERT_NE(minor, nullptr);
  ASSERT_TRUE(minor->value.has_value()) << minor->reason;
  EXPECT_GE(*minor->value, static_cast<double>(kPages));
  for (const char* name :
       {"rusage_major_faults", "rusage_voluntary_switches", "rusage_involuntary_switches"}) {
    EXPECT_NE(find(delta, name), nullptr) << name;
  }
}

TEST(Rusage, BackwardsDeltaIsUnavailableNotNegative) {
  RusageSnapshot a, b;
  a.minor_faults = 10;
  b.minor_faults = 3;
  const auto delta = rusage_delta(a, b);
  const CounterReading* minor = find(delta, "rusage_minor_faults");
  ASSERT_NE(minor, nullptr);
  EXPECT_FALSE(minor->value.has_value());
  EXPECT_FALSE(minor->reason.empty());
}

TEST(CounterWindow, WritesPerOpValuesAndWarnings) {
  CounterWindow window(/*enabled=*/true);
  window.start();
  touch_fresh_pages(kPages);
  window.stop();
  Result r;
  window.write_per_op(r, static_cast<double>(kPages));

  const CounterValue* minor = r.counter("rusage_minor_faults");
  ASSERT_NE(minor, nullptr);
  ASSERT_TRUE(minor->per_op.has_value());
  EXPECT_GE(*minor->per_op, 1.0);
  EXPECT_LT(*minor->per_op, 20.0);
  EXPECT_NE(r.counter("page_faults"), nullptr);
  EXPECT_NE(r.counter("cycles"), nullptr);  // reported, as a value or as null with a warning
  for (const CounterValue& c : r.counters) {
    if (c.per_op) continue;
    const std::string prefix = c.name + ": unavailable (";
    const bool warned = std::any_of(r.warnings.begin(), r.warnings.end(),
                                    [&](const std::string& w) { return w.rfind(prefix, 0) == 0; });
    EXPECT_TRUE(warned) << c.name << " is null without a warning";
  }
}

TEST(CounterWindow, DisabledRecordsOnlyRusage) {
  CounterWindow window(/*enabled=*/false);
  window.start();
  touch_fresh_pages(kPages);
  window.stop();
  Result r;
  window.write_per_op(r, static_cast<double>(kPages));
  ASSERT_EQ(r.counters.size(), 4u);
  for (const CounterValue& c : r.counters) EXPECT_EQ(c.name.rfind("rusage_", 0), 0u) << c.name;
  EXPECT_TRUE(r.warnings.empty());
}

TEST(CounterWindow, NoOpsMeansNoPerOpValues) {
  CounterWindow window(/*enabled=*/true);
  window.start();
  window.stop();
  Result r;
  window.write_per_op(r, 0);
  ASSERT_FALSE(r.counters.empty());
  for (const CounterValue& c : r.counters) EXPECT_FALSE(c.per_op.has_value()) << c.name;
  EXPECT_FALSE(r.warnings.empty());
}

// Faults between stop() and resume() stay out of the window; those on either side add up.
TEST(CounterWindow, ResumeAddsToTheCountAndLeavesThePauseOut) {
  if (illusion::testing::kSanitized) GTEST_SKIP() << illusion::testing::kSanitizedSkip;
  CounterWindow window(/*enabled=*/true);
  window.start();
  touch_fresh_pages(kPages);
  window.stop();
  touch_fresh_pages(4 * kPages);  // not counted
  window.resume();
  touch_fresh_pages(kPages);
  window.stop();
  Result r;
  window.write_per_op(r, static_cast<double>(2 * kPages));
  for (const char* name : {"rusage_minor_faults", "page_faults"}) {
    const CounterValue* c = r.counter(name);
    ASSERT_NE(c, nullptr) << name;
    if (!c->per_op) continue;  // perf unavailable: the warning says why
    EXPECT_GE(*c->per_op, 1.0) << name;
    EXPECT_LT(*c->per_op, 1.5) << name;  // 4x the pages were touched while paused
  }
}
