// The mmap scan rows on a 16 MiB file: every row runs (or skips cold where the file's eviction
// probe found the page cache cannot be emptied: tmpfs, caches that keep the file), and the counts
// that follow from how mappings fault are checked; timings are not.
#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "fixture.h"
#include "support/sanitizer.h"

namespace illusion::labs::mmap_vs_read {
namespace {

const std::vector<std::string> kWarmRows = {"mmap_vs_read.mmap_warm", "mmap_vs_read.mmap_seq_warm",
                                            "mmap_vs_read.mmap_populate_warm"};
const std::vector<std::string> kColdRows = {"mmap_vs_read.mmap_cold", "mmap_vs_read.mmap_seq_cold",
                                            "mmap_vs_read.mmap_populate_cold"};

class MmapScan : public IoLabTest {
 protected:
  std::string cold_reason() { return cold_unavailable_reason(shared_file(ctx_)); }

  // Checks every row must pass, and the params and metrics the table and commentary read.
  void expect_scan_row(const core::Result& r, const char* cache) {
    expect_ok(r);
    EXPECT_NE(r.metric("throughput_gbps"), nullptr) << r.id;
    EXPECT_NE(r.metric("faults_per_mib"), nullptr) << r.id;
    EXPECT_NE(r.metric("setup_ns"), nullptr) << r.id << ": mmap and munmap are timed";
    EXPECT_EQ(metric(r, "bytes_per_op"), 64.0 * 1024) << r.id;
    for (const char* p : {"cache", "file_bytes", "filesystem", "mapping", "op", "passes"}) {
      bool found = false;
      for (const core::Param& param : r.params) found = found || param.name == p;
      EXPECT_TRUE(found) << r.id << " lacks param " << p;
    }
    EXPECT_NE(r.meaning.find("GB/s"), std::string::npos) << r.meaning;
    EXPECT_NE(r.meaning.find("per 64 KiB"), std::string::npos) << r.meaning;
    EXPECT_NE(r.meaning.find(cache), std::string::npos) << r.meaning;
  }
};

TEST_F(MmapScan, TableHasTheSixRowsAndWarmIsTheHeadline) {
  std::vector<std::string> ids;
  for (const core::Experiment& e : lab_.experiments) {
    ids.push_back(e.id);
    if (e.id == "mmap_vs_read.mmap_warm") {
      EXPECT_TRUE(e.headline);
    }
  }
  for (const auto* rows : {&kWarmRows, &kColdRows})
    for (const std::string& id : *rows)
      EXPECT_NE(std::find(ids.begin(), ids.end(), id), ids.end()) << id;
}

// A fresh mapping of a cached file faults (at least once), never more than once per page, and
// never waits for the disk; the scan itself makes no syscall.
TEST_F(MmapScan, WarmScansFaultWithoutMajorFaultsOrSyscalls) {
  for (const std::string& id : kWarmRows) {
    const core::Result& r = run(id);
    expect_scan_row(r, "warm");
    EXPECT_EQ(counter(r, "major_faults", "rusage_major_faults"), 0) << id;
    const double per_op = counter(r, "page_faults", "rusage_minor_faults");
    EXPECT_LE(per_op, 16.0) << id << ": more faults than pages in a 64 KiB chunk";
    const double syscalls = counter(r, "syscalls");
    if (!std::isnan(syscalls)) {
      EXPECT_EQ(syscalls, 0) << id;
    }
  }
  EXPECT_GT(metric(earlier_[0], "faults_per_mib"), 0) << "a fresh mapping took no fault at all";
  EXPECT_GT(metric(earlier_[0], "pages_per_fault"), 0);
}

// MAP_POPULATE takes its faults inside mmap(2), outside the ops: the scans take none. getrusage
// sees the populate faults even where perf's page-faults event does not.
TEST_F(MmapScan, PopulatedScansTakeNoFaults) {
  // The scan's own loads fault in ASan's shadow pages (2 per 64 KiB chunk here).
  if (illusion::testing::kSanitized) GTEST_SKIP() << illusion::testing::kSanitizedSkip;
  std::vector<std::string> rows = {"mmap_vs_read.mmap_populate_warm"};
  if (cold_reason().empty()) rows.push_back("mmap_vs_read.mmap_populate_cold");
  for (const std::string& id : rows) {
    const core::Result& r = run(id);
    ASSERT_EQ(r.status, core::Status::ok) << id << ": " << r.reason;
    EXPECT_EQ(counter(r, "page_faults", "rusage_minor_faults"), 0) << id;
    EXPECT_EQ(counter(r, "rusage_minor_faults") + counter(r, "rusage_major_faults"), 0) << id;
    EXPECT_EQ(metric(r, "faults_per_mib"), 0) << id;
    EXPECT_EQ(r.metric("pages_per_fault"), nullptr) << id << ": no faults, no pages per fault";
    EXPECT_GT(metric(r, "populate_ns"), 0) << id;
    EXPECT_GT(metric(r, "populate_faults_rusage"), 0) << id << ": the populate faults vanished";
  }
}

TEST_F(MmapScan, ColdPlainMappingTakesMajorFaults) {
  if (const std::string why = cold_reason(); !why.empty()) GTEST_SKIP() << why;
  const core::Result& r = run("mmap_vs_read.mmap_cold");
  expect_scan_row(r, "cold");
  EXPECT_GT(counter(r, "major_faults", "rusage_major_faults"), 0);
  EXPECT_GT(metric(r, "major_faults_per_mib"), 0);
  const double syscalls = counter(r, "syscalls");
  if (!std::isnan(syscalls)) {
    EXPECT_EQ(syscalls, 0);
  }
}

TEST_F(MmapScan, ColdRowsRunOrSayWhyNot) {
  const std::string why = cold_reason();
  for (const std::string& id : kColdRows) {
    const core::Result& r = run(id);
    if (!why.empty()) {
      EXPECT_EQ(r.status, core::Status::skipped) << id;
      EXPECT_EQ(r.reason, why) << id;
      continue;
    }
    expect_scan_row(r, "cold");
    EXPECT_NE(r.metric("major_faults_per_mib"), nullptr) << id;
  }
}

}  // namespace
}  // namespace illusion::labs::mmap_vs_read
