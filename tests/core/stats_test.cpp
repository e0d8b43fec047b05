// Known vectors for the statistics, including the edge cases that break naive code:
// empty input, n = 1, all-equal samples (MAD = 0) and a single far outlier; the CV of the values
// present across runs.
#include "core/stats.h"

#include <cmath>
#include <optional>
#include <vector>

#include <gtest/gtest.h>

using illusion::core::compute_stats;
using illusion::core::difference_noise_bound;
using illusion::core::median_absolute_deviation;
using illusion::core::median_standard_error;
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
  EXPECT_DOUBLE_EQ(s.mad, 1);  // kept in the stats for noise bounds
  EXPECT_EQ(s.outliers, 1u);
  EXPECT_DOUBLE_EQ(s.p50, 3);
  EXPECT_DOUBLE_EQ(s.max, 100);
}

TEST(Stats, MadZeroCountsAnyDifferentValue) {
  // Over half the samples equal: MAD is 0 and every differing sample is an outlier.
  const auto s = compute_stats({5, 5, 5, 5, 6});
  EXPECT_EQ(s.outliers, 1u);
}

// The median's standard error from the MAD: 1.2533 x 1.4826 x MAD / sqrt(n).
TEST(NoiseBound, MedianStandardErrorFromTheMad) {
  // {1, 2, 3, 4, 100}: MAD 1, n 5.
  const double expected = 1.2533 * 1.4826 / std::sqrt(5.0);
  EXPECT_NEAR(median_standard_error({1, 2, 3, 4, 100}), expected, 1e-12);
  EXPECT_NEAR(median_standard_error(1.0, 5), expected, 1e-12);
  const auto s = compute_stats({1, 2, 3, 4, 100});
  EXPECT_NEAR(median_standard_error(s.mad, s.n), expected, 1e-12);
  // Fewer than two samples: nothing is known about the spread.
  EXPECT_TRUE(std::isinf(median_standard_error(std::vector<double>{7})));
  EXPECT_TRUE(std::isinf(median_standard_error(0.0, 0)));
}

// Two samples of one condition: their medians differ by less than the bound. Two conditions
// far apart: the difference is well outside it.
TEST(NoiseBound, WithinNoiseAndClearCases) {
  std::vector<double> a, b, far;
  for (int i = 0; i < 50; ++i) {
    a.push_back(100 + (i % 10));    // median 104.5, MAD 2.5
    b.push_back(100.5 + (i % 10));  // the same spread, 0.5 higher
    far.push_back(150 + (i % 10));  // 50 higher
  }
  const double se = 1.2533 * 1.4826 * 2.5 / std::sqrt(50.0);
  const double bound = difference_noise_bound(a, b);
  EXPECT_NEAR(bound, 3 * std::sqrt(2 * se * se), 1e-9);
  // within noise: |0.5| <= ~2.8
  const double close = compute_stats(b).p50 - compute_stats(a).p50;
  EXPECT_LE(std::fabs(close), bound);
  // clear: 50 >> the same bound
  const double clear = compute_stats(far).p50 - compute_stats(a).p50;
  EXPECT_GT(std::fabs(clear), difference_noise_bound(a, far));
  // Standard errors add in quadrature; an unknown one makes the bound unknown.
  EXPECT_DOUBLE_EQ(difference_noise_bound({3.0, 4.0}), 15.0);
  EXPECT_DOUBLE_EQ(difference_noise_bound({}), 0.0);
  EXPECT_TRUE(std::isinf(difference_noise_bound({1.0, median_standard_error(0.0, 1)})));
  EXPECT_TRUE(std::isinf(difference_noise_bound(a, {42.0})));
}

// The median's distribution-free 95% interval (issue 17): ranks from the binomial(n, 1/2)
// normal approximation, nothing for fewer than 10 samples, and the half-width relative to p50.
TEST(MedianInterval, RanksForAHundredSamplesAreFortyAndSixtyOne) {
  const auto [l, u] = illusion::core::median_interval_ranks(100);
  EXPECT_EQ(l, 40u);
  EXPECT_EQ(u, 61u);
  const auto small = illusion::core::median_interval_ranks(10);
  EXPECT_GE(small.first, 1u);
  EXPECT_LE(small.second, 10u);
}

TEST(MedianInterval, ComputeStatsFillsItFromTheSortedSamples) {
  std::vector<double> v;
  for (int i = 100; i >= 1; --i) v.push_back(i);  // any order
  const auto s = compute_stats(v);
  ASSERT_TRUE(s.median_lo && s.median_hi);
  EXPECT_DOUBLE_EQ(*s.median_lo, 40);
  EXPECT_DOUBLE_EQ(*s.median_hi, 61);
  const auto half = illusion::core::median_relative_half_width(s);
  ASSERT_TRUE(half);
  EXPECT_NEAR(*half, (61 - 50.5) / 50.5, 1e-12);
}

TEST(MedianInterval, TooFewSamplesOrAZeroMedianGiveNone) {
  const auto s = compute_stats({1, 2, 3, 4, 5, 6, 7, 8, 9});
  EXPECT_FALSE(s.median_lo);
  EXPECT_FALSE(illusion::core::median_relative_half_width(s));
  const auto zero = compute_stats(std::vector<double>(20, 0.0));
  EXPECT_TRUE(zero.median_lo);
  EXPECT_FALSE(illusion::core::median_relative_half_width(zero));
}

TEST(MedianInterval, AFirmMedianIsWithinOnePercent) {
  std::vector<double> tight(1000, 100.0);
  tight.push_back(500);  // a tail does not move the median's interval
  const auto s = compute_stats(tight);
  EXPECT_LE(*illusion::core::median_relative_half_width(s), illusion::core::kFirmMedian);
  std::vector<double> spread;
  for (int i = 0; i < 1000; ++i) spread.push_back(50 + i % 100);  // uniform 50..149
  EXPECT_GT(*illusion::core::median_relative_half_width(compute_stats(spread)),
            illusion::core::kFirmMedian);
}

TEST(CvOfPresent, FewerThanTwoValuesGiveNone) {
  using illusion::core::cv_of_present;
  EXPECT_FALSE(cv_of_present({}));
  EXPECT_FALSE(cv_of_present({5.0}));
  EXPECT_FALSE(cv_of_present({5.0, std::nullopt, std::nullopt}));  // one present
}

TEST(CvOfPresent, AKnownCvWithAMissingValueSkipped) {
  using illusion::core::cv_of_present;
  // {10, 20, 30}: mean 20, sample stddev 10, CV 0.5; the gap is skipped, not read as 0.
  const auto cv = cv_of_present({10.0, std::nullopt, 20.0, 30.0});
  ASSERT_TRUE(cv);
  EXPECT_DOUBLE_EQ(*cv, 0.5);
  // {1, 3}: mean 2, sample stddev sqrt(2).
  EXPECT_DOUBLE_EQ(*cv_of_present({1.0, 3.0}), std::sqrt(2.0) / 2);
  EXPECT_DOUBLE_EQ(*cv_of_present({7.0, 7.0}), 0.0);
}

TEST(CvOfPresent, AMeanAtOrBelowZeroGivesNone) {
  using illusion::core::cv_of_present;
  EXPECT_FALSE(cv_of_present({0.0, 0.0}));
  EXPECT_FALSE(cv_of_present({-1.0, 1.0}));
  EXPECT_FALSE(cv_of_present({-5.0, -3.0}));
}
