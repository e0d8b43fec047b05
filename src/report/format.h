// The reporters' number formatting lives in the core (core/format.h), shared with the labs'
// meaning lines; these names keep the report code's spelling.
#pragma once

#include "core/format.h"

namespace illusion::report {

using core::format_count;
using core::format_ns;
using core::format_percent;
using core::format_ratio;
using core::format_sig3;
using core::format_value;
using core::format_whole;
using core::kMissing;

}  // namespace illusion::report
