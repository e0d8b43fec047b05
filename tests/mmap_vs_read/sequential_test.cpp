// The read(2) family of sequential rows, run for real on a 16 MiB file with the quick profile:
// counts (syscalls per call), structure (metrics, series, params) and page-cache residency
// after eviction, never timings beyond "more than zero".
#include <unistd.h>

#include <cmath>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <variant>
#include <vector>

#include <gtest/gtest.h>

#include "core/scratch_file.h"
#include "fixture.h"
#include "mmap_vs_read/read_common.h"
#include "mmap_vs_read/rows.h"

namespace illusion::labs::mmap_vs_read {
namespace {

class SequentialRows : public IoLabTest {
 protected:
  // One read(2)-family call per op: the `syscalls` counter, unless perf cannot open the
  // raw_syscalls tracepoint here (then the counter is null and there is nothing to check).
  static void expect_one_syscall_per_op(const core::Result& r) {
    const core::CounterValue* c = r.counter("syscalls");
    if (!c || !c->per_op) return;
    EXPECT_NEAR(*c->per_op, 1.0, 0.05) << r.id;
  }

  // A number param, or NaN when absent.
  static double number_param(const core::Result& r, const std::string& name) {
    for (const core::Param& p : r.params)
      if (p.name == name)
        if (const double* v = std::get_if<double>(&p.value)) return *v;
    return std::nan("");
  }
  static void expect_file_params(const core::Result& r) {
    for (const char* name : {"cache", "file_bytes", "filesystem"}) {
      bool found = false;
      for (const core::Param& p : r.params) found = found || p.name == name;
      EXPECT_TRUE(found) << r.id << " lacks the param " << name;
    }
  }

