// Lookups the commentary rules share: a result's figures when they are usable, nullopt when
// the experiment did not run, failed, or produced something that cannot be divided by.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/result.h"

namespace illusion::report::lookup {

// The median of an ok, sampled result when it is finite and positive.
std::optional<double> p50_of(const std::vector<core::Result>& results, const std::string& id);
// The p99 of single operations of an ok result (core::per_op_stats) when finite and positive;
// nullopt for a batched row that has only batch means.
std::optional<double> p99_of(const std::vector<core::Result>& results, const std::string& id);
// ---- directions: "cheaper", "slower" only beyond noise ----

// Two figures of separate rows differ in a direction only when one is at least this factor of
// the other: rows run seconds apart, and CPU frequency and the host's other guests move a
// figure by a few percent between them, which no single row's spread shows.
inline constexpr double kClearlyDifferent = 1.10;

// The half-width within which two rows' medians are the same: the larger of the noise of their
// difference (three standard errors, from each row's MAD: core::difference_noise_bound) and
// kClearlyDifferent of the smaller median. Without both rows' stats, the ratio bound alone.
double median_bound(const core::Result* ra, double a, const core::Result* rb, double b);
// The noise of the difference of the medians of the rows `id_a` and `id_b` alone (no ratio
// part); 0 when either row is missing or has no spread to tell it from.
double median_noise(const std::vector<core::Result>& results, const std::string& id_a,
                    const std::string& id_b);
// The same for the rows `id_a` and `id_b` of a run.
double noise_bound(const std::vector<core::Result>& results, const std::string& id_a, double a,
                   const std::string& id_b, double b);
// The bound for two figures without a spread of their own (throughputs, shares, worst cases).
double ratio_bound(double a, double b);
// +1 when `b` is clearly above `a`, -1 clearly below, 0 within `bound` (or when any is NaN).
int direction(double a, double b, double bound);
// direction() for two costs or rates, which must both be positive to be told apart (0 else).
int positive_direction(double a, double b, double bound);
// A TLB-shootdown IPI counted per munmap at or above this means every munmap interrupted the
// other CPU; the tenth below one allows for munmaps that found it not running the process.
inline constexpr double kIpiPerMunmap = 0.9;
// "within noise (±12.0 ns)".
std::string within_noise(double noise, const std::string& unit);

// A metric of an ok result when finite.
std::optional<double> metric_of(const std::vector<core::Result>& results, const std::string& id,
                                const std::string& name);
// A per-op counter of an ok result when it was counted.
std::optional<double> counter_of(const std::vector<core::Result>& results, const std::string& id,
                                 const std::string& name);
// A text parameter of an ok result ("" when absent or a number).
std::string param_text_of(const std::vector<core::Result>& results, const std::string& id,
                          const std::string& name);
// The unit of an ok result ("" when absent), to refuse comparing different units.
std::string unit_of(const std::vector<core::Result>& results, const std::string& id);

}  // namespace illusion::report::lookup
