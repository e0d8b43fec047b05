// vm.fresh_64m_first_touch, checked by what does not depend on time: every sample is one whole
// 64 MiB buffer, each takes one counted fault per 4 KiB page (THP off for it), the first
// sample is reported beside the median, and no buffer is left mapped afterwards.
#include <cstdint>
#include <fstream>
#include <optional>
#include <stdexcept>
#include <string>

#include <gtest/gtest.h>

#include "support/lab_fixture.h"
#include "support/sanitizer.h"

#include "core/experiment.h"
#include "vm/faults_probe.h"
#include "vm/fresh_buffer.h"
#include "vm/lab.h"

using namespace illusion;
using core::Result;
using core::Status;
namespace faults = labs::vm::faults;

namespace {

constexpr const char* kId = "vm.fresh_64m_first_touch";

// VmSize of this process (proc(5)), in bytes; nullopt when unreadable.
std::optional<std::uint64_t> vm_size_bytes() {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line))
    if (line.rfind("VmSize:", 0) == 0) return std::stoull(line.substr(7)) * 1024;
  return std::nullopt;
}

const core::Metric& metric(const Result& r, const std::string& name) {
  const core::Metric* m = r.metric(name);
  if (!m) throw std::logic_error(r.id + " has no metric " + name);
  return *m;
}

class FreshBuffer : public illusion::testing::LabTest {
 protected:
  FreshBuffer() : LabTest(labs::vm::lab()) {}
};

}  // namespace

TEST(FreshBufferTable, RowIsHeadlineAndRunsBeforeTheWarmedFirstTouch) {
  const core::Lab lab = labs::vm::lab();
  int fresh = -1, warmed = -1;
  for (std::size_t i = 0; i < lab.experiments.size(); ++i) {
    if (lab.experiments[i].id == kId) {
      fresh = static_cast<int>(i);
      EXPECT_TRUE(lab.experiments[i].headline);
      EXPECT_EQ(lab.experiments[i].unit, "ns/64MiB");
    }
    if (lab.experiments[i].id == "vm.first_touch") warmed = static_cast<int>(i);
  }
  ASSERT_GE(fresh, 0);
  ASSERT_GE(warmed, 0);
  EXPECT_LT(fresh, warmed);
  EXPECT_EQ(labs::vm::kFreshBufferBytes, 64ull << 20);
  EXPECT_EQ(faults::fresh_buffer_samples(core::Profile::quick), 3);
  EXPECT_GT(faults::fresh_buffer_samples(core::Profile::thorough),
            faults::fresh_buffer_samples(core::Profile::standard));
}

TEST_F(FreshBuffer, EveryBufferTakesOneCountedFaultPerPageAndIsUnmapped) {
  if (illusion::testing::kSanitized) GTEST_SKIP() << illusion::testing::kSanitizedSkip;
  const auto size_before = vm_size_bytes();
  const Result& r = run(kId);
  if (r.status == Status::skipped) {
    ASSERT_FALSE(r.reason.empty());
    GTEST_SKIP() << "no room for a 64 MiB buffer here: " << r.reason;
  }
  expect_ok(r);
  const double pages = static_cast<double>(labs::vm::kFreshBufferBytes / faults::page_bytes());
  const double samples = static_cast<double>(faults::fresh_buffer_samples(core::Profile::quick));

  // One sample per fresh buffer, each sample a single op (a whole buffer).
  EXPECT_EQ(r.stats->n, static_cast<std::size_t>(samples));
  EXPECT_EQ(r.ops_per_sample, 1.0);
  EXPECT_EQ(r.unit, "ns/64MiB");

  // At least a fault per page (MADV_NOHUGEPAGE: one per 4 KiB page), at most a few more (the
  // stack, libc, the clock). getrusage counts are always there; perf's when the event opened.
  const double faults = metric(r, "faults_per_op").value;
  EXPECT_GE(faults, pages) << r.meaning;
  EXPECT_LE(faults, pages * 1.02 + 8) << r.meaning;
  EXPECT_NEAR(metric(r, "faults_per_page").value, 1.0, 0.02);
  const core::CounterValue* rusage = r.counter("rusage_minor_faults");
  ASSERT_NE(rusage, nullptr);
  ASSERT_TRUE(rusage->per_op.has_value());
  EXPECT_NEAR(*rusage->per_op, pages, pages * 0.02 + 8);
  const core::CounterValue* major = r.counter("rusage_major_faults");
  ASSERT_NE(major, nullptr);
  EXPECT_EQ(major->per_op.value_or(-1), 0.0);
  if (const core::CounterValue* perf = r.counter("page_faults"); perf && perf->per_op) {
    EXPECT_GE(*perf->per_op, pages);
    EXPECT_LE(*perf->per_op, pages * 1.02 + 8);
  }

  // The first buffer is reported on its own and is one of the samples.
  const double first = metric(r, "first_ns").value;
  EXPECT_GE(first, r.stats->min);
  EXPECT_LE(first, r.stats->max);
  EXPECT_TRUE(r.metric("later_p50_ns"));
  EXPECT_NE(r.meaning.find("16,384 counted faults"), std::string::npos) << r.meaning;
  for (const std::string& w : r.warnings)
    EXPECT_EQ(w.find("huge pages despite"), std::string::npos) << w;

  // Every buffer was unmapped: the address space did not keep 64 MiB.
  const auto size_after = vm_size_bytes();
  if (size_before && size_after) {
    EXPECT_LT(*size_after, *size_before + labs::vm::kFreshBufferBytes)
        << "a fresh buffer was left mapped";
  }
}
