// Every lab illusion knows, in the order they run: the one explicit list (no static
// registration, which static libraries drop silently: google/benchmark #1498). A library of its
// own (illusion_labs) so the tests that check other tables' experiment ids against the labs
// (the report's rule and chart inputs, the peer pairs) link the same list the CLI runs.
#pragma once

#include <vector>

#include "core/experiment.h"

namespace illusion::labs {

std::vector<core::Lab> all_labs();

}  // namespace illusion::labs
