// libFuzzer target for the run-file reader: the bytes go through report::read_run_file, the
// very function `illusion report`, `compare` and `budget --from` call. A core::UsageError is the
// reader's documented answer to a bad file and is fine; anything else escaping (a nlohmann
// exception, std::bad_alloc) or any sanitizer report is a bug. Built and run by scripts/fuzz.sh.
#include <sys/mman.h>
#include <unistd.h>

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <set>
#include <string>

#include "core/errors.h"
#include "report/json.h"
#include "report/json_fields.h"

namespace {

// One memfd for the whole session, rewritten per input, and read back by path: the reader
// opens, fstats and reads it as it would a real file, with no disk and no temp file to leave.
int input_fd() {
  static const int fd = [] {
    const int f = memfd_create("illusion-fuzz-input", MFD_CLOEXEC);
    if (f < 0) std::abort();
    return f;
  }();
  return fd;
}

bool in_range(double d) {
  return std::isnan(d) || std::fabs(d) <= illusion::report::json_fields::kMaxMagnitude;
}

// What an accepted record promises the code that prints it: figures in range (or NaN for
// null) and no two results with one id.
void check_promises(const illusion::report::RunRecord& record) {
  std::set<std::string> ids;
  if (!in_range(record.duration_s)) std::abort();
  for (const illusion::core::Result& r : record.results) {
    if (!ids.insert(r.id).second) std::abort();
    if (!r.stats) continue;
    const illusion::core::Stats& s = *r.stats;
    for (double d : {s.min, s.p50, s.p90, s.p99, s.p999, s.max, s.mean, s.stddev, s.cv})
      if (!in_range(d)) std::abort();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const int fd = input_fd();
  if (ftruncate(fd, 0) != 0) std::abort();
  std::size_t done = 0;
  while (done < size) {
    const ssize_t n = pwrite(fd, data + done, size - done, static_cast<off_t>(done));
    if (n <= 0) std::abort();
    done += static_cast<std::size_t>(n);
  }
  const std::string path = "/proc/self/fd/" + std::to_string(fd);
  try {
    check_promises(illusion::report::read_run_file(path));
  } catch (const illusion::core::UsageError&) {
    // The documented refusal of a bad file.
  }
  return 0;
}
