// The rows each line chart of the HTML report (html.cpp) draws, as data. A chart with no row
// to draw from is simply left out of the page, so a renamed experiment would delete it without
// a word: cli_tests' ReportInputs test checks every source here against the lab tables.
#pragma once

#include <vector>

namespace illusion::report {

struct ChartSource {
  const char* id;      // an experiment id, or the start of several ids when `prefix`
  bool prefix;         // every row whose id starts with `id`, not only the row named `id`
  const char* series;  // the series drawn from each row (its name's start for kWorkingSetChart)
};

inline constexpr ChartSource kWakeupChart{"scheduling.wakeup_", true, "cdf"};
inline constexpr ChartSource kFirstTouchChart{"vm.", true, "first_touch_timeline"};
inline constexpr ChartSource kReadSweepChart{"mmap_vs_read.read_sweep_", true,
                                             "throughput_vs_buffer"};
inline constexpr ChartSource kForkSizeChart{"processes.", true, "latency_vs_size"};
// One row with a series per page size: latency_vs_working_set_4k, _huge.
inline constexpr ChartSource kWorkingSetChart{"vm.tlb_reach", false, "latency_vs_working_set"};

// Every line chart's source, in the order the page shows them. The cost-ladder chart draws
// cost_ladder_ids() (cost_ladder.h).
inline const std::vector<ChartSource>& chart_sources() {
  static const std::vector<ChartSource> kAll{kWakeupChart, kFirstTouchChart, kReadSweepChart,
                                             kForkSizeChart, kWorkingSetChart};
  return kAll;
}

}  // namespace illusion::report
