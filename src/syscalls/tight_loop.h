// The loop-with-a-syscall rows' split of the slowdown into direct and indirect cost, as pure
// functions of the medians they subtract, so the within-noise and the clear case are tested
// without timing anything (tests/syscalls/tight_loop_test.cpp).
#pragma once

#include <cstdint>
#include <string>

#include "core/stats.h"

namespace illusion::labs::syscalls {

// indirect = loop p50 - pure-loop p50 - getppid p50 / k: three medians of separate rows, so
// the difference carries their noise. `noise_ns` is core::difference_noise_bound of the three
// medians' standard errors (getppid's divided by k, as its median is); infinite when a row had
// fewer than two samples.
struct IndirectCost {
  double direct_ns = 0;    // getppid_raw's p50 / k: the syscall's own cost per iteration
  double indirect_ns = 0;  // as measured, never clamped
  double noise_ns = 0;
  // |indirect| within the bound (or no bound known): no indirect cost is shown to exist.
  bool within_noise() const;
};

IndirectCost indirect_cost(const core::Stats& loop, const core::Stats& pure,
                           const core::Stats& getppid, std::uint64_t k);

// The split as the row's meaning says it: ": 4.20 ns direct + 3.10 ns indirect per iteration
// (noise ±0.80 ns)"; within the noise ": 4.20 ns direct per iteration; the rest, -10.3 ns, is
// within noise (±12.0 ns): no indirect cost measurable"; below zero beyond the noise, the rest
// is named as such and no indirect cost is given.
std::string describe_split(const IndirectCost& c);

// A warning for an indirect cost below zero by more than the noise (kept as measured, not
// clamped); "" when it is not.
std::string negative_indirect_warning(const IndirectCost& c, double loop_p50, double pure_p50);

}  // namespace illusion::labs::syscalls
