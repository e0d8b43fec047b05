#include "processes/rows.h"

namespace illusion::labs::processes {

// Placeholder: the rows of this group are being written.
std::vector<core::Experiment> isolation_rows() { return {}; }

}  // namespace illusion::labs::processes
