// Page faults, checked by the kernel's own counts rather than by time: a lazily touched page
// faults once, a populated one not at all, a read-then-write twice, and a huge page once per
// 2 MiB. getrusage(2) counts are always there; perf's are checked too when the event opened.
#include <sys/mman.h>

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "support/sanitizer.h"

#include "support/lab_fixture.h"

#include "core/clock.h"
#include "core/host_behaviour.h"
#include "core/mapping.h"
#include "vm/faults_probe.h"
#include "vm/faults.h"
#include "vm/faults_zero.h"
#include "vm/lab.h"

using namespace illusion;
using core::Result;
using core::Status;
namespace faults = labs::vm::faults;
using faults::FaultMeter;
using faults::FaultTotals;
using faults::Touch;

namespace {

constexpr std::size_t kRegion = 32u << 20;  // 8192 pages

std::size_t pages_of(std::size_t bytes) { return bytes / faults::page_bytes(); }

// At least `n` faults (every page faulted) and at most a few percent more (the stack, libc).
void expect_about(const FaultTotals& t, std::uint64_t n, const char* what) {
  const std::uint64_t slack = std::max<std::uint64_t>(8, n / 50);
  EXPECT_GE(t.minor, n) << what;
  EXPECT_LE(t.minor, n + slack) << what;
  EXPECT_EQ(t.major, 0u) << what;
  if (t.perf_faults) {
    EXPECT_GE(*t.perf_faults, static_cast<double>(n)) << what;
    EXPECT_LE(*t.perf_faults, static_cast<double>(n + slack)) << what;
  }
}

void expect_none(const FaultTotals& t, const char* what) {
  EXPECT_LE(t.faults(), 8u) << what;
  if (t.perf_faults) {
    EXPECT_LE(*t.perf_faults, 8.0) << what;
  }
}

// Counter tests need no real time: a fake clock keeps the timed loops deterministic.
class FaultCounts : public ::testing::Test {
 protected:
  void SetUp() override { faults::warm_up(clock_); }
  FaultTotals touch(char* base, std::size_t bytes, Touch how) {
    FaultMeter meter;
    meter.start();
    faults::time_pass(clock_, base, pages_of(bytes), how);
    meter.stop();
    return meter.totals();
  }
  core::FakeClock clock_{1.0};
};

const core::Metric& metric(const Result& r, const std::string& name) {
  const core::Metric* m = r.metric(name);
  if (!m) throw std::logic_error(r.id + " has no metric " + name);
  return *m;
}

}  // namespace

TEST_F(FaultCounts, LazyTouchTakesOneFaultPerPage) {
  core::Mapping m(kRegion);
  ASSERT_TRUE(faults::no_huge_pages(m.data(), m.size()));
  expect_about(touch(m.data(), m.size(), Touch::write), pages_of(kRegion), "first pass");
  EXPECT_EQ(m.huge_pages_bytes(), 0u);
  expect_none(touch(m.data(), m.size(), Touch::write), "second pass");
}

