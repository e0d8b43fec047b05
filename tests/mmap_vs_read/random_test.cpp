// The random 4 KiB read rows: their offsets, their readers (io_uring and pread must agree byte
// for byte), and counts that do not depend on timing: major faults per page cold and warm,
// syscalls per read, read-around's extra pages, and the structure of every row.
#include <algorithm>
#include <cstring>
#include <limits>
#include <set>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "fixture.h"
#include "mmap_vs_read/random_io.h"

namespace illusion::labs::mmap_vs_read {
namespace {

using random_io::kPage;

TEST(RandomOffsets, DistinctPagesInsideTheFileTheSameEveryTime) {
  constexpr std::uint64_t kBytes = 4 * kMiB;  // 1024 pages
  const std::vector<std::uint64_t> a = random_io::random_page_offsets(kBytes, 300);
  ASSERT_EQ(a.size(), 300u);
  EXPECT_EQ(std::set<std::uint64_t>(a.begin(), a.end()).size(), a.size());
  for (std::uint64_t o : a) {
    EXPECT_EQ(o % kPage, 0u);
    EXPECT_LT(o, kBytes);
  }
  EXPECT_EQ(random_io::random_page_offsets(kBytes, 300), a);
  EXPECT_FALSE(std::is_sorted(a.begin(), a.end()));
  // A longer list starts with the shorter one: cold rows read a prefix of what warm rows read.
  const std::vector<std::uint64_t> longer = random_io::random_page_offsets(kBytes, 600);
  EXPECT_TRUE(std::equal(a.begin(), a.end(), longer.begin()));
}

TEST(RandomOffsets, CappedAtTheFilesPageCount) {
  const std::vector<std::uint64_t> all = random_io::random_page_offsets(kMiB, 1'000'000);
  ASSERT_EQ(all.size(), kMiB / kPage);
  std::vector<std::uint64_t> sorted = all;
  std::sort(sorted.begin(), sorted.end());
  for (std::size_t i = 0; i < sorted.size(); ++i) EXPECT_EQ(sorted[i], i * kPage);
}

TEST(RandomOffsets, ExpectedSumCoversThePrefixOnly) {
  const std::vector<std::uint64_t> offsets = {8192, 0, 4096};
  EXPECT_EQ(random_io::expected_sum(offsets, 2),
            core::ScratchFile::pattern_sum(8192, kPage) + core::ScratchFile::pattern_sum(0, kPage));
  EXPECT_EQ(random_io::expected_sum(offsets, 0), 0u);
}

class RandomRows : public IoLabTest {
 protected:
  static constexpr const char* kWarmIds[] = {
      "mmap_vs_read.rand_pread_warm",     "mmap_vs_read.rand_mmap_warm",
      "mmap_vs_read.rand_copy_warm",      "mmap_vs_read.rand_mmap_warm_fresh",
      "mmap_vs_read.rand_uring_qd1_warm", "mmap_vs_read.rand_uring_qd32_warm"};

  std::vector<std::string> random_ids() const {
    std::vector<std::string> ids;
    for (const core::Experiment& e : lab_.experiments)
      if (e.id.rfind("mmap_vs_read.rand_", 0) == 0) ids.push_back(e.id);
    return ids;
  }

  // Why the shared file cannot be read cold here ("" when it can): the fact the cold rows
  // themselves decide by, from the eviction probe.
  std::string cold_reason() { return cold_unavailable_reason(shared_file(ctx_)); }

  static bool has_param(const core::Result& r, const std::string& name) {
    return std::any_of(r.params.begin(), r.params.end(),
                       [&](const core::Param& p) { return p.name == name; });
  }

