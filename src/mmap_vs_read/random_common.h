// What the random 4 KiB read rows share (random_pread.cpp, random_mmap.cpp, random_uring.cpp;
// their table is random_rows.cpp): the plan of pages to read, one timed pass over it, the checks,
// params and metrics every row records, and pieces of their `meaning` text. The I/O itself (the
// offsets, descriptors, mappings, the io_uring reader) is random_io.h.
//
// Everything lives in its own namespace, like random_io's: other groups of this lab have a Plan
// or a record_faults of their own.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "core/experiment.h"
#include "core/result.h"
#include "mmap_vs_read/io_file.h"
#include "mmap_vs_read/io_pass.h"
#include "mmap_vs_read/random_io.h"

namespace illusion::labs::mmap_vs_read::random_common {

using random_io::kPage;

inline constexpr double kPageBytes = static_cast<double>(kPage);
inline constexpr std::size_t kSyscallCountOps = 64;  // pread and mmap: exact, so few suffice

struct Plan {
  Cache cache = Cache::warm;
  std::vector<std::uint64_t> offsets;  // the pages to read, in order
  double share_ns = 0;
};

Plan plan_for(const core::RunContext& ctx, const IoFile& f, Cache cache);

// What a timed pass did: the sum of the pages read and how many it read (a prefix of the plan).
struct Pass {
  std::uint64_t sum = 0;
  std::size_t ops = 0;
  bool stopped_early = false;
};

// One timed op per offset: `read_page(offset)` returns the sum of the page's words. The row's
// time share is checked against the op times already measured, so it costs no clock reading.
template <class ReadPage>
Pass timed_pass(PassTimer& timer, const Plan& plan, ReadPage&& read_page) {
  Pass pass;
  double spent_ns = 0;
  timer.begin_pass();
  for (std::uint64_t offset : plan.offsets) {
    pass.sum += read_page(offset);
    timer.op_done();
    ++pass.ops;
    spent_ns += timer.op_ns().back();
    if (spent_ns > plan.share_ns && pass.ops < plan.offsets.size()) {
      pass.stopped_early = true;
      break;
    }
  }
  timer.end_pass(pass.ops * kPage);
  return pass;
}

// The reason a row cannot run here, "" when it can.
std::string unavailable_reason(const IoFile& f, Cache cache);

// Metrics faults_per_op and major_faults_per_op, or a warning when no fault counter ran.
void record_faults(core::Result& r);

// Pages the page cache gained per op during a cold pass: 1 when each read brought in only its
// own page, more when the kernel read around it. From the file's mincore residency, and from
// the system-wide Cached figure (which anything else running also moves).
void record_amplification(core::Result& r, const IoFile& f, const CacheSnapshot& prepared,
                          const CacheSnapshot& after, std::size_t ops);

// The sum check, the params and metrics every row carries, the cache record.
void finish_row(core::Result& r, const IoFile& f, const Plan& plan, unsigned queue_depth,
                const Pass& pass, const CacheSnapshot& before, const CacheSnapshot& after);

// "12.3 µs per read at p50 (p99 40.1 µs), 0.33 GB/s = 80.1k IOPS"
std::string figures(const core::Result& r);
// ", <metric> <words>", "" when the row has no such metric.
std::string metric_text(const core::Result& r, const char* name, const char* words);
// ", <n> syscalls per read", "" when the syscalls were not counted.
std::string syscall_text(const core::Result& r);

// How an mmap row maps the file and reads its pages (random_mmap.cpp).
enum class MapStyle {
  populated,   // warm: MAP_POPULATE, every page mapped before timing
  copied,      // warm: populated, and each page memcpy'd to a buffer first: pread minus the kernel
  fresh,       // warm: a fresh mapping, a minor fault per page not yet mapped
  random,      // cold: a fresh mapping with MADV_RANDOM, a major fault per page
  readaround,  // cold: a fresh mapping with the default advice, a major fault reads around
};

// The rows' bodies, one file each.
core::ExperimentBody pread_body(Cache cache);                  // random_pread.cpp
core::ExperimentBody mmap_body(MapStyle style);                // random_mmap.cpp
core::ExperimentBody uring_body(unsigned depth, Cache cache);  // random_uring.cpp

}  // namespace illusion::labs::mmap_vs_read::random_common
