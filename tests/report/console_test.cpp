// The terminal report's contract: table headers, "—" for what was not measured, the budget
// table, each warning once, readable line lengths.
#include "report/console.h"

#include <gtest/gtest.h>

#include <sstream>

#include "report/commentary.h"
#include "report/synthetic.h"
#include "report/text_table.h"

using namespace illusion;
using namespace illusion::report;

namespace {

std::size_t count(const std::string& text, const std::string& part) {
  std::size_t n = 0;
  for (std::size_t pos = text.find(part); pos != std::string::npos;
       pos = text.find(part, pos + part.size()))
    ++n;
  return n;
}

std::string line_with(const std::string& text, const std::string& part) {
  const std::size_t pos = text.find(part);
  if (pos == std::string::npos) return "";
  const std::size_t start = text.rfind('\n', pos) + 1;
  return text.substr(start, text.find('\n', pos) - start);
}

RunRecord sample_run() {
  RunRecord rec;
  rec.tool_version = "0.1.0";
  rec.started_at = "2026-11-23T19:40:00Z";
  rec.duration_s = 12.3;
  rec.env.kernel = "6.1.0";
  rec.env.caveats = {"in a VM: timings include hypervisor noise"};
  rec.clock.source = "tsc";
  rec.clock.overhead_ns = 8.2;
  rec.labs = {{"syscalls", "Syscall Cost Microscope", "What does crossing into the kernel cost?"}};

  core::Result call = illusion::testing::make_call("syscalls.function_call", 0.9, 1.2, "call");
  call.counters = {{"page_faults", 0.0}, {"context_switches", 0.0}, {"syscalls", 0.0}};
  call.meaning = "a plain call, for scale";
  core::Result sys = illusion::testing::make_call("syscalls.getppid_raw", 84, 120);
  sys.counters = {{"page_faults", std::nullopt},
                  {"context_switches", std::nullopt},
                  {"syscalls", 1.0},
                  {"rusage_minor_faults", 0.002}};
  sys.meaning = std::string(300, 'm');  // far too long for one line
  sys.warnings = {"cycles: unavailable (no PMU in this VM)", "page_faults: unavailable"};
  call.warnings = {"cycles: unavailable (no PMU in this VM)"};
  core::Result read = illusion::testing::make_result("syscalls.read_4k", 30.1, -1, "ns/KiB");
  core::Result skipped =
      illusion::testing::make_skipped("syscalls.uring_batch_1", "io_uring is disabled");
  rec.results = {call, sys, read, skipped};
  rec.insights = commentary(rec.results);
  return rec;
}

std::string render(const RunRecord& rec, bool verbose = true) {
  std::ostringstream out;
  write_console(out, rec, {verbose});
  return out.str();
}

}  // namespace

TEST(Console, LabHeaderAndTableHeaders) {
  const std::string text = render(sample_run());
  EXPECT_NE(text.find("Syscall Cost Microscope"), std::string::npos) << text;
  EXPECT_NE(text.find("What does crossing into the kernel cost?"), std::string::npos);
  const std::string header = line_with(text, "experiment");
  for (const char* col : {"p50", "p99", "max", "faults", "ctx-sw", "syscalls"})
    EXPECT_NE(header.find(col), std::string::npos) << col << " in: " << header;
}

TEST(Console, RowsUseShortIdsAndUnits) {
  const std::string text = render(sample_run());
  const std::string row = line_with(text, "getppid_raw");
  EXPECT_EQ(row.find("syscalls.getppid_raw"), std::string::npos) << row;
  EXPECT_NE(row.find("84.0 ns"), std::string::npos) << row;
  EXPECT_NE(row.find("120 ns"), std::string::npos) << row;
  EXPECT_NE(line_with(text, "read_4k").find("30.1 ns/KiB"), std::string::npos);
}

TEST(Console, UnavailableCountersAreADashNeverZero) {
  const std::string text = render(sample_run());
  const std::string row = line_with(text, "getppid_raw");
  // ctx-sw unavailable in perf and no rusage: "—"; faults falls back to rusage, marked "*".
  EXPECT_NE(row.find("—"), std::string::npos) << row;
  EXPECT_NE(row.find("0.002*"), std::string::npos) << row;
  EXPECT_NE(text.find("*: a count from getrusage(2)"), std::string::npos);  // in the legend
  // A measured zero is printed as one.
  EXPECT_NE(line_with(text, "function_call").find(" 0 "), std::string::npos);
}

TEST(Console, MeaningOnTheLineUnderItsRow) {
  const std::string text = render(sample_run());
  EXPECT_NE(text.find(line_with(text, "function_call") + "\n      a plain call, for scale\n"),
            std::string::npos)
      << text;
}

TEST(Console, SkippedShowsItsReason) {
  const std::string text = render(sample_run());
  const std::string row = line_with(text, "uring_batch_1");
  EXPECT_NE(row.find("—"), std::string::npos) << row;
  EXPECT_NE(text.find(row + "\n      skipped: io_uring is disabled\n"), std::string::npos) << text;
}

