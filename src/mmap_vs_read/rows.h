// The lab's table is assembled from groups of rows, one group per file, so each file holds its
// experiments' functions next to the rows that name them.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "core/experiment.h"

namespace illusion::labs::mmap_vs_read {

inline constexpr const char* kLabId = "mmap_vs_read";

// A row of this lab's table; `id` is the short name ("read_64k_warm"), the row's id gets the lab's
// prefix ("mmap_vs_read.read_64k_warm"). Every row may need the lab's shared test file, so every
// row declares its size as the disk it needs (plus `extra_disk` for files of its own).
core::Experiment experiment(std::string id, std::string title, std::string shows, std::string unit,
                            core::DurationHint hint, core::ExperimentBody body,
                            std::uint64_t extra_disk = 0);

std::vector<core::Experiment> sequential_rows();  // sequential.cpp: read/pread/O_DIRECT, sweeps
std::vector<core::Experiment> mmap_rows();        // mmap_scan.cpp: plain, MADV_SEQUENTIAL, POPULATE
std::vector<core::Experiment> random_rows();      // random_rows.cpp: 4 KiB at random, io_uring
std::vector<core::Experiment> mmap_cost_rows();   // mmap_costs.cpp: munmap and TLB shootdowns
std::vector<core::Experiment> write_rows();       // writes.cpp: buffered, fsync, O_DSYNC

}  // namespace illusion::labs::mmap_vs_read
