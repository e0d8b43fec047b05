// Copy-on-write, checked by the kernel's own counts rather than by time: a child that writes k
// shared pages takes k faults (a handful more at most), one that reads them takes none, and a
// first touch of a fresh page takes one fault per page.
#include <unistd.h>

#include <set>
#include <stdexcept>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "support/lab_fixture.h"

#include "core/experiment.h"
#include "processes/child.h"
#include "processes/cow_probe.h"
#include "processes/lab.h"

using namespace illusion;
using core::Result;
using core::Status;
using labs::processes::Mapping;
using labs::processes::PageAccess;
using labs::processes::PageProbe;

namespace {

constexpr std::size_t kBuffer = 16u << 20;  // 4096 pages: room for every k below
constexpr std::uint64_t kSlack = 4;         // faults allowed beyond k (stack, libc, ...)

const core::Metric& metric(const Result& r, const std::string& name) {
  const core::Metric* m = r.metric(name);
  if (!m) throw std::logic_error(r.id + " has no metric " + name);
  return *m;
}

class CowProbe : public illusion::testing::LabTest {
 protected:
  // No probe child may be left behind.
  CowProbe() : LabTest(labs::processes::lab(), {.children = ChildCheck::after}) {}

  // A buffer of 4 KiB pages, each written once by this process (so shared after fork).
  static void touched(Mapping& m) {
    ASSERT_TRUE(labs::processes::no_huge_pages(m));
    m.touch_all();
    ASSERT_EQ(m.huge_pages_bytes(), 0u);
  }

  static void expect_about(const PageProbe& p, std::uint64_t k, const char* what) {
    EXPECT_EQ(p.pages(), k) << what;
    EXPECT_GE(p.rusage_minor_faults, k) << what << " k=" << k;
    EXPECT_LE(p.rusage_minor_faults, k + kSlack) << what << " k=" << k;
    EXPECT_EQ(p.rusage_major_faults, 0u) << what;
    if (p.perf_faults) {  // perf counts user-mode faults: the same ones
      EXPECT_GE(*p.perf_faults, static_cast<double>(k)) << what << " k=" << k;
      EXPECT_LE(*p.perf_faults, static_cast<double>(k + kSlack)) << what << " k=" << k;
    }
  }
};

// The lab's rows, run through the fixture's run() and expect_ok().
class CowRows : public CowProbe {};

}  // namespace

TEST(CowOffsets, SpreadDistinctPagesAndKeepTheLastForWarmUp) {
  const std::size_t page = static_cast<std::size_t>(sysconf(_SC_PAGESIZE));
  const auto offsets = labs::processes::spread_page_offsets(64 * page, 16);
  ASSERT_EQ(offsets.size(), 16u);
  std::set<std::size_t> pages;
  for (std::size_t off : offsets) {
    EXPECT_EQ(off % page, 0u);
    EXPECT_LT(off, 63 * page);  // never the warm-up page
    pages.insert(off / page);
  }
  EXPECT_EQ(pages.size(), 16u);
  EXPECT_THROW(labs::processes::spread_page_offsets(64 * page, 64), std::invalid_argument);
  EXPECT_THROW(labs::processes::spread_page_offsets(64 * page, 0), std::invalid_argument);
}

TEST_F(CowProbe, ChildWritingKPagesTakesKFaults) {
  if (illusion::testing::kThreadSanitized) GTEST_SKIP() << illusion::testing::kThreadSanitizedSkip;
  Mapping buf(kBuffer);
  touched(buf);
  for (std::uint64_t k : {1u, 64u, 1024u})
    expect_about(labs::processes::probe_pages_in_child(*clock_, buf, k, PageAccess::write), k,
                 "CoW write");
}

TEST_F(CowProbe, ChildReadingSharedPagesTakesNoFault) {
  if (illusion::testing::kThreadSanitized) GTEST_SKIP() << illusion::testing::kThreadSanitizedSkip;
  Mapping buf(kBuffer);
  touched(buf);
  const PageProbe p = labs::processes::probe_pages_in_child(*clock_, buf, 1024, PageAccess::read);
  EXPECT_EQ(p.pages(), 1024u);
  EXPECT_LE(p.rusage_minor_faults, kSlack);
  if (p.perf_faults) {
    EXPECT_LE(*p.perf_faults, static_cast<double>(kSlack));
  }
}

TEST_F(CowProbe, WritesInTheChildLeaveTheParentsPagesAlone) {
  Mapping buf(kBuffer);
  touched(buf);  // every page holds 1
  labs::processes::probe_pages_in_child(*clock_, buf, 1024, PageAccess::write);
  const std::size_t page = static_cast<std::size_t>(sysconf(_SC_PAGESIZE));
  for (std::size_t off = 0; off < buf.size(); off += page) ASSERT_EQ(buf.data()[off], 1) << off;
}

TEST_F(CowProbe, FirstTouchTakesOneFaultPerPage) {
  if (illusion::testing::kThreadSanitized) GTEST_SKIP() << illusion::testing::kThreadSanitizedSkip;
  Mapping fresh(kBuffer);
  ASSERT_TRUE(labs::processes::no_huge_pages(fresh));
  expect_about(labs::processes::probe_first_touch(*clock_, fresh, 1024), 1024, "first touch");
}

TEST_F(CowRows, RowsReportFaultCountsPerPage) {
  if (illusion::testing::kThreadSanitized) GTEST_SKIP() << illusion::testing::kThreadSanitizedSkip;
  const Result& ft = run("processes.first_touch_fault");
  expect_ok(ft);
  EXPECT_EQ(ft.unit, "ns/fault");
  EXPECT_NEAR(metric(ft, "faults_per_page").value, 1.0, 0.01);

  const Result& cow = run("processes.cow_write_fault");
  expect_ok(cow);
  EXPECT_NEAR(metric(cow, "minor_faults_per_page").value, 1.0, 0.01);
  for (int k : {1, 64, 4096}) {
    const double faults = metric(cow, "faults_k" + std::to_string(k)).value;
    EXPECT_GE(faults, k);
    EXPECT_LE(faults, k + static_cast<double>(kSlack));
  }
  EXPECT_GT(metric(cow, "vs_first_touch").value, 0);
  EXPECT_NE(cow.meaning.find("faults per page"), std::string::npos) << cow.meaning;

  const Result& rd = run("processes.cow_read_no_fault");
  expect_ok(rd);
  EXPECT_LE(metric(rd, "faults_total").value, static_cast<double>(kSlack));
  const core::CounterValue* c = rd.counter("rusage_minor_faults");
  ASSERT_TRUE(c && c->per_op);
  EXPECT_LT(*c->per_op, 0.01);
}
