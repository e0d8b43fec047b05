// The allocation and file-mapping rows of the VM lab, run for real in the quick profile.
// Asserts counts (faults per page, residency, RSS against the block size), never timings.
#include <sys/mman.h>

#include <optional>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "support/sanitizer.h"

#include "support/files.h"
#include "support/lab_fixture.h"

#include "core/result.h"
#include "vm/alloc_experiments.h"
#include "core/test_file.h"
#include "vm/alloc_probe.h"
#include "vm/lab.h"

using namespace illusion;
using core::Result;
using core::Status;
namespace alloc = labs::vm::alloc;

namespace {

double metric(const Result& r, const std::string& name) {
  const core::Metric* m = r.metric(name);
  EXPECT_NE(m, nullptr) << r.id << ": no metric " << name;
  return m ? m->value : -1;
}

class AllocRows : public illusion::testing::LabTest {
 protected:
  AllocRows() : LabTest(labs::vm::lab(), {.temp_dir = true}) {}

  void expect_more(const Result& r) const override {
    EXPECT_FALSE(r.unit.empty()) << r.id;
    EXPECT_FALSE(r.title.empty()) << r.id;
  }
};

}  // namespace

TEST_F(AllocRows, EveryRowRunsInTheQuickProfile) {
  for (const char* id : {"vm.malloc_small", "vm.malloc_large", "vm.calloc_vs_memset",
                         "vm.free_returns_memory", "vm.private_file_cow", "vm.minor_fault_file",
                         "vm.major_fault"}) {
    const Result& r = run(id);
    if (r.status == Status::skipped && std::string(id) == "vm.major_fault") {
      EXPECT_FALSE(r.reason.empty());
      continue;  // a filesystem that cannot evict; the reason says so
    }
    expect_ok(r);
  }
}

TEST_F(AllocRows, SmallMallocUsesTheHeapAndLargeItsOwnMapping) {
  if (illusion::testing::kSanitized) GTEST_SKIP() << illusion::testing::kSanitizedSkip;
  const Result& small = run("vm.malloc_small");
  const Result& large = run("vm.malloc_large");
  expect_ok(small);
  expect_ok(large);
  EXPECT_EQ(metric(small, "served_by_mmap"), 0);
  EXPECT_EQ(metric(large, "served_by_mmap"), 1);
  // A fresh mapping faults once per page on first touch; heap memory is already resident.
  EXPECT_NEAR(metric(large, "touch_faults_per_page"), 1.0, 0.1);
  EXPECT_LT(metric(small, "touch_faults_per_page"), 0.5);
  if (large.metric("syscalls_per_op") && small.metric("syscalls_per_op")) {
    EXPECT_NEAR(metric(large, "syscalls_per_op"), 2.0, 0.2);  // mmap + munmap
    EXPECT_LT(metric(small, "syscalls_per_op"), 0.5);
  }
}

TEST_F(AllocRows, CallocLeavesRssFlatWhileMemsetGrowsItByTheSize) {
  if (illusion::testing::kSanitized) GTEST_SKIP() << illusion::testing::kSanitizedSkip;
  const Result& r = run("vm.calloc_vs_memset");
  expect_ok(r);
  const double size_kib = static_cast<double>(alloc::kLargeBlockBytes) / 1024;
  EXPECT_EQ(metric(r, "served_by_mmap"), 1);
  EXPECT_LT(metric(r, "calloc_rss_growth_kib"), 0.1 * size_kib);
  EXPECT_GT(metric(r, "memset_rss_growth_kib"), 0.8 * size_kib);
  EXPECT_LT(metric(r, "calloc_resident_fraction"), 0.1);
  EXPECT_GT(metric(r, "memset_resident_fraction"), 0.9);
  EXPECT_LT(metric(r, "calloc_faults_per_page"), 0.1);
  EXPECT_NEAR(metric(r, "memset_faults_per_page"), 1.0, 0.1);
  EXPECT_NEAR(metric(r, "calloc_touch_faults_per_page"), 1.0, 0.1);
}

