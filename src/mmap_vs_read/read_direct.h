// O_DIRECT reads of the test file: read(2) straight from the device into the reader's buffer,
// past the page cache (no readahead, no copy out of the cache, nothing left cached).
#pragma once

#include <cstddef>
#include <string>

#include "core/experiment.h"

namespace illusion::labs::mmap_vs_read {

// The row `id` reading with `block`-byte O_DIRECT read(2) calls.
core::Experiment direct_row(std::string id, std::size_t block);

}  // namespace illusion::labs::mmap_vs_read
