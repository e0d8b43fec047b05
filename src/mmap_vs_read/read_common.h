// What the read(2) family of rows share: a page-aligned buffer, one pass of read/pread calls over
// a range of the test file summing every word, the syscall count of those calls in an untimed
// run, and the params every one of these rows records.
#pragma once

#include "core/aligned_buffer.h"

#include <cstddef>
#include <cstdint>
#include <string>

#include "core/result.h"
#include "mmap_vs_read/io_file.h"
#include "mmap_vs_read/io_pass.h"

namespace illusion::labs::mmap_vs_read {

// Every row reads into a core::AlignedBuffer (page-aligned, as O_DIRECT needs), so the copy
// into it costs the same for all of them.
using core::AlignedBuffer;

// read(2) moves the descriptor's offset (one lseek before the pass); pread(2) names the offset
// in every call and leaves the descriptor's alone.
enum class Call { read, pread };
const char* call_name(Call c);  // "read", "pread"

struct PassSum {
  std::uint64_t sum = 0;    // wrapping sum of every word delivered
  std::uint64_t bytes = 0;  // bytes delivered
};

// One pass of calls of buf.size() bytes over [0, limit) of `fd`, summing every word; each call
// is one op of `timer` (begin_pass/end_pass included) unless `timer` is null, when the caller
// times the pass as a whole. Throws on a read error or a file shorter than `limit`.
PassSum read_range(int fd, Call call, std::uint64_t limit, const AlignedBuffer& buf,
                   PassTimer* timer);

// The bytes [begin, end) of a pass, untimed here (the caller times the span as a whole): read(2)
// rewinds when begin is 0 and otherwise goes on from the descriptor's offset, so a pass is its
// spans in order. Throws on a read error or a file shorter than `end`.
PassSum read_span(int fd, Call call, std::uint64_t begin, std::uint64_t end,
                  const AlignedBuffer& buf);

// Throws when the pass did not deliver exactly [0, bytes) of the test file's pattern: the
// runner turns the exception into a failed row.
void check_pass(const PassSum& got, std::uint64_t expected_sum, std::uint64_t expected_bytes);

// Syscalls per op of sequential calls like the pass's (up to 64 of them, within the file), in
// an untimed run with the tracepoint on: the `syscalls` counter, or a warning when unavailable.
// One call counts as `ops_per_call` ops.
void count_call_syscalls(core::Result& r, int fd, Call call, std::uint64_t file_bytes,
                         const AlignedBuffer& buf, double ops_per_call = 1);

// The worst page-cache residency right after preparing a pass: the lowest for warm passes, the
// highest for cold ones, recorded as the metric resident_at_start. Unlike resident_before
// (taken before the first preparation), it is what the passes actually started from.
class StartResidency {
 public:
  explicit StartResidency(Cache cache) : cache_(cache) {}
  void add(const CacheSnapshot& s);
  void record(core::Result& r) const;

 private:
  Cache cache_;
  bool known_ = true, any_ = false;
  double worst_ = 0;
};

// Params cache, file_bytes and filesystem.
void add_file_params(core::Result& r, const IoFile& f, const std::string& cache);

}  // namespace illusion::labs::mmap_vs_read