TEST_F(FaultCounts, MapPopulateTakesTheFaultsAtMapTime) {
  faults::ThpOffForProcess thp_off;
  ASSERT_TRUE(thp_off.ok());
  FaultMeter at_map;
  at_map.start();
  void* p = mmap(nullptr, kRegion, PROT_READ | PROT_WRITE,
                 MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
  at_map.stop();
  ASSERT_NE(p, MAP_FAILED);
  const FaultTotals on_touch = touch(static_cast<char*>(p), kRegion, Touch::write);
  munmap(p, kRegion);
  expect_none(on_touch, "touch after MAP_POPULATE");
  // getrusage counts the kernel's own faults (get_user_pages); perf does not see them.
  EXPECT_GE(at_map.totals().minor, pages_of(kRegion) * 98 / 100);
}

// The environment probe decides from pagemap whether a read maps the zero page; RssAnon is the
// independent reading here. With a zero page: a fault per page on the read, no memory, a second
// fault per page on the write, which allocates. Without one (pvm_no_zero_page=1): the read
// faults and allocates, the write finds its page and does not fault.
TEST_F(FaultCounts, ReadThenWriteFaultsAsTheDetectedZeroPagePredicts) {
  const core::BehaviourFact zero_page = core::probe_zero_page();
  ASSERT_TRUE(zero_page.value.has_value()) << "zero-page detection failed: " << zero_page.evidence;
  core::Mapping m(kRegion);
  ASSERT_TRUE(faults::no_huge_pages(m.data(), m.size()));
  const std::optional<std::uint64_t> rss0 = faults::rss_anon_bytes();
  ASSERT_TRUE(rss0.has_value()) << "RssAnon missing from /proc/self/status";
  expect_about(touch(m.data(), m.size(), Touch::read), pages_of(kRegion), "read pass");
  const std::optional<std::uint64_t> rss1 = faults::rss_anon_bytes();
  const FaultTotals writes = touch(m.data(), m.size(), Touch::write);
  const std::optional<std::uint64_t> rss2 = faults::rss_anon_bytes();
  const double read_growth = faults::growth_bytes(rss0, rss1).value();
  const double write_growth = faults::growth_bytes(rss1, rss2).value();
  if (*zero_page.value) {
    // The zero page is shared and not counted as ours: reading allocates (almost) nothing.
    expect_about(writes, pages_of(kRegion), "write pass");
    EXPECT_LT(read_growth, kRegion / 10) << zero_page.evidence;
    EXPECT_GT(write_growth, kRegion * 9 / 10) << zero_page.evidence;
  } else {
    expect_none(writes, "write pass after reads that allocated");
    EXPECT_GT(read_growth, kRegion * 9 / 10) << zero_page.evidence;
    EXPECT_LT(write_growth, kRegion / 10) << zero_page.evidence;
  }
}

// The row's words on hosts we may not have, from figures such hosts printed.
TEST(ZeroPageWords, FollowTheMeasurementAndFlagADisagreementWithTheProbe) {
  const double region = 64.0 * (1 << 20);
  faults::ZeroPageFigures with_zero{600, 1200, 1.0, 1.0, 0, region, region, ""};
  faults::ZeroPageFigures without{1300, 15, 1.0, 0.0, region, 0, region, ""};
  const core::BehaviourFact yes{true, "pagemap: shared"}, no{false, "pagemap: own pages"};
  const core::BehaviourFact unknown{std::nullopt, "pagemap unreadable"};

  const auto a = faults::describe_zero_page(with_zero, yes);
  EXPECT_TRUE(a.warnings.empty());
  EXPECT_NE(a.meaning.find("(the shared zero page)"), std::string::npos) << a.meaning;
  EXPECT_NE(a.meaning.find("2.00 faults per page in all"), std::string::npos) << a.meaning;

  const auto b = faults::describe_zero_page(without, no);  // the PVM guest
  EXPECT_TRUE(b.warnings.empty());
  EXPECT_NE(b.meaning.find("no shared zero page"), std::string::npos) << b.meaning;
  EXPECT_EQ(b.meaning.find("(the shared zero page)"), std::string::npos) << b.meaning;
  EXPECT_NE(b.meaning.find("1.00 faults per page in all"), std::string::npos) << b.meaning;

  // Probe and row disagree: the words follow the row, and a warning says so.
  const auto c = faults::describe_zero_page(without, yes);
  ASSERT_EQ(c.warnings.size(), 1u);
  EXPECT_NE(c.warnings[0].find("pagemap: shared"), std::string::npos) << c.warnings[0];
  EXPECT_NE(c.meaning.find("no shared zero page"), std::string::npos) << c.meaning;
  const auto d = faults::describe_zero_page(with_zero, no);
  ASSERT_EQ(d.warnings.size(), 1u);

  // An unknown fact is said, not guessed; a half-grown RSS claims neither case.
  const auto e = faults::describe_zero_page(with_zero, unknown);
  EXPECT_NE(e.meaning.find("could not tell"), std::string::npos) << e.meaning;
  faults::ZeroPageFigures half = without;
  half.rss_growth_read_bytes = region / 2;
  const auto f = faults::describe_zero_page(half, unknown);
  ASSERT_EQ(f.warnings.size(), 1u);
  EXPECT_EQ(f.meaning.find("zero page"), std::string::npos) << f.meaning;
}

// An unreadable RssAnon is missing, never 0: a growth needs both readings.
TEST(ZeroPageWords, GrowthNeedsBothReadings) {
  EXPECT_EQ(faults::growth_bytes(std::nullopt, 4096), std::nullopt);
  EXPECT_EQ(faults::growth_bytes(4096, std::nullopt), std::nullopt);
  EXPECT_EQ(faults::growth_bytes(4096, 12288), 8192.0);
  EXPECT_EQ(faults::growth_bytes(12288, 4096), 0.0);  // shrank: no growth
}

// Unreadable RSS (nullopt) must not read as "RssAnon grew 0": no zero-page conclusion, no RSS
// figure, no probe-disagreement warning (that needs the growth), and a warning saying why.
TEST(ZeroPageWords, UnreadableRssDrawsNoZeroPageConclusion) {
  const double region = 64.0 * (1 << 20);
  const faults::ZeroPageFigures figures{600, 1200, 1.0, 1.0, 0, 0, region, ""};
  const core::BehaviourFact no{false, "pagemap: own pages"};
  for (const faults::RssGrowth& rss :
       {faults::RssGrowth{std::nullopt, std::nullopt}, faults::RssGrowth{std::nullopt, region},
        faults::RssGrowth{0.0, std::nullopt}}) {
    // With the old 0 for unreadable, this fact would have been "contradicted" and the text
    // would have said "(the shared zero page)".
    const faults::RowWords w = faults::zero_page_words(figures, rss, no);
    EXPECT_EQ(w.meaning.find("(the shared zero page)"), std::string::npos) << w.meaning;
    EXPECT_EQ(w.meaning.find("no shared zero page"), std::string::npos) << w.meaning;
    EXPECT_EQ(w.meaning.find("RssAnon grew"), std::string::npos) << w.meaning;
    EXPECT_EQ(w.meaning.find("0 B"), std::string::npos) << w.meaning;
    EXPECT_NE(w.meaning.find("RssAnon was unreadable"), std::string::npos) << w.meaning;
    // The fault counts are still the row's own measurement.
    EXPECT_NE(w.meaning.find("2.00 faults per page in all"), std::string::npos) << w.meaning;
    ASSERT_EQ(w.warnings.size(), 1u);
    EXPECT_NE(w.warnings[0].find("RssAnon could not be read"), std::string::npos) << w.warnings[0];
    EXPECT_EQ(w.warnings[0].find("environment probe"), std::string::npos) << w.warnings[0];
  }
  // Readable growths go to describe_zero_page's words.
  const faults::RowWords ok = faults::zero_page_words(figures, {0.0, region}, no);
  EXPECT_NE(ok.meaning.find("(the shared zero page)"), std::string::npos) << ok.meaning;
  ASSERT_EQ(ok.warnings.size(), 1u);  // and the fact disagrees with the measurement
}

TEST_F(FaultCounts, HugePagesCutFaultsAtLeast100x) {
  const std::string mode = faults::thp_mode_now();
  if (mode == "never" || mode == "unavailable")
    GTEST_SKIP() << "transparent huge pages are \"" << mode << "\"";
  const std::size_t huge = faults::thp_pmd_bytes();
  core::Mapping small(kRegion);
  ASSERT_TRUE(faults::no_huge_pages(small.data(), small.size()));
  const FaultTotals f4k = touch(small.data(), kRegion, Touch::write);

  core::Mapping big(kRegion + huge, /*huge=*/true);
  const auto addr = reinterpret_cast<std::uintptr_t>(big.data());
  char* base = big.data() + (huge - addr % huge) % huge;
  const FaultTotals f2m = touch(base, kRegion, Touch::write);
  if (big.huge_pages_bytes() == 0)
    GTEST_SKIP() << "THP is \"" << mode << "\" but no 2 MiB page was allocated (fragmented "
                 << "memory or THP disabled for this process)";
  ASSERT_GT(f2m.faults(), 0u);
  EXPECT_GE(static_cast<double>(f4k.faults()) / static_cast<double>(f2m.faults()), 100.0)
      << f4k.faults() << " faults with 4 KiB pages, " << f2m.faults() << " with THP";
}

TEST(FaultTimeline, BucketMaxKeepsEachBucketsPeak) {
  std::vector<double> v(10001, 1.0);
  v[4321] = 99.0;
  std::size_t bucket = 0;
  const auto points = faults::bucket_max(v, 2000, bucket);
  EXPECT_EQ(bucket, 6u);
  EXPECT_LE(points.size(), 2000u);
  ASSERT_FALSE(points.empty());
  EXPECT_EQ(points.front().first, 0.0);
  double peak = 0, peak_x = -1;
  for (const auto& [x, y] : points) {
    if (y > peak) {
      peak = y;
      peak_x = x;
    }
  }
  EXPECT_EQ(peak, 99.0);
  EXPECT_EQ(peak_x, 4320.0);  // the bucket [4320, 4326)
  EXPECT_TRUE(faults::bucket_max({}, 2000, bucket).empty());
}

namespace {

class FaultRows : public illusion::testing::LabTest {
 protected:
  FaultRows() : LabTest(labs::vm::lab()) {}
  // Rows that may be impossible here: say why, never fail silently.
  bool skipped_with_reason(const Result& r) {
    if (r.status != Status::skipped) return false;
    EXPECT_FALSE(r.reason.empty()) << r.id;
    return true;
  }
};

}  // namespace

// The row reads the fact from the run's environment: fed the opposite of what this kernel does
// (a fake environment record), it must say that probe and measurement disagree, and describe
// what it measured.
TEST_F(FaultRows, ZeroPageRowFlagsAnEnvironmentThatContradictsIt) {
  if (illusion::testing::kSanitized) GTEST_SKIP() << illusion::testing::kSanitizedSkip;
  const core::BehaviourFact& real = env_->zero_page_on_read;
  ASSERT_TRUE(real.value.has_value()) << "zero-page detection failed: " << real.evidence;
  core::EnvInfo flipped = *env_;
  flipped.zero_page_on_read = {!*real.value, "injected for the test"};
  ctx_.env = &flipped;
  const Result& zp = run("vm.zero_page");
  ctx_.env = env_;
  expect_ok(zp);
  bool flagged = false;
  for (const std::string& w : zp.warnings)
    flagged = flagged || w.find("injected for the test") != std::string::npos;
  EXPECT_TRUE(flagged) << zp.id << " did not notice the contradiction";
  EXPECT_EQ(zp.meaning.find("no shared zero page") != std::string::npos, !*real.value)
      << zp.meaning;
}

TEST_F(FaultRows, QuickProfileGivesCountedFaults) {
  if (illusion::testing::kSanitized) GTEST_SKIP() << illusion::testing::kSanitizedSkip;
  const Result& ft = run("vm.first_touch");
  expect_ok(ft);
  EXPECT_NEAR(metric(ft, "faults_per_page").value, 1.0, 0.03);
  EXPECT_LT(metric(ft, "second_pass_faults_per_page").value, 0.01);
  EXPECT_GT(metric(ft, "first_vs_second").value, 1.0);
  ASSERT_EQ(ft.series.size(), 1u);
  EXPECT_EQ(ft.series[0].name, "first_touch_timeline");
  EXPECT_GT(ft.series[0].points.size(), 100u);
  EXPECT_LE(ft.series[0].points.size(), 2000u);

  for (const char* id : {"vm.lazy_touch", "vm.madv_willneed"}) {
    const Result& r = run(id);
    expect_ok(r);
    EXPECT_LT(metric(r, "map_faults_per_page").value, 0.01) << id;
    EXPECT_NEAR(metric(r, "use_faults_per_page").value, 1.0, 0.03) << id;
  }
  for (const char* id : {"vm.map_populate", "vm.mlock", "vm.madv_populate_write"}) {
    const Result& r = run(id);
    if (skipped_with_reason(r)) continue;
    expect_ok(r);
    EXPECT_NEAR(metric(r, "map_faults_per_page").value, 1.0, 0.03) << id;
    EXPECT_LT(metric(r, "use_faults_per_page").value, 0.01) << id;
  }

  // What the environment probe found decides what the zero-page row must show.
  const core::BehaviourFact& zero_page = env_->zero_page_on_read;
  ASSERT_TRUE(zero_page.value.has_value()) << "zero-page detection failed: " << zero_page.evidence;
  const Result& zp = run("vm.zero_page");
  expect_ok(zp);
  EXPECT_NEAR(metric(zp, "read_faults_per_page").value, 1.0, 0.03);
  if (*zero_page.value) {
    EXPECT_NEAR(metric(zp, "faults_per_page").value, 2.0, 0.06);
    EXPECT_LT(metric(zp, "rss_growth_read_fraction").value, 0.1);
    EXPECT_GT(metric(zp, "rss_growth_write_fraction").value, 0.9);
  } else {
    EXPECT_LT(metric(zp, "write_faults_per_page").value, 0.01);
    EXPECT_GT(metric(zp, "rss_growth_read_fraction").value, 0.9);
    EXPECT_LT(metric(zp, "rss_growth_write_fraction").value, 0.1);
    EXPECT_NE(zp.meaning.find("no shared zero page"), std::string::npos) << zp.meaning;
  }
  for (const std::string& w : zp.warnings)
    EXPECT_EQ(w.find("environment probe"), std::string::npos) << "probe and row disagree: " << w;

  const Result& thp = run("vm.thp_fault");
  if (!skipped_with_reason(thp)) {
    expect_ok(thp);
    EXPECT_GT(metric(thp, "huge_fraction").value, 0.0);
    if (metric(thp, "huge_fraction").value > 0.99) {
      EXPECT_GE(metric(thp, "fault_reduction").value, 100.0);
      EXPECT_LT(metric(thp, "faults_per_2mib").value, 1.1);
    }
  }
}
