// Warnings as every output lists them: each once with the rows that gave it, and counters that
// could not be opened for one reason on the same rows in one line (issue 22: five near-identical
// "unavailable" lines for a VM without a PMU).
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "report/cells.h"

namespace illusion::report {
namespace {

core::Result row(const std::string& id, std::vector<std::string> warnings) {
  core::Result r;
  r.id = id;
  r.warnings = std::move(warnings);
  return r;
}

const std::string kNoPmu = ": unavailable (no PMU event for it)";

TEST(WarningLines, CountersUnavailableForOneReasonShareALine) {
  const std::vector<core::Result> rows = {row("a.one", {"cycles" + kNoPmu, "instructions" + kNoPmu,
                                                        "syscalls: unavailable (no tracefs)"}),
                                          row("a.two", {"cycles" + kNoPmu, "instructions" + kNoPmu,
                                                        "syscalls: unavailable (no tracefs)"})};
  const std::vector<WarningLine> lines = deduplicated_warnings(rows);
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(lines[0].text, "cycles, instructions" + kNoPmu);
  EXPECT_EQ(lines[0].from, "every experiment");
  EXPECT_EQ(lines[0].sources,
            (std::vector<std::string>{"cycles" + kNoPmu, "instructions" + kNoPmu}));
  EXPECT_EQ(lines[1].text, "syscalls: unavailable (no tracefs)");
}

// Different rows, or a different reason, keep their own lines: nothing is claimed of a row
// that did not say it.
TEST(WarningLines, DifferentRowsOrReasonsAreNotMerged) {
  const std::vector<core::Result> rows = {
      row("a.one", {"cycles" + kNoPmu}), row("a.two", {"instructions" + kNoPmu}),
      row("a.three", {"cache_misses: unavailable (permission denied)"})};
  const std::vector<WarningLine> lines = deduplicated_warnings(rows);
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_EQ(lines[0].text, "cycles" + kNoPmu);
  EXPECT_EQ(lines[1].text, "instructions" + kNoPmu);
  // A warning that only looks like one ("Indirect cost: unavailable (…)") is left alone.
  const auto other = deduplicated_warnings(
      {row("a.x", {"Indirect: unavailable (x)"}), row("a.x", {"cycles: unavailable (x)"})});
  EXPECT_EQ(other.size(), 2u);
}

}  // namespace
}  // namespace illusion::report
