// What the Lab 3.3 commentary rules (commentary_vm_*.cpp) share: the frame they measure
// against, the huge-page fractions two of their questions read, and the "within" words every
// one of them uses when two figures do not clearly differ.
#pragma once

#include <fmt/format.h>

#include <string>

#include "core/format.h"
#include "report/budget.h"
#include "report/commentary_lookup.h"

namespace illusion::report::rules::vm_words {

inline constexpr double kFrameNs90Hz = kReferenceFrameNs;
// A region at least this fraction in huge pages "became huge"; below kSomeHuge, none did.
inline constexpr double kMostlyHuge = 0.9;
inline constexpr double kSomeHuge = 0.01;

// "within 10%": two figures closer than lookup::kClearlyDifferent.
inline std::string within_ratio() {
  return fmt::format("within {}", core::format_percent(lookup::kClearlyDifferent - 1));
}

}  // namespace illusion::report::rules::vm_words
