// vm.zero_page's words when RssAnon may be unreadable (faults_zero.cpp). The RSS growth of each
// pass is what tells a shared zero page from a page of its own; where /proc/self/status could
// not be read around a pass, that growth is missing, never 0 (a 0 would "show" the zero page).
#pragma once

#include <optional>

#include "core/host_behaviour.h"
#include "vm/faults.h"

namespace illusion::labs::vm::faults {

// RssAnon growth in bytes over the read pass and the write pass; nullopt where unreadable.
struct RssGrowth {
  std::optional<double> read_bytes, write_bytes;
};

// describe_zero_page's words when both growths were read (they replace f's RSS fields);
// otherwise the fault counts alone, with no claim on whether the reads got pages of their own
// (the environment probe's finding is quoted as its own), and a warning saying why.
RowWords zero_page_words(ZeroPageFigures f, const RssGrowth& rss,
                         const core::BehaviourFact& zero_page);

}  // namespace illusion::labs::vm::faults
