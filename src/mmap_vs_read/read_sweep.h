// read(2) throughput against buffer size: 4 KiB to 4 MiB, warm or cold.
#pragma once

#include <string>

#include "core/experiment.h"
#include "mmap_vs_read/io_file.h"

namespace illusion::labs::mmap_vs_read {

// The row `id` sweeping buffer sizes with the file `cache` (unit ns/KiB).
core::Experiment sweep_row(std::string id, Cache cache);

}  // namespace illusion::labs::mmap_vs_read
