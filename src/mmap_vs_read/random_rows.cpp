// Random 4 KiB reads, warm and cold: pread(2), touching a page of a mapping (populated, fresh,
// fresh with MADV_RANDOM, fresh with the default read-around), a memcpy of the page out of a
// populated mapping (pread's copy without the syscall), and io_uring at queue depth 1 and 32. Every
// row reads the same distinct pages in the same random order (a prefix of one fixed shuffle), sums
// every word of each page and checks the total against the file's pattern.
//
// What the rows show: from the cache, a page already mapped costs no syscall, no copy and no
// fault (mmap wins); a fresh mapping pays a minor fault per page instead; from the disk, every
// reader waits for the device once per page, except that a mapping without MADV_RANDOM reads a
// whole window around each faulting page (read-around), and io_uring overlaps 32 such waits.
//
// Each row's body lives in a file of its own (random_pread.cpp, random_mmap.cpp,
// random_uring.cpp), what they share in random_common.*, the I/O pieces in random_io.*.
#include <vector>

#include "core/experiment.h"
#include "mmap_vs_read/random_common.h"
#include "mmap_vs_read/rows.h"

namespace illusion::labs::mmap_vs_read {

using random_common::MapStyle;
using random_common::mmap_body;
using random_common::pread_body;
using random_common::uring_body;

std::vector<core::Experiment> random_rows() {
  // Warm rows first: each warms the file from the cache, not from the disk a cold row left it on.
  const core::DurationHint warm{0.1, 0.5, 3.0}, cold{0.15, 0.8, 4.0};
  return {
      experiment("rand_pread_warm", "pread 4 KiB random, warm",
                 "pread(2) of 4 KiB at random pages of the cached file: a syscall and a 4 KiB "
                 "copy per read",
                 "ns/op", warm, pread_body(Cache::warm)),
      experiment("rand_mmap_warm", "mmap touch 4 KiB random, warm",
                 "Summing random 4 KiB pages of a mapping populated before timing: no syscall, "
                 "no copy, no fault; where mmap wins",
                 "ns/op", warm, mmap_body(MapStyle::populated)),
      experiment("rand_copy_warm", "memcpy 4 KiB random, warm",
                 "memcpy of random 4 KiB pages out of a populated mapping into a buffer: "
                 "pread's copy with no syscall and no page-cache lookup, what kernel bypass "
                 "leaves",
                 "ns/op", warm, mmap_body(MapStyle::copied)),
      experiment("rand_mmap_warm_fresh", "mmap touch 4 KiB random, warm, fresh mapping",
                 "First touches of random pages of a fresh mapping of the cached file: a minor "
                 "fault per page not yet mapped by fault-around",
                 "ns/op", warm, mmap_body(MapStyle::fresh)),
      experiment("rand_uring_qd1_warm", "io_uring 4 KiB random, qd1, warm",
                 "io_uring reads of 4 KiB one at a time from the cache: they complete inside "
                 "the submitting io_uring_enter",
                 "ns/op", warm, uring_body(1, Cache::warm)),
      experiment("rand_uring_qd32_warm", "io_uring 4 KiB random, qd32, warm",
                 "io_uring reads of 4 KiB, 32 in flight, from the cache: one enter per 32 reads, "
                 "each read's latency includes waiting behind the batch",
                 "ns/op", warm, uring_body(32, Cache::warm)),
      experiment("rand_pread_cold", "pread 4 KiB random, cold",
                 "pread(2) of 4 KiB at random pages of the evicted file: one device read per "
                 "call, no readahead for a random read",
                 "ns/op", cold, pread_body(Cache::cold)),
      experiment("rand_mmap_cold", "mmap touch 4 KiB random, cold, MADV_RANDOM",
                 "First touches of random pages of an MADV_RANDOM mapping of the evicted file: "
                 "one major fault, one device read per page",
                 "ns/op", cold, mmap_body(MapStyle::random)),
      experiment("rand_mmap_cold_readaround", "mmap touch 4 KiB random, cold, read-around",
                 "The same without MADV_RANDOM: each major fault reads a window around its page "
                 "(read-around), filling the cache with pages nobody asked for",
                 "ns/op", cold, mmap_body(MapStyle::readaround)),
      experiment("rand_uring_qd1_cold", "io_uring 4 KiB random, qd1, cold",
                 "io_uring reads of 4 KiB one at a time from the disk: the device's latency, "
                 "like pread",
                 "ns/op", cold, uring_body(1, Cache::cold)),
      experiment("rand_uring_qd32_cold", "io_uring 4 KiB random, qd32, cold",
                 "io_uring reads of 4 KiB, 32 in flight, from the disk: the device works on "
                 "many at once, so IOPS rise while each read waits longer",
                 "ns/op", cold, uring_body(32, Cache::cold)),
  };
}

}  // namespace illusion::labs::mmap_vs_read
