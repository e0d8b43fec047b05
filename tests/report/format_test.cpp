// Unit choice and significant figures: the strings a reader sees in every table.
#include "core/format.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

using namespace illusion;  // core::format_* are what this file tests

namespace {
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kInf = std::numeric_limits<double>::infinity();
}  // namespace

TEST(FormatNs, ChoosesTheUnitAndThreeFigures) {
  EXPECT_EQ(core::format_ns(84.0), "84.0 ns");
  EXPECT_EQ(core::format_ns(1250), "1.25 µs");
  EXPECT_EQ(core::format_ns(31.2e6), "31.2 ms");
  EXPECT_EQ(core::format_ns(2.5e9), "2.50 s");
  EXPECT_EQ(core::format_ns(123.456), "123 ns");
  EXPECT_EQ(core::format_ns(0.3123), "0.312 ns");
  EXPECT_EQ(core::format_ns(0), "0 ns");
}

TEST(FormatNs, RoundingCarriesIntoTheNextUnit) {
  EXPECT_EQ(core::format_ns(999.4), "999 ns");
  EXPECT_EQ(core::format_ns(999.6), "1.00 µs");
  EXPECT_EQ(core::format_ns(9.996), "10.0 ns");
  EXPECT_EQ(core::format_ns(999'600'000), "1.00 s");
}

TEST(FormatNs, NegativeAndMissing) {
  EXPECT_EQ(core::format_ns(-12), "-12.0 ns");  // a subtraction below zero stays visible
  EXPECT_EQ(core::format_ns(kNaN), "—");
  EXPECT_EQ(core::format_ns(kInf), "—");
}

TEST(FormatCount, PerOpCounters) {
  EXPECT_EQ(core::format_count(1.0), "1.00");
  EXPECT_EQ(core::format_count(0.002), "0.002");
  EXPECT_EQ(core::format_count(256), "256");
  EXPECT_EQ(core::format_count(0.5), "0.500");
  EXPECT_EQ(core::format_count(1234), "1234");
  EXPECT_EQ(core::format_count(12345), "12.3k");
  EXPECT_EQ(core::format_count(2.5e6), "2.50M");
  EXPECT_EQ(core::format_count(0), "0");
  EXPECT_EQ(core::format_count(kNaN), "—");
}

TEST(FormatCount, RareEventsAreNotZero) {
  EXPECT_EQ(core::format_count(0.00004), "1 in 25.0k");
  EXPECT_EQ(core::format_count(7e-07), "1 in 1.43M");
  EXPECT_EQ(core::format_count(-0.0001), "-1 in 10.0k");
  EXPECT_NE(core::format_count(0.0001), "0.000");
}

TEST(FormatRatio, TwoFiguresBelowTenWholeAbove) {
  EXPECT_EQ(core::format_ratio(95.3), "95x");
  EXPECT_EQ(core::format_ratio(1.34), "1.3x");
  EXPECT_EQ(core::format_ratio(0.25), "0.25x");
  EXPECT_EQ(core::format_ratio(9.96), "10x");
  EXPECT_EQ(core::format_ratio(1234.4), "1234x");
  EXPECT_EQ(core::format_ratio(kInf), "—");
}

TEST(FormatWhole, ThousandsSeparatorsRoundDown) {
  EXPECT_EQ(core::format_whole(1111.9), "1,111");
  EXPECT_EQ(core::format_whole(11111111), "11,111,111");
  EXPECT_EQ(core::format_whole(999), "999");
  EXPECT_EQ(core::format_whole(0), "0");
  EXPECT_EQ(core::format_whole(kNaN), "—");
}

TEST(FormatPercent, Fractions) {
  EXPECT_EQ(core::format_percent(0.12), "12%");
  EXPECT_EQ(core::format_percent(0.035), "3.5%");
  EXPECT_EQ(core::format_percent(1.0), "100%");
}

TEST(FormatValue, FollowsTheUnit) {
  EXPECT_EQ(core::format_value(84, "ns/op"), "84.0 ns");
  EXPECT_EQ(core::format_value(30.12, "ns/KiB"), "30.1 ns/KiB");
  EXPECT_EQ(core::format_value(2500, "ns/KiB"), "2.50 µs/KiB");
  EXPECT_EQ(core::format_value(3.14159, "GB/s"), "3.14 GB/s");
  EXPECT_EQ(core::format_value(kNaN, "GB/s"), "—");
  EXPECT_EQ(core::format_value(kNaN, "ns/KiB"), "—");
}

TEST(FormatValue, TimeUnitsReadAsDurations) {
  EXPECT_EQ(core::format_value(12634, "us"), "12.6 ms");
  EXPECT_EQ(core::format_value(1.5, "ms"), "1.50 ms");
  EXPECT_EQ(core::format_value(30.1, "ns/KiB"), "30.1 ns/KiB");
  EXPECT_EQ(core::format_value(1.1, "us/GiB"), "1.10 µs/GiB");
  EXPECT_EQ(core::format_value(2.5, "GB/s"), "2.50 GB/s");
  EXPECT_EQ(core::display_unit("us"), "µs");
  EXPECT_EQ(core::display_unit("us/GiB"), "µs/GiB");
  EXPECT_EQ(core::display_unit("users"), "users");
}
