#include "mmap_vs_read/lab.h"

#include "mmap_vs_read/io_file.h"
#include "mmap_vs_read/rows.h"

namespace illusion::labs::mmap_vs_read {

core::Experiment experiment(std::string id, std::string title, std::string shows, std::string unit,
                            core::DurationHint hint, core::ExperimentBody body, bool headline,
                            std::uint64_t extra_disk) {
  core::Experiment e =
      core::make_experiment(kLabId, std::string(kLabId) + "." + id, std::move(title),
                            std::move(shows), std::move(unit), hint, std::move(body), headline);
  e.disk_bytes = [extra_disk](const core::RunContext& ctx) {
    return test_file_bytes(ctx) + extra_disk;
  };
  return e;
}

core::Lab lab() {
  core::Lab l;
  l.id = kLabId;
  l.title = "mmap vs read() IO Experiment";
  l.question = "When does mmap beat read(), when does it lose, and what does the page cache hide?";
  for (auto group : {sequential_rows, mmap_rows, random_rows, mmap_cost_rows, write_rows}) {
    auto rows = group();
    l.experiments.insert(l.experiments.end(), rows.begin(), rows.end());
  }
  return l;
}

}  // namespace illusion::labs::mmap_vs_read