TEST(Console, BudgetTable) {
  const std::string text = render(sample_run());
  EXPECT_NE(text.find("Budget: calls that fit in 1% of a period"), std::string::npos) << text;
  // (The ladder's title, now above the tables, names a 90 Hz frame too.)
  const std::string header = line_with(text, "1 kHz");
  EXPECT_NE(header.find("120 Hz"), std::string::npos) << header;
  EXPECT_NE(header.find("90 Hz"), std::string::npos) << header;
  // 111,111 ns / 84 ns = 1322 at p50; / 120 ns = 925 at p99.
  EXPECT_NE(text.find("1,322 / 925"), std::string::npos) << text;
}

TEST(Console, EachWarningOnceWithItsExperiments) {
  const std::string text = render(sample_run());
  EXPECT_EQ(count(text, "cycles: unavailable (no PMU in this VM)"), 1u) << text;
  const std::string line = line_with(text, "cycles: unavailable");
  EXPECT_NE(line.find("syscalls.function_call"), std::string::npos) << line;
  EXPECT_NE(line.find("syscalls.getppid_raw"), std::string::npos) << line;
  EXPECT_NE(line_with(text, "page_faults: unavailable").find("syscalls.getppid_raw"),
            std::string::npos);
}

TEST(Console, CommentaryAndCaveatsAsBullets) {
  const std::string text = render(sample_run());
  EXPECT_NE(text.find("Commentary"), std::string::npos);
  EXPECT_NE(text.find("  • A system call costs about 93 function calls"), std::string::npos)
      << text;
  EXPECT_NE(text.find("  • in a VM: timings include hypervisor noise"), std::string::npos);
}

TEST(Console, LinesStayReadable) {
  const std::string text = render(sample_run());
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) EXPECT_LE(display_width(line), 120u) << line;
  EXPECT_NE(line_with(text, "mmmmmmmm").find("…"), std::string::npos);
}

TEST(Console, InterruptedRunSaysSo) {
  RunRecord rec = sample_run();
  rec.complete = false;
  EXPECT_NE(render(rec).find("Interrupted"), std::string::npos);
}

TEST(Console, ResultsOfAnUnlistedLabStillShow) {
  RunRecord rec = sample_run();
  rec.labs.clear();
  rec.results.push_back(illusion::testing::make_result("vm.first_touch", 700));
  const std::string text = render(rec);
  EXPECT_NE(text.find("\nsyscalls\n"), std::string::npos) << text;
  EXPECT_NE(text.find("first_touch"), std::string::npos);
}

TEST(Console, ThroughputColumnOnlyForTablesWithThroughput) {
  EXPECT_EQ(line_with(render(sample_run()), "experiment").find("GB/s"), std::string::npos);

  RunRecord rec = sample_run();
  rec.labs = {{"mmap_vs_read", "mmap vs read() IO Experiment", ""}};
  core::Result warm = illusion::testing::make_result("mmap_vs_read.read_64k_warm", 7280, 10200);
  warm.lab = "mmap_vs_read";
  warm.add_metric("throughput_gbps", 8.84, "GB/s");
  core::Result skipped = illusion::testing::make_skipped("mmap_vs_read.direct_1m", "no O_DIRECT");
  skipped.lab = "mmap_vs_read";
  rec.results = {warm, skipped};
  const std::string text = render(rec);
  EXPECT_NE(line_with(text, "experiment").find("GB/s"), std::string::npos) << text;
  EXPECT_NE(line_with(text, "read_64k_warm").find("8.84"), std::string::npos) << text;
}

TEST(Console, BatchedRowsShowNoTailAndSayWhy) {
  RunRecord rec = sample_run();
  core::set_ops_per_sample(rec.results[1], 37);  // getppid_raw: p99 120 is of 37-call means
  const std::string text = render(rec);
  const std::string row = line_with(text, "getppid_raw");
  EXPECT_EQ(row.find("120"), std::string::npos) << row;
  // Said once, in the legend at the top, not under every table.
  EXPECT_NE(text.find("— under p99/max: the operation is too short to time alone"),
            std::string::npos)
      << text;
  EXPECT_LT(text.find("Legend"), text.find("getppid_raw")) << text;
  EXPECT_EQ(render(sample_run()).find("only batch means"), std::string::npos);
}

// Summary first (issue 22): the ladder, the caveats and the commentary come before the lab
// tables; without --verbose a row's sentence is left out, but a skipped row still says why.
TEST(Console, SummaryFirstAndRowSentencesOnlyWhenVerbose) {
  RunRecord run = sample_run();
  run.env.caveats = {"a caveat of this machine"};
  run.insights = {{"an_insight", "a sentence of commentary", {}}};
  const std::string text = render(run, false);
  const auto table = text.find("function_call");
  ASSERT_NE(table, std::string::npos) << text;
  EXPECT_LT(text.find("Cost ladder"), table) << text;
  EXPECT_LT(text.find("a caveat of this machine"), table) << text;
  EXPECT_LT(text.find("a sentence of commentary"), table) << text;
  EXPECT_EQ(text.find("a plain call, for scale"), std::string::npos) << text;
  EXPECT_NE(text.find("skipped: io_uring is disabled"), std::string::npos) << text;
  EXPECT_NE(text.find("--verbose"), std::string::npos) << text;
  EXPECT_NE(render(run, true).find("a plain call, for scale"), std::string::npos);
}
