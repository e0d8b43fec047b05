// The fixture every test of this lab derives from: the lab's table, a private temp directory
// that must be empty when the test ends, no child left behind, and a small test file (16 MiB)
// so the whole suite stays fast on a 2-core CI machine.
#pragma once

#include <cmath>
#include <cstdint>
#include <string>

#include "mmap_vs_read/io_file.h"
#include "mmap_vs_read/lab.h"
#include "support/lab_fixture.h"

namespace illusion::labs::mmap_vs_read {

class IoLabTest : public illusion::testing::LabTest {
 protected:
  IoLabTest()
      : LabTest(lab(), {.temp_dir = true,
                        .children = illusion::testing::LabTest::ChildCheck::after,
                        .expect_lab_id = true}) {
    ctx_.file_bytes = kTestFileBytes;
  }

  // The result's metric, or NaN when absent (so comparisons fail loudly).
  static double metric(const core::Result& r, const std::string& name) {
    const core::Metric* m = r.metric(name);
    return m ? m->value : std::nan("");
  }
  // A per-op counter (perf's name first, else getrusage's), or NaN when unavailable.
  static double counter(const core::Result& r, const std::string& perf,
                        const std::string& rusage = "") {
    const core::CounterValue* c = r.counter(perf);
    if ((!c || !c->per_op) && !rusage.empty()) c = r.counter(rusage);
    return c && c->per_op ? *c->per_op : std::nan("");
  }
  // The filesystem the tests' files are on. Whether they can be read cold is not its name's to
  // say: that is the shared file's eviction probe (cold_unavailable_reason).
  core::FsInfo filesystem() const { return core::filesystem_of(dir_); }

  static constexpr std::uint64_t kTestFileBytes = 16 * kMiB;
};

}  // namespace illusion::labs::mmap_vs_read