TEST_F(AllocRows, FreedHeapStaysResidentUntilTrimmed) {
  if (illusion::testing::kSanitized) GTEST_SKIP() << illusion::testing::kSanitizedSkip;
  const Result& r = run("vm.free_returns_memory");
  expect_ok(r);
  const double small = metric(r, "small_allocated_kib");
  EXPECT_GT(small, 0.5 * static_cast<double>(alloc::heap_churn_bytes(core::Profile::quick)) /
                       1024);
  EXPECT_GT(metric(r, "retained_fraction"), 0.8);  // free kept it
  EXPECT_GT(metric(r, "returned_by_trim_kib"), 0.8 * small);
  if (metric(r, "large_served_by_mmap") == 1) {
    EXPECT_GT(metric(r, "large_returned_fraction"), 0.9);  // munmap: back at once
  }
  ASSERT_FALSE(r.series.empty());
  EXPECT_EQ(r.series[0].points.size(), 5u);
}

TEST_F(AllocRows, PrivateFileWriteTakesOneFaultPerPageAndLeavesTheFile) {
  const Result& r = run("vm.private_file_cow");
  expect_ok(r);
  EXPECT_EQ(metric(r, "file_unchanged"), 1);
  EXPECT_NEAR(metric(r, "write_faults_per_page"), 1.0, 0.1);
  EXPECT_NEAR(metric(r, "write_first_faults_per_page"), 1.0, 0.1);
  // Reads fault around: never more than one fault per page.
  EXPECT_LE(metric(r, "read_faults_per_page"), 1.0);
  // Each written page became a private anonymous copy.
  EXPECT_GT(metric(r, "rss_anon_growth_kib"),
            0.8 * static_cast<double>(alloc::kCowFileBytes) / 1024);
  EXPECT_EQ(r.stats->n, alloc::kCowFileBytes / alloc::page_bytes());
}

TEST_F(AllocRows, MinorFaultRowTimesOneFaultPerTouch) {
  const Result& r = run("vm.minor_fault_file");
  expect_ok(r);
  EXPECT_NEAR(metric(r, "faults_per_touch"), 1.0, 0.1);
  EXPECT_EQ(metric(r, "major_faults_per_touch"), 0);
  EXPECT_GE(metric(r, "pages_per_fault"), 1.0);
}

TEST_F(AllocRows, MajorFaultRowCountsOneMajorFaultPerPage) {
  const Result& r = run("vm.major_fault");
  if (r.status == Status::skipped) GTEST_SKIP() << r.reason;
  expect_ok(r);
  EXPECT_LT(metric(r, "resident_fraction_before"), 0.1);
  EXPECT_NEAR(metric(r, "major_faults_per_page"), 1.0, 0.1);
  EXPECT_GT(metric(r, "touched_fraction"), 0);
}

// The eviction and the fault count checked directly on the helpers, on a few spread pages.
TEST_F(AllocRows, EvictedFileIsNotResidentAndEachTouchIsAMajorFault) {
  const alloc::FsInfo fs = alloc::filesystem_of(dir_);
  if (fs.memory_backed) GTEST_SKIP() << dir_ << " is on " << fs.name << ": it cannot evict";
  alloc::TestFile file(dir_, "alloc-test", 4 * alloc::kMiB);
  // Unlinked as soon as written: nothing in the directory even while it is open.
  EXPECT_TRUE(illusion::testing::dir_entries(dir_).empty());
  file.evict();
  const std::optional<double> resident = file.resident_fraction();
  ASSERT_TRUE(resident.has_value());
  if (*resident >= 0.1) GTEST_SKIP() << fs.name << " kept " << *resident << " cached";

  alloc::FileMapping map(file, PROT_READ, MAP_SHARED);
  ASSERT_EQ(madvise(map.data(), map.size(), MADV_RANDOM), 0);
  const std::size_t pages = map.size() / alloc::page_bytes();
  std::vector<std::size_t> offsets;
  for (std::size_t p = 0; p < pages; p += 16) offsets.push_back(p * alloc::page_bytes());
  std::vector<double> ns(offsets.size(), 0.0);
  alloc::FaultWindow w;
  w.start();
  alloc::timed_touches(*clock_, map.data(), offsets.data(), offsets.size(),
                          alloc::Touch::read, ns.data());
  w.stop();
  const alloc::FaultCount c = w.read();
  const auto touched = static_cast<double>(offsets.size());
  EXPECT_NEAR(c.major, touched, 0.1 * touched) << "source " << c.source;
  EXPECT_NEAR(c.faults, touched, 0.1 * touched) << "source " << c.source;
  // MADV_RANDOM: no readahead, so only the touched pages came into the cache.
  const std::optional<double> after = alloc::resident_fraction(map.data(), map.size());
  ASSERT_TRUE(after.has_value());
  EXPECT_LT(*after, *resident + 2.0 / 16);
  EXPECT_TRUE(file.contents_unchanged());
}
