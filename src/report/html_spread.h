// Per lab, what the main table leaves out of each row's distribution (html.cpp writes it under
// the lab's table, folded): how many samples, what one sample is (a single operation or a mean
// of a batch), p90, p99, p99.9, max, mean ± standard deviation and outliers, with every
// percentile the sample count cannot reach marked.
#pragma once

#include <ostream>
#include <string>
#include <vector>

#include "core/result.h"

namespace illusion::report {

void write_spread_table(std::ostream& out, const std::vector<const core::Result*>& results,
                        const std::string& lab_title);

}  // namespace illusion::report