  // Ok where the test file's eviction probe emptied the cache; elsewhere (tmpfs, a cache that
  // keeps the file) skipped with the probe's reason, which names the filesystem.
  bool ran_cold(const core::Result& r) {
    const std::string& why = cold_unavailable_reason(shared_file(ctx_));
    if (why.empty()) {
      expect_ok(r);
      return r.status == core::Status::ok;
    }
    EXPECT_EQ(r.status, core::Status::skipped) << r.id;
    EXPECT_EQ(r.reason, why) << r.id;
    EXPECT_NE(r.reason.find(filesystem().name), std::string::npos) << r.reason;
    return false;
  }
};

TEST_F(SequentialRows, TableListsTheRowsInOrder) {
  std::vector<std::string> ids;
  for (const core::Experiment& e : sequential_rows()) ids.push_back(e.id);
  const std::vector<std::string> expected = {
      "read_4k_warm", "read_4k_cold", "read_64k_warm",   "read_64k_cold",
      "read_1m_warm", "read_1m_cold", "pread_64k_warm",  "pread_64k_cold",
      "direct_64k",   "direct_1m",    "read_sweep_warm", "read_sweep_cold"};
  ASSERT_EQ(ids.size(), expected.size());
  for (std::size_t i = 0; i < ids.size(); ++i) EXPECT_EQ(ids[i], "mmap_vs_read." + expected[i]);
}

TEST_F(SequentialRows, WarmReadsMakeOneSyscallPerCall) {
  for (const char* id : {"read_4k_warm", "read_64k_warm", "read_1m_warm", "pread_64k_warm"}) {
    const core::Result& r = run(std::string("mmap_vs_read.") + id);
    expect_ok(r);
    expect_one_syscall_per_op(r);
    EXPECT_GT(metric(r, "throughput_gbps"), 0) << id;
    EXPECT_GT(metric(r, "resident_at_start"), 0.99) << id;
    expect_file_params(r);
  }
}

TEST_F(SequentialRows, ColdReadsStartFromAnEvictedFile) {
  for (const char* id : {"read_4k_cold", "read_64k_cold", "read_1m_cold", "pread_64k_cold"}) {
    const core::Result& r = run(std::string("mmap_vs_read.") + id);
    if (!ran_cold(r)) continue;
    expect_one_syscall_per_op(r);
    EXPECT_GT(metric(r, "throughput_gbps"), 0) << id;
    EXPECT_LT(metric(r, "resident_at_start"), 0.10) << id;
    expect_file_params(r);
  }
}

TEST_F(SequentialRows, DirectReadsNeitherUseNorFillThePageCache) {
  for (const char* id : {"direct_64k", "direct_1m"}) {
    const core::Result& r = run(std::string("mmap_vs_read.") + id);
    if (r.status == core::Status::skipped) {
      EXPECT_NE(r.reason.find("O_DIRECT"), std::string::npos) << r.reason;
      EXPECT_NE(r.reason.find(filesystem().name), std::string::npos) << r.reason;
      continue;
    }
    expect_ok(r);
    expect_one_syscall_per_op(r);
    EXPECT_GT(metric(r, "throughput_gbps"), 0) << id;
    if (filesystem().memory_backed) {
      EXPECT_FALSE(r.warnings.empty()) << id << ": no warning that tmpfs still reads memory";
      continue;
    }
    EXPECT_LT(metric(r, "resident_at_start"), 0.10) << id;
    EXPECT_LT(metric(r, "resident_after"), 0.10) << id;
  }
}

TEST_F(SequentialRows, SweepsGiveACurveOfSixBufferSizes) {
  const std::vector<std::string> tags = {"4k", "16k", "64k", "256k", "1m", "4m"};
  for (const char* id : {"read_sweep_warm", "read_sweep_cold"}) {
    const core::Result& r = run(std::string("mmap_vs_read.") + id);
    if (std::string(id) == "read_sweep_cold" && !ran_cold(r)) continue;
    expect_ok(r);
    EXPECT_EQ(r.unit, "ns/KiB");
    // The stats are the fastest size's: one sample per span (4 MiB warm, 16 MiB cold) of each
    // of its passes (quick: one pass per size).
    const double span = std::string(id) == "read_sweep_cold" ? 16.0 * kMiB : 4.0 * kMiB;
    const double spans_per_pass = std::ceil(number_param(r, "bytes_per_pass") / span);
    EXPECT_EQ(static_cast<double>(r.stats->n),
              spans_per_pass * number_param(r, "passes") / static_cast<double>(tags.size()))
        << id;
    const double stats_buffer = number_param(r, "stats_buffer_bytes");
    const std::string best_tag = stats_buffer >= kMiB
                                     ? std::to_string(static_cast<int>(stats_buffer / kMiB)) + "m"
                                     : std::to_string(static_cast<int>(stats_buffer / kKiB)) + "k";
    for (const std::string& tag : tags)
      EXPECT_GE(metric(r, "gbps_" + best_tag), metric(r, "gbps_" + tag)) << id << tag;
    ASSERT_EQ(r.series.size(), 1u) << id;
    const core::Series& s = r.series.front();
    EXPECT_EQ(s.name, "throughput_vs_buffer");
    ASSERT_EQ(s.points.size(), tags.size()) << id;
    EXPECT_EQ(s.points.front().first, 4.0);
    for (std::size_t i = 1; i < s.points.size(); ++i)
      EXPECT_GT(s.points[i].first, s.points[i - 1].first) << id;
    for (const std::string& tag : tags) EXPECT_GT(metric(r, "gbps_" + tag), 0) << id << tag;
    EXPECT_GT(metric(r, "throughput_gbps"), 0) << id;
    // A 4 KiB buffer takes 256 calls per MiB, a 4 MiB one a quarter of a call.
    if (r.metric("syscalls_per_mib_4k")) {
      EXPECT_NEAR(metric(r, "syscalls_per_mib_4k"), 256, 256 * 0.05) << id;
      EXPECT_NEAR(metric(r, "syscalls_per_mib_1m"), 1, 0.05) << id;
    }
    if (std::string(id) == "read_sweep_cold") {
      EXPECT_LT(metric(r, "resident_at_start"), 0.10) << id;
    }
    expect_file_params(r);
  }
}

// The pieces the rows rely on for "the bytes arrived": a pass over part of the file sums to the
// pattern's sum, pread leaves the descriptor's offset alone, and a wrong pass throws.
TEST_F(SequentialRows, APassDeliversThePatternAndAWrongOneThrows) {
  const IoFile& f = shared_file(ctx_);
  AlignedBuffer buf(64 * kKiB);
  EXPECT_EQ(reinterpret_cast<std::uintptr_t>(buf.data()) % 4096, 0u);
  const PassSum read = read_range(f.fd(), Call::read, kMiB, buf, nullptr);
  EXPECT_EQ(read.bytes, kMiB);
  EXPECT_EQ(read.sum, core::ScratchFile::pattern_sum(0, kMiB));
  const off_t offset_after_read = ::lseek(f.fd(), 0, SEEK_CUR);
  const PassSum pread = read_range(f.fd(), Call::pread, 2 * kMiB, buf, nullptr);
  EXPECT_EQ(pread.sum, core::ScratchFile::pattern_sum(0, 2 * kMiB));
  EXPECT_EQ(::lseek(f.fd(), 0, SEEK_CUR), offset_after_read);
  // Spans in order make a pass: read(2) rewinds at 0 and then goes on from the offset.
  const PassSum first = read_span(f.fd(), Call::read, 0, kMiB, buf);
  const PassSum second = read_span(f.fd(), Call::read, kMiB, 2 * kMiB, buf);
  EXPECT_EQ(first.bytes + second.bytes, 2 * kMiB);
  EXPECT_EQ(first.sum + second.sum, core::ScratchFile::pattern_sum(0, 2 * kMiB));
  EXPECT_EQ(read_span(f.fd(), Call::pread, kMiB, 2 * kMiB, buf).sum, second.sum);
  EXPECT_NO_THROW(check_pass(read, read.sum, read.bytes));
  EXPECT_THROW(check_pass(read, read.sum + 1, read.bytes), std::runtime_error);
  EXPECT_THROW(check_pass(read, read.sum, read.bytes - 8), std::runtime_error);
}

}  // namespace
}  // namespace illusion::labs::mmap_vs_read
