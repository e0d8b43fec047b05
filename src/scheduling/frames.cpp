// Placeholder: this group's rows are being written.
#include "scheduling/rows.h"

namespace illusion::labs::scheduling {

std::vector<core::Experiment> frame_rows() {
  return {};
}

}  // namespace illusion::labs::scheduling
