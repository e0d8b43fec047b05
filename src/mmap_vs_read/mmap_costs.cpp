// Placeholder: this group's rows are being written.
#include "mmap_vs_read/rows.h"

namespace illusion::labs::mmap_vs_read {

std::vector<core::Experiment> mmap_cost_rows() { return {}; }

}  // namespace illusion::labs::mmap_vs_read
