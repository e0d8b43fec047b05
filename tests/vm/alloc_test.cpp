// The allocation and file-mapping rows of the VM lab, run for real in the quick profile.
// Asserts counts (faults per page, residency, RSS against the block size), never timings.
#include <sys/mman.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include <gtest/gtest.h>

#include "support/sanitizer.h"

#include "support/files.h"
#include "support/lab_fixture.h"

#include "core/result.h"
#include "vm/alloc.h"
#include "core/scratch_file.h"
#include "vm/alloc_probe.h"
#include "vm/faults_probe.h"
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

double param_number(const Result& r, const std::string& name) {
  for (const core::Param& p : r.params)
    if (p.name == name && std::holds_alternative<double>(p.value)) return std::get<double>(p.value);
  ADD_FAILURE() << r.id << ": no numeric param " << name;
  return -1;
}

// Faults per 4 KiB page that the first touch of a fresh anonymous block takes when
// `huge_fraction` of it is backed by huge pages of `huge_bytes`, and the rest by folios of
// `folio_bytes` (4 KiB, or larger with multi-size THP): one fault per folio or huge page.
double faults_per_page_for(double block_bytes, double huge_fraction, double huge_bytes,
                           double folio_bytes) {
  const double page = static_cast<double>(alloc::page_bytes());
  const double huge = huge_fraction * block_bytes;
  return ((block_bytes - huge) / folio_bytes + huge / huge_bytes) / (block_bytes / page);
}

// The bracketed word of a transparent_hugepage "enabled" file, "" when unreadable.
std::string bracketed(const std::filesystem::path& file) {
  std::ifstream in(file);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const auto a = text.find('['), b = text.find(']');
  return a == std::string::npos || b == std::string::npos ? "" : text.substr(a + 1, b - a - 1);
}

// The largest anonymous folio below the PMD size the kernel uses without being asked
// (multi-size THP: hugepages-<N>kB/enabled "always", or "inherit" under a global "always");
// one 4 KiB page when none is (the default). AnonHugePages does not count these folios.
double largest_unasked_folio_bytes() {
  namespace fs = std::filesystem;
  const fs::path root = "/sys/kernel/mm/transparent_hugepage";
  const std::string global = bracketed(root / "enabled");
  const double pmd = static_cast<double>(labs::vm::faults::thp_pmd_bytes());
  double largest = static_cast<double>(alloc::page_bytes());
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(root, ec)) {
    const std::string name = entry.path().filename();
    unsigned long kb = 0;
    if (std::sscanf(name.c_str(), "hugepages-%lukB", &kb) != 1) continue;
    const double bytes = static_cast<double>(kb) * 1024;
    const std::string mode = bracketed(entry.path() / "enabled");
    if (bytes < pmd && (mode == "always" || (mode == "inherit" && global == "always")))
      largest = std::max(largest, bytes);
  }
  return largest;
}

// A row's faults/page after touching a block of `block_bytes`, against what its recorded
// huge-page share predicts. `outside_window` faults may have been taken before the counting
// started (malloc writes its chunk header, which can fault a whole huge page); 10% covers the
// pages glibc, the sample vectors and the kernel's per-CPU counters add or hide.
void expect_faults_follow_huge_share(const Result& r, const std::string& faults_metric,
                                     const std::string& huge_metric, double block_bytes,
                                     double outside_window) {
  const double huge_fraction = metric(r, huge_metric);
  const double huge_bytes = param_number(r, "huge_page_bytes");
  ASSERT_GT(huge_bytes, 0);
  const double page = static_cast<double>(alloc::page_bytes());
  const double slack = outside_window / (block_bytes / page);
  const double most = faults_per_page_for(block_bytes, huge_fraction, huge_bytes, page);
  const double least =
      faults_per_page_for(block_bytes, huge_fraction, huge_bytes, largest_unasked_folio_bytes());
  const double got = metric(r, faults_metric);
  EXPECT_GE(got, 0.9 * least - slack) << r.id << " " << faults_metric << ", huge share "
                                      << huge_fraction;
  EXPECT_LE(got, 1.1 * most + slack) << r.id << " " << faults_metric << ", huge share "
                                     << huge_fraction;
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
  // A fresh mapping faults once per page on first touch (once per huge page where THP backed
  // it: "always" maps glibc's chunk with huge pages unasked); heap memory is already resident.
  expect_faults_follow_huge_share(large, "touch_faults_per_page", "touch_huge_fraction",
                                  static_cast<double>(alloc::kLargeBlockBytes), 1);
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
  // The allocation is inside each counting window, so nothing was faulted before it.
  const auto bytes = static_cast<double>(alloc::kLargeBlockBytes);
  expect_faults_follow_huge_share(r, "memset_faults_per_page", "memset_huge_fraction", bytes, 0);
  expect_faults_follow_huge_share(r, "calloc_touch_faults_per_page", "calloc_touch_huge_fraction",
                                  bytes, 0);
}

