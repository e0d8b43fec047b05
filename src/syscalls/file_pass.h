// The machinery the read-amortisation experiments share: a warm test file in the run's
// temporary directory, page-aligned buffers, and a loop that times passes over the file one
// MiB at a time.
//
// One op of these experiments is "1 KiB of file read": stats are ns/KiB, counters per KiB, so
// read() of 4 KiB, read() of 1 MiB, preadv and io_uring compare on the same axis. A sample is
// one MiB of a pass (256 reads of 4 KiB, one of 1 MiB): timing whole 64 MiB passes gave only
// ~40 samples a run, too few to pin the median (its 95% interval was up to ±17% wide).
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>

#include "core/aligned_buffer.h"
#include "core/experiment.h"
#include "core/profile.h"
#include "core/result.h"
#include "core/scratch_file.h"

namespace illusion::labs::syscalls {

// 64 MiB (16 MiB for --quick): far more than the L2/L3 caches, so every pass copies from the
// page cache in DRAM; small enough to write in a few tens of ms.
std::uint64_t amortisation_file_bytes(core::Profile profile);

// Sum of the first 64-bit word of every 4 KiB page in `data` (`bytes` a multiple of 4 KiB):
// touching one word per block proves the bytes arrived without making the pass compute-bound.
std::uint64_t checksum_pages(const unsigned char* data, std::size_t bytes);

// Reads go into a page-aligned, pre-faulted buffer: every 4 KiB block on exactly one page.
using core::AlignedBuffer;

// The read-amortisation file: a core::ScratchFile (written once into `dir` with a known pattern,
// unlinked as soon as written, freed when the fd closes on any exit path) plus the checksum a
// pass must return. Its dirty pages are never synced: the file lives well under the 30 s
// dirty_expire_centisecs, so usually no writeback ever happens.
class AmortisationFile {
 public:
  AmortisationFile(const std::string& dir, std::uint64_t size_bytes);

  int fd() const { return file_.fd(); }
  std::uint64_t size() const { return file_.size(); }
  const std::string& path() const { return file_.path(); }  // for messages: already unlinked
  std::uint64_t expected_checksum() const { return expected_; }

  // Reads the whole file: "warm" is an action, not a state (DAMON reclaim on this machine pages
  // out memory that sits idle), so it is done right before each measurement.
  void warm() const { file_.warm(); }
  // Fraction of the file's pages in the page cache now (NaN when mincore fails).
  double resident_fraction() const;

 private:
  core::ScratchFile file_;
  std::uint64_t expected_ = 0;
};

struct PassOutcome {
  std::uint64_t checksum = 0;
  std::uint64_t calls = 0;  // syscalls this pass made (reads, seeks, io_uring_enter)
};

struct PassPlan {
  std::string op;                 // what one pass does, in words (param "op")
  std::uint64_t block_bytes = 0;  // bytes asked for per request
  // Reads the bytes [begin, end) of the file, both multiples of 1 MiB. A pass calls it for
  // consecutive ranges from 0 to the file's size, so a plan that reads at the file offset
  // (read(2)) seeks only when begin is 0.
  std::function<PassOutcome(std::uint64_t begin, std::uint64_t end)> read_range;
};

// Warms the file, checks residency, runs one untimed pass to size the run, then times
// passes (budget / pass time, between 3 and 200) inside a counter window, one sample per MiB
// and the checksum checked after every pass. Fills stats (ns/KiB), counters (per KiB), the
// params and metrics, and the meaning line.
core::Result measure_passes(core::RunContext& ctx, core::Result r, const AmortisationFile& file,
                            const PassPlan& plan);

}  // namespace illusion::labs::syscalls
