// core::faults_per_op, the one perf-else-getrusage rule the labs' fault figures and the report's
// faults column share: perf when it counted and getrusage does not show clearly more, else
// getrusage (marked), else nothing; never a 0 for a count that was not taken.
#include <cmath>
#include <limits>
#include <optional>

#include <gtest/gtest.h>

#include "core/counters.h"
#include "core/result.h"

using illusion::core::FaultKind;
using illusion::core::faults_per_op;
using illusion::core::Result;

namespace {

Result with(std::optional<double> perf_all, std::optional<double> perf_minor,
            std::optional<double> perf_major, std::optional<double> rusage_minor,
            std::optional<double> rusage_major) {
  Result r;
  r.counters = {{"page_faults", perf_all},
                {"minor_faults", perf_minor},
                {"major_faults", perf_major},
                {"rusage_minor_faults", rusage_minor},
                {"rusage_major_faults", rusage_major}};
  return r;
}

}  // namespace

TEST(FaultsPerOp, PerfWhenItCountedAsMuch) {
  const Result r = with(2.0, 1.5, 0.5, 1.5, 0.5);
  for (FaultKind k : {FaultKind::all, FaultKind::minor, FaultKind::major}) {
    const auto f = faults_per_op(r, k);
    ASSERT_TRUE(f);
    EXPECT_FALSE(f->from_rusage);
  }
  EXPECT_DOUBLE_EQ(faults_per_op(r)->value, 2.0);
  EXPECT_DOUBLE_EQ(faults_per_op(r, FaultKind::minor)->value, 1.5);
  EXPECT_DOUBLE_EQ(faults_per_op(r, FaultKind::major)->value, 0.5);
}

TEST(FaultsPerOp, RusageWhenPerfIsMissing) {
  const Result r = with(std::nullopt, std::nullopt, std::nullopt, 3.0, 1.0);
  const auto all = faults_per_op(r);
  ASSERT_TRUE(all);
  EXPECT_TRUE(all->from_rusage);
  EXPECT_DOUBLE_EQ(all->value, 4.0);  // minor + major
  EXPECT_DOUBLE_EQ(faults_per_op(r, FaultKind::minor)->value, 3.0);
  EXPECT_DOUBLE_EQ(faults_per_op(r, FaultKind::major)->value, 1.0);
}

TEST(FaultsPerOp, RusageWhenPerfSawClearlyFewer) {
  // MAP_POPULATE: the kernel faulted 512 pages in itself, perf saw one fault.
  const auto f = faults_per_op(with(1.0, 1.0, 0.0, 512.0, 0.0));
  ASSERT_TRUE(f);
  EXPECT_TRUE(f->from_rusage);
  EXPECT_DOUBLE_EQ(f->value, 512.0);
  // A little more in getrusage (under +0.5 per op, or under 1.1x) is noise: perf stands.
  EXPECT_FALSE(faults_per_op(with(1.0, 1.0, 0.0, 1.4, 0.0))->from_rusage);
  EXPECT_FALSE(faults_per_op(with(100.0, 100.0, 0.0, 105.0, 0.0))->from_rusage);
}

TEST(FaultsPerOp, MinorAloneIsEnoughForTheTotal) {
  const auto f = faults_per_op(with(std::nullopt, std::nullopt, std::nullopt, 2.0, std::nullopt));
  ASSERT_TRUE(f);
  EXPECT_DOUBLE_EQ(f->value, 2.0);
  EXPECT_FALSE(faults_per_op(with(std::nullopt, std::nullopt, std::nullopt, 2.0, std::nullopt),
                             FaultKind::major));
}

TEST(FaultsPerOp, NothingCountedGivesNothing) {
  EXPECT_FALSE(faults_per_op(Result{}));
  const double nan = std::numeric_limits<double>::quiet_NaN();
  EXPECT_FALSE(faults_per_op(with(nan, nan, nan, std::nullopt, std::nullopt)));
  // A non-finite perf value is as good as missing.
  const auto f = faults_per_op(with(nan, nan, nan, 1.0, 0.0));
  ASSERT_TRUE(f);
  EXPECT_TRUE(f->from_rusage);
}
