// Every lab illusion knows, in the order they run: the one explicit list (no static
// registration, which static libraries drop silently: google/benchmark #1498).
#pragma once

#include <vector>

#include "core/experiment.h"

namespace illusion::cli {

std::vector<core::Lab> all_labs();

}  // namespace illusion::cli