// The prediction the two tests above apply, on numbers a host with THP "always" gives.
TEST(AllocFaultPrediction, OneFaultPerFolioOrHugePage) {
  const double page = static_cast<double>(alloc::page_bytes());
  const double block = 64.0 * 1024 * 1024, huge = 2.0 * 1024 * 1024;
  EXPECT_DOUBLE_EQ(faults_per_page_for(block, 0, huge, page), 1.0);  // THP "never"/"madvise"
  // THP "always": all 32 extents huge, one fault each.
  EXPECT_DOUBLE_EQ(faults_per_page_for(block, 1, huge, page), 32 / (block / page));
  // 30 of 32 extents huge (an unaligned chunk loses its first and last).
  EXPECT_DOUBLE_EQ(faults_per_page_for(block, 30.0 / 32, huge, page),
                   (2 * huge / page + 30) / (block / page));
  // 64 KiB folios elsewhere (multi-size THP): 16 pages per fault.
  EXPECT_DOUBLE_EQ(faults_per_page_for(block, 0, huge, 64 * 1024), 1.0 / 16);
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
  alloc::ScratchFile file(dir_, "alloc-test", 4 * alloc::kMiB);
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

// ---- unreadable readings: missing, never 0, and no conclusion drawn from them ----

namespace {

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

alloc::CallocFigures calloc_figures() {
  alloc::CallocFigures f;
  f.size_bytes = alloc::kLargeBlockBytes;
  f.huge_page_bytes = 2 * alloc::kMiB;
  f.calloc_ns = 12'000;
  f.memset_ns = 9e6;
  f.touch_ns = 10e6;
  f.calloc_faults_per_page = 0.0001;
  f.memset_faults_per_page = 1;
  f.touch_faults_per_page = 1;
  f.calloc_rss_kib = 4;
  f.memset_rss_kib = 65'536;
  f.calloc_resident_fraction = 0;
  return f;
}

}  // namespace

TEST(AllocWords, CallocVerdictNeedsBothRssGrowths) {
  const std::string readable = alloc::calloc_words(calloc_figures());
  EXPECT_TRUE(contains(readable, "RSS +4 KiB")) << readable;
  EXPECT_TRUE(contains(readable, "left the fresh mapping (already zero) unwritten")) << readable;
  EXPECT_TRUE(contains(readable, "saving is deferred")) << readable;

  for (int missing = 0; missing < 3; ++missing) {
    alloc::CallocFigures f = calloc_figures();
    if (missing != 1) f.calloc_rss_kib.reset();
    if (missing != 0) f.memset_rss_kib.reset();
    f.calloc_resident_fraction.reset();
    const std::string text = alloc::calloc_words(f);
    EXPECT_FALSE(contains(text, "RSS +0")) << text;
    EXPECT_FALSE(contains(text, "0% of its pages")) << text;
    EXPECT_FALSE(contains(text, "unwritten")) << text;
    EXPECT_FALSE(contains(text, "cleared the pages itself")) << text;
    EXPECT_FALSE(contains(text, "deferred")) << text;
    EXPECT_TRUE(contains(text, "whether calloc wrote the pages is not shown")) << text;
  }
  // A memset that did not grow RSS leaves nothing to compare with: no verdict either.
  alloc::CallocFigures flat = calloc_figures();
  flat.memset_rss_kib = 0;
  EXPECT_FALSE(contains(alloc::calloc_words(flat), "unwritten"));
}

TEST(AllocWords, CowWithoutFaultCountOrRssClaimsNoFault) {
  alloc::CowFigures f;
  f.size_bytes = alloc::kCowFileBytes;
  f.pages = 4096;
  f.read_faults_per_page = 1.0 / 16;
  f.write_p50_ns = 900;
  f.write_faults_per_page = 1.0;
  f.rss_anon_growth_kib = 16'384;
  const std::string readable = alloc::cow_words(f);
  EXPECT_TRUE(contains(readable, "1.00 faults/page, 900 ns per copy-on-write fault")) << readable;
  EXPECT_TRUE(contains(readable, "RssAnon +16384 KiB")) << readable;

  f.write_faults_per_page.reset();
  f.rss_anon_growth_kib.reset();
  const std::string text = alloc::cow_words(f);
  EXPECT_FALSE(contains(text, "0.00 faults/page")) << text;
  EXPECT_FALSE(contains(text, "copy-on-write fault")) << text;
  EXPECT_FALSE(contains(text, "RssAnon")) << text;
  EXPECT_TRUE(contains(text, "could not be counted")) << text;

  // No read fault at all: no "one fault maps ~0 pages".
  f.read_faults_per_page = 0;
  EXPECT_FALSE(contains(alloc::cow_words(f), "~0 cached pages"));
}

TEST(AllocWords, FreeWithoutRssSaysNothingOfWhatWasReturned) {
  alloc::FreeFigures f;
  f.total_bytes = 16 * alloc::kMiB;
  f.block_bytes = 4096;
  f.large_bytes = alloc::kLargeBlockBytes;
  f.small_kib = 16'400;
  f.retained_kib = 16'300;
  f.trim_kib = 16'200;
  f.large_kib = 65'536;
  f.large_returned_kib = 65'536;
  f.trim_ns = 2e6;
  f.free_large_ns = 3e5;
  f.large_by_mmap = true;
  const std::string readable = alloc::free_words(f);
  EXPECT_TRUE(contains(readable, "(the heap kept it)")) << readable;
  EXPECT_TRUE(contains(readable, "malloc_trim(0) returned 16200 KiB")) << readable;
  EXPECT_TRUE(contains(readable, "returned 65536 of 65536 KiB")) << readable;

  alloc::FreeFigures none = f;
  none.small_kib.reset();
  none.retained_kib.reset();
  none.trim_kib.reset();
  none.large_kib.reset();
  none.large_returned_kib.reset();
  const std::string text = alloc::free_words(none);
  EXPECT_FALSE(contains(text, "heap kept it")) << text;
  EXPECT_FALSE(contains(text, "RSS +")) << text;
  EXPECT_FALSE(contains(text, " 0 KiB")) << text;
  EXPECT_FALSE(contains(text, "returned 0")) << text;
  EXPECT_TRUE(contains(text, "what it returned is unknown")) << text;

  // Most of it went back without a trim: the words follow the figures.
  alloc::FreeFigures returned = f;
  returned.retained_kib = 100;
  EXPECT_FALSE(contains(alloc::free_words(returned), "heap kept it"));
}

TEST(AllocWords, DifferenceNeedsBothReadings) {
  EXPECT_EQ(alloc::difference(std::nullopt, 5.0), std::nullopt);
  EXPECT_EQ(alloc::difference(5.0, std::nullopt), std::nullopt);
  EXPECT_EQ(alloc::difference(5.0, 3.0), -2.0);
}

// The major-fault row times with no counter open and counts a separate, untimed set of touches
// of the same evicted mapping: the counts are still there, per counted touch, and the params
// say how many.
TEST_F(AllocRows, MajorFaultRowCountsInASeparatePass) {
  const Result& r = run("vm.major_fault");
  if (r.status == Status::skipped) GTEST_SKIP() << r.reason;
  expect_ok(r);
  const double counted = param_number(r, "counted_ops");
  EXPECT_GT(counted, 0);
  EXPECT_EQ(param_number(r, "pages_touched"), counted + static_cast<double>(r.stats->n));
  const core::CounterValue* major = r.counter("rusage_major_faults");
  ASSERT_NE(major, nullptr);
  ASSERT_TRUE(major->per_op.has_value());
  EXPECT_NEAR(*major->per_op, 1.0, 0.1);
  ASSERT_NE(r.counter("rusage_minor_faults"), nullptr);
}

// Run alone, with no earlier results at all (ctx.earlier null): the rows that compare with an
// earlier one still run, and leave the comparison out.
TEST_F(AllocRows, RowsRunWithoutEarlierResults) {
  ctx_.earlier = nullptr;
  const Result& large = run("vm.malloc_large");
  expect_ok(large);
  EXPECT_FALSE(contains(large.meaning, "x a 64 KiB one")) << large.meaning;
  const Result& major = run("vm.major_fault");
  ctx_.earlier = &earlier_;
  if (major.status == Status::skipped) GTEST_SKIP() << major.reason;
  expect_ok(major);
  EXPECT_FALSE(contains(major.meaning, "minor fault on the cached file")) << major.meaning;
}
