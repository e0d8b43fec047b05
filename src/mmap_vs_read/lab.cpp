#include "mmap_vs_read/lab.h"

#include <algorithm>

#include "mmap_vs_read/io_file.h"
#include "mmap_vs_read/rows.h"

namespace illusion::labs::mmap_vs_read {

core::Experiment experiment(std::string id, std::string title, std::string shows, std::string unit,
                            core::DurationHint hint, core::ExperimentBody body,
                            std::uint64_t extra_disk) {
  core::Experiment e = core::make_experiment(kLabId, id, std::move(title), std::move(shows),
                                             std::move(unit), hint, std::move(body));
  e.disk = [extra_disk](const core::RunContext& ctx) {
    const std::uint64_t file = test_file_bytes(ctx);
    return core::DiskNeed{file + extra_disk, std::max(file, extra_disk)};
  };
  return e;
}

core::Lab lab() {
  core::Lab l;
  l.id = kLabId;
  l.title = "mmap vs read() IO Experiment";
  l.question = "When does mmap beat read(), when does it lose, and what does the page cache hide?";
  core::add_groups(l, {sequential_rows, mmap_rows, random_rows, mmap_cost_rows, write_rows});
  // The default run: the page cache warm against cold, buffer size, mmap against read() in
  // sequence and at random, the copy kernel bypass keeps, io_uring's queue depth, and what
  // durability costs. O_DIRECT, MADV_SEQUENTIAL, MAP_POPULATE scans and munmap are left to
  // `illusion run mmap_vs_read`.
  core::mark_headline(
      l, {"read_4k_warm", "read_64k_warm", "read_64k_cold", "read_1m_warm", "read_1m_cold",
          "read_sweep_warm", "read_sweep_cold", "mmap_warm", "mmap_cold", "rand_pread_warm",
          "rand_mmap_warm", "rand_copy_warm", "rand_mmap_warm_fresh", "rand_pread_cold",
          "rand_mmap_cold", "rand_uring_qd1_cold", "rand_uring_qd32_cold", "write_buffered",
          "write_fsync"});
  return l;
}

}  // namespace illusion::labs::mmap_vs_read
