// Known vectors for the statistics, including the edge cases that break naive code:
// empty input, n = 1, all-equal samples (MAD = 0) and a single far outlier.
#include "core/stats.h"

#include <gtest/gtest.h>

using illusion::core::compute_stats;
using illusion::core::median_absolute_deviation;
using illusion::core::percentile_sorted;

TEST(Stats, EmptyIsAllZero) {
  const auto s = compute_stats({});
  EXPECT_EQ(s.n, 0u);
  EXPECT_EQ(s.p50, 0);
  EXPECT_EQ(s.stddev, 0);
  EXPECT_EQ(s.outliers, 0u);
}

TEST(Stats, SingleSample) {
  const auto s = compute_stats({42.0});
  EXPECT_EQ(s.n, 1u);
  EXPECT_DOUBLE_EQ(s.min, 42);
  EXPECT_DOUBLE_EQ(s.p50, 42);
  EXPECT_DOUBLE_EQ(s.p999, 42);
  EXPECT_DOUBLE_EQ(s.max, 42);
  EXPECT_DOUBLE_EQ(s.mean, 42);
  EXPECT_DOUBLE_EQ(s.stddev, 0);  // undefined for n = 1: reported as 0, not NaN
  EXPECT_DOUBLE_EQ(s.cv, 0);
  EXPECT_EQ(s.outliers, 0u);
}

TEST(Stats, AllEqual) {
  const auto s = compute_stats(std::vector<double>(1000, 7.5));
  EXPECT_DOUBLE_EQ(s.p50, 7.5);
  EXPECT_DOUBLE_EQ(s.p99, 7.5);
  EXPECT_DOUBLE_EQ(s.stddev, 0);
  EXPECT_EQ(s.outliers, 0u);
}

TEST(Stats, OneToTen) {
  std::vector<double> v{10, 9, 8, 7, 6, 5, 4, 3, 2, 1};  // order must not matter
  const auto s = compute_stats(v);
  EXPECT_EQ(s.n, 10u);
  EXPECT_DOUBLE_EQ(s.min, 1);
  EXPECT_DOUBLE_EQ(s.max, 10);
  EXPECT_DOUBLE_EQ(s.p50, 5.5);   // h = 4.5
  EXPECT_DOUBLE_EQ(s.p90, 9.1);   // h = 8.1
  EXPECT_DOUBLE_EQ(s.p99, 9.91);  // h = 8.91
  EXPECT_DOUBLE_EQ(s.mean, 5.5);
  EXPECT_NEAR(s.stddev, 3.0276503540974917, 1e-12);  // sqrt(82.5 / 9)
  EXPECT_NEAR(s.cv, 3.0276503540974917 / 5.5, 1e-12);
  EXPECT_EQ(s.outliers, 0u);
}

TEST(Stats, PercentileInterpolates) {
  const std::vector<double> sorted{1, 2, 3, 4};
  EXPECT_DOUBLE_EQ(percentile_sorted(sorted, 0.5), 2.5);
  EXPECT_DOUBLE_EQ(percentile_sorted(sorted, 0.0), 1);
  EXPECT_DOUBLE_EQ(percentile_sorted(sorted, 1.0), 4);
  EXPECT_DOUBLE_EQ(percentile_sorted({}, 0.5), 0);
}

TEST(Stats, MadAndOutliers) {
  // median 3, deviations {2,1,0,1,97} -> MAD 1; 100 is (97 / 1.4826) ~ 65 scaled MADs away.
  EXPECT_DOUBLE_EQ(median_absolute_deviation({1, 2, 3, 4, 100}), 1);
  const auto s = compute_stats({1, 2, 3, 4, 100});
  EXPECT_EQ(s.outliers, 1u);
  EXPECT_DOUBLE_EQ(s.p50, 3);
  EXPECT_DOUBLE_EQ(s.max, 100);
}

TEST(Stats, MadZeroCountsAnyDifferentValue) {
  // Over half the samples equal: MAD is 0 and every differing sample is an outlier.
  const auto s = compute_stats({5, 5, 5, 5, 6});
  EXPECT_EQ(s.outliers, 1u);
}