  // Syscalls per read, or NaN when the tracepoint counter was unavailable.
  static double syscalls(const core::Result& r) { return counter(r, "syscalls"); }
};

// The two readers the rows time, read directly: the same offsets give the same bytes, and the
// bytes are the file's pattern.
TEST_F(RandomRows, UringAndPreadReturnTheSameBytes) {
  const IoFile& f = shared_file(ctx_);
  constexpr std::size_t kReads = 100;
  const std::vector<std::uint64_t> offsets = random_io::random_page_offsets(f.size(), kReads);
  std::vector<char> by_pread(kReads * kPage);
  for (std::size_t i = 0; i < kReads; ++i)
    random_io::pread_page(f.fd(), offsets[i], by_pread.data() + i * kPage);
  EXPECT_EQ(sum_words(by_pread.data(), by_pread.size()), random_io::expected_sum(offsets, kReads));

  for (unsigned depth : {1u, 32u}) {
    random_io::UringReader reader(depth);
    if (!reader.unavailable().empty()) GTEST_SKIP() << reader.unavailable();
    std::vector<char> by_uring(kReads * kPage, 0);
    std::vector<int> reads_of(kReads, 0);
    const random_io::UringRun run =
        reader.read(f.fd(), offsets, kReads, *clock_, std::numeric_limits<double>::infinity(),
                    [&](const random_io::PageRead& p) {
                      ASSERT_LT(p.index, kReads);
                      ++reads_of[p.index];
                      std::memcpy(by_uring.data() + p.index * kPage, p.page, kPage);
                    });
    EXPECT_EQ(run.ops, kReads) << "depth " << depth;
    EXPECT_FALSE(run.stopped_early);
    EXPECT_EQ(std::count(reads_of.begin(), reads_of.end(), 1), static_cast<long>(kReads));
    EXPECT_EQ(std::memcmp(by_uring.data(), by_pread.data(), by_pread.size()), 0)
        << "depth " << depth;
  }
}

// A deadline already past: the first ring-full is read and reaped, nothing more is submitted.
TEST_F(RandomRows, UringReaderStopsSubmittingAtTheDeadline) {
  const IoFile& f = shared_file(ctx_);
  const std::vector<std::uint64_t> offsets = random_io::random_page_offsets(f.size(), 200);
  random_io::UringReader reader(8);
  if (!reader.unavailable().empty()) GTEST_SKIP() << reader.unavailable();
  std::size_t seen = 0;
  const random_io::UringRun run = reader.read(
      f.fd(), offsets, offsets.size(), *clock_, -std::numeric_limits<double>::infinity(),
      [&](const random_io::PageRead& p) { seen += p.index < 8 ? 1 : 100; });
  EXPECT_EQ(run.ops, 8u);
  EXPECT_EQ(seen, 8u);
  EXPECT_TRUE(run.stopped_early);
}

TEST_F(RandomRows, ColdRandomMappingTakesOneMajorFaultPerPage) {
  if (const std::string why = cold_reason(); !why.empty()) GTEST_SKIP() << why;
  const core::Result& r = run("mmap_vs_read.rand_mmap_cold");
  expect_ok(r);
  const double major = counter(r, "major_faults", "rusage_major_faults");
  EXPECT_GE(major, 0.9);
  EXPECT_LE(major, 1.1);
  // MADV_RANDOM: no read-around, each fault brings in its own page only.
  EXPECT_GE(metric(r, "read_amplification"), 0.9);
  EXPECT_LE(metric(r, "read_amplification"), 1.1);
}

TEST_F(RandomRows, WarmRowsTakeNoMajorFaults) {
  for (const char* id : kWarmIds) {
    const core::Result& r = run(id);
    if (r.status == core::Status::skipped) continue;  // io_uring unavailable: checked elsewhere
    expect_ok(r);
    EXPECT_EQ(counter(r, "major_faults", "rusage_major_faults"), 0) << id;
  }
}

TEST_F(RandomRows, SyscallsPerRead) {
  // Reads timed by clock_gettime count its syscalls too where the vDSO cannot serve it (a
  // clocksource without a vDSO mode) and the timing clock is not the TSC.
  const core::BehaviourFact& user_space = env_->clock_in_user_space;
  ASSERT_TRUE(user_space.value.has_value()) << "clock detection failed: " << user_space.evidence;
  if (!*user_space.value && clock_->info().source != "tsc")
    GTEST_SKIP() << "clock_gettime enters the kernel here (" << user_space.evidence
                 << ") and times the reads, so the syscall counts include the clock's";
  const core::Result& pread = run("mmap_vs_read.rand_pread_warm");
  expect_ok(pread);
  if (std::isnan(syscalls(pread)))
    GTEST_SKIP() << "the syscall counter is unavailable here: "
                 << (pread.warnings.empty() ? "" : pread.warnings.back());
  EXPECT_NEAR(syscalls(pread), 1.0, 0.02);
  const core::Result& mapped = run("mmap_vs_read.rand_mmap_warm");
  expect_ok(mapped);
  EXPECT_NEAR(syscalls(mapped), 0.0, 0.02);
  // The copy row is pread's copy without the kernel: no syscall, and no fault (populated).
  const core::Result& copied = run("mmap_vs_read.rand_copy_warm");
  expect_ok(copied);
  EXPECT_NEAR(syscalls(copied), 0.0, 0.02);
  if (cold_reason().empty()) {
    const core::Result& cold = run("mmap_vs_read.rand_pread_cold");
    expect_ok(cold);
    EXPECT_NEAR(syscalls(cold), 1.0, 0.02);
  }
  // io_uring: one enter per read at depth 1; from the cache the reads complete inside the
  // enter that submits them, so at depth 32 one enter serves a whole ring-full.
  const core::Result& qd1 = run("mmap_vs_read.rand_uring_qd1_warm");
  const core::Result& qd32 = run("mmap_vs_read.rand_uring_qd32_warm");
  if (qd1.status == core::Status::skipped) GTEST_SKIP() << qd1.reason;
  expect_ok(qd1);
  expect_ok(qd32);
  EXPECT_NEAR(syscalls(qd1), 1.0, 0.05);
  EXPECT_LT(syscalls(qd32), 0.25);
}

TEST_F(RandomRows, EveryRowIsOkOrSkippedWithAReason) {
  const std::vector<std::string> ids = random_ids();
  EXPECT_EQ(ids.size(), 11u);
  for (const std::string& id : ids) {
    const core::Result& r = run(id);
    EXPECT_NE(r.status, core::Status::failed) << id << ": " << r.reason;
    if (r.status == core::Status::skipped) {
      EXPECT_FALSE(r.reason.empty()) << id;
      continue;
    }
    expect_ok(r);
    EXPECT_EQ(r.unit, "ns/op");
    for (const char* p : {"cache", "file_bytes", "filesystem", "queue_depth", "offsets",
                          "offsets_planned", "stopped_early", "op"})
      EXPECT_TRUE(has_param(r, p)) << id << " lacks param " << p;
    for (const char* m : {"throughput_gbps", "iops", "ops"})
      EXPECT_GT(metric(r, m), 0) << id << " metric " << m;
    EXPECT_EQ(metric(r, "bytes_per_op"), static_cast<double>(kPage)) << id;
    EXPECT_EQ(metric(r, "ops"), static_cast<double>(r.stats->n)) << id;
    if (id.find("_cold") != std::string::npos) {
      EXPECT_FALSE(std::isnan(metric(r, "read_amplification"))) << id;
    }
  }
  for (const core::Experiment& e : lab_.experiments)
    if (e.id == "mmap_vs_read.rand_pread_cold") {
      EXPECT_TRUE(e.headline);
    }
}

// Without MADV_RANDOM a major fault reads a window around its page (the device's readahead
// size, 128 KiB by default), so the cache gains more pages than the row touches.
TEST_F(RandomRows, ReadAroundBringsMoreThanThePageItTouched) {
  if (const std::string why = cold_reason(); !why.empty()) GTEST_SKIP() << why;
  const core::Result& r = run("mmap_vs_read.rand_mmap_cold_readaround");
  expect_ok(r);
  EXPECT_GT(metric(r, "read_amplification"), 1.5);
}

}  // namespace
}  // namespace illusion::labs::mmap_vs_read
