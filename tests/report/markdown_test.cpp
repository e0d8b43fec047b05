// The Markdown report's contract: a heading per lab, well-formed GitHub tables (every row as
// many cells as the header), the console's cells ("—", "*"), reasons for skipped rows, the
// commentary as bullets, and text from the machine or from files escaped.
#include "report/markdown.h"

#include <gtest/gtest.h>

#include <sstream>

#include "report/commentary.h"
#include "report/synthetic.h"

using namespace illusion;
using namespace illusion::report;
using illusion::testing::has;

namespace {

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

std::string line_with(const std::string& text, const std::string& part) {
  for (const std::string& line : lines_of(text))
    if (has(line, part)) return line;
  return "";
}

// Cells of a table line: unescaped "|" separate cells; "\|" is a pipe inside a cell.
std::size_t cell_count(const std::string& line) {
  std::size_t pipes = 0;
  for (std::size_t i = 0; i < line.size(); ++i) {
    if (line[i] == '\\') {
      ++i;
      continue;
    }
    if (line[i] == '|') ++pipes;
  }
  return pipes == 0 ? 0 : pipes - 1;
}

RunRecord sample_run() {
  RunRecord rec;
  rec.tool_version = "0.1.0";
  rec.profile = "quick";
  rec.started_at = "2026-11-23T19:40:00Z";
  rec.duration_s = 12.3;
  rec.env.kernel = "6.1.0";
  rec.env.cpu_model = "Test CPU";
  rec.env.online_cpus = 4;
  rec.env.virtualized = true;
  rec.env.hypervisor = "KVM";
  rec.env.caveats = {"in a VM: timings include hypervisor noise"};
  rec.clock.source = "tsc";
  rec.clock.overhead_ns = 8.2;
  rec.labs = {{"syscalls", "Syscall Cost Microscope", "What does crossing into the kernel cost?"},
              {"mmap_vs_read", "mmap vs read", "Which way of reading a file is faster?"}};

  core::Result call = illusion::testing::make_call("syscalls.function_call", 0.9, 1.2, "call");
  call.counters = {{"page_faults", 0.0}, {"context_switches", 0.0}, {"syscalls", 0.0}};
  call.meaning = "a plain call, for scale";
  core::Result sys = illusion::testing::make_call("syscalls.getppid_raw", 84, 120);
  sys.counters = {{"page_faults", std::nullopt},
                  {"context_switches", std::nullopt},
                  {"syscalls", 1.0},
                  {"rusage_minor_faults", 0.002}};
  sys.meaning = "one kernel crossing";
  sys.warnings = {"cycles: unavailable (no PMU in this VM)"};
  call.warnings = {"cycles: unavailable (no PMU in this VM)"};
  core::Result skipped =
      illusion::testing::make_skipped("syscalls.uring_batch_1", "io_uring is disabled");
  core::Result seq = illusion::testing::make_result("mmap_vs_read.read_seq", 50, -1, "ns/KiB");
  seq.add_metric("throughput_gbps", 3.25, "GB/s");
  seq.meaning = "sequential read";
  core::Result rnd = illusion::testing::make_result("mmap_vs_read.read_rand", 80, -1, "ns/KiB");
  rnd.meaning = "random read";
  rec.results = {call, sys, skipped, seq, rnd};
  rec.insights = commentary(rec.results);
  if (rec.insights.empty()) rec.insights = {{"hand", "a hand-written insight", {}}};
  return rec;
}

std::string render(const RunRecord& rec) {
  std::ostringstream out;
  write_markdown(out, rec);
  return out.str();
}

}  // namespace

TEST(Markdown, HeadingWithToolAndMachine) {
  const std::string text = render(sample_run());
  const std::string first = lines_of(text).front();
  EXPECT_EQ(first.rfind("# ", 0), 0u) << first;
  for (const char* part : {"illusion 0.1.0", "profile quick", "2026-11-23T19:40:00Z", "12.3 s"})
    EXPECT_TRUE(has(first, part)) << part << " in: " << first;
  const std::string machine = line_with(text, "Machine");
  for (const char* part : {"Linux 6.1.0", "Test CPU", "4 CPUs", "VM under KVM", "illusion's timer tsc"})
    EXPECT_TRUE(has(machine, part)) << part << " in: " << machine;
}

TEST(Markdown, AHeadingAndQuestionPerLab) {
  const std::string text = render(sample_run());
  EXPECT_TRUE(has(text, "\n## Syscall Cost Microscope (syscalls)\n")) << text;
  EXPECT_TRUE(has(text, "\n## mmap vs read (mmap\\_vs\\_read)\n")) << text;
  EXPECT_TRUE(has(text, "What does crossing into the kernel cost?"));
  EXPECT_TRUE(has(text, "Which way of reading a file is faster?"));
  EXPECT_LT(text.find("## Syscall Cost"), text.find("## mmap vs read"));
}

TEST(Markdown, TablesAreWellFormed) {
  const std::string text = render(sample_run());
  const std::vector<std::string> lines = lines_of(text);
  int tables = 0;
  for (std::size_t i = 0; i + 1 < lines.size(); ++i) {
    if (lines[i].rfind("| experiment |", 0) != 0) continue;
    ++tables;
    const std::size_t columns = cell_count(lines[i]);
    ASSERT_EQ(cell_count(lines[i + 1]), columns) << lines[i + 1];
    EXPECT_TRUE(has(lines[i + 1], "---")) << lines[i + 1];
    std::size_t rows = 0;
    for (std::size_t j = i + 2; j < lines.size() && lines[j].rfind("|", 0) == 0; ++j, ++rows)
      EXPECT_EQ(cell_count(lines[j]), columns) << lines[j];
    EXPECT_GT(rows, 0u);
    // Counter columns only where some row counted them (table_columns_test.cpp).
    for (const char* col : {"p50", "p99", "max"})
      EXPECT_TRUE(has(lines[i], col)) << col << " in: " << lines[i];
  }
  EXPECT_EQ(tables, 2) << text;
}

TEST(Markdown, ThroughputColumnOnlyWhereARowHasOne) {
  const std::string text = render(sample_run());
  const std::string syscalls_header = line_with(text, "| experiment |");
  EXPECT_FALSE(has(syscalls_header, "GB/s")) << syscalls_header;
  const std::size_t io = text.find("## mmap vs read");
  const std::string io_header = line_with(text.substr(io), "| experiment |");
  EXPECT_TRUE(has(io_header, "GB/s")) << io_header;
  EXPECT_TRUE(has(line_with(text, "| read\\_seq"), "3.25")) << text;
  EXPECT_TRUE(has(line_with(text, "| read\\_rand"), "—"));
}

TEST(Markdown, SameCellsAsTheConsole) {
  const std::string text = render(sample_run());
  const std::string row = line_with(text, "| getppid\\_raw");
  EXPECT_TRUE(has(row, "84.0 ns")) << row;
  EXPECT_TRUE(has(row, "120 ns")) << row;
  EXPECT_TRUE(has(row, "| — |")) << row;     // ctx-sw: unavailable, never 0
  EXPECT_TRUE(has(row, "0.002\\*")) << row;  // faults from getrusage, marked
  EXPECT_TRUE(has(text, "from getrusage(2)"));
  EXPECT_TRUE(has(line_with(text, "| function\\_call"), "| 0 |"));
  // A skipped row has no figures: dashes, and its reason in the list under the table.
  const std::string skipped = line_with(text, "| uring\\_batch\\_1");
  EXPECT_TRUE(has(skipped, "| — | — | — |")) << skipped;
  EXPECT_TRUE(has(text, "- **uring\\_batch\\_1**: skipped: io\\_uring is disabled")) << text;
  EXPECT_TRUE(has(text, "- **getppid\\_raw**: one kernel crossing")) << text;
}

TEST(Markdown, BudgetTableForCalls) {
  const std::string text = render(sample_run());
  EXPECT_TRUE(has(text, "Budget: calls that fit in 1% of a period")) << text;
  const std::string header = line_with(text, "| call |");
  EXPECT_TRUE(has(header, "90 Hz")) << header;
  const std::string row = line_with(text.substr(text.find("| call |")), "| getppid\\_raw | ");
  EXPECT_TRUE(has(row, " / ")) << row;
}

TEST(Markdown, WarningsOnceCaveatsAndCommentaryAsBullets) {
  const RunRecord rec = sample_run();
  const std::string text = render(rec);
  const std::string warning = "- cycles: unavailable (no PMU in this VM) — ";
  ASSERT_TRUE(has(text, warning)) << text;
  EXPECT_EQ(text.find(warning), text.rfind(warning));
  EXPECT_TRUE(has(line_with(text, warning), "syscalls.getppid\\_raw")) << text;
  EXPECT_TRUE(has(text, "## Caveats"));
  EXPECT_TRUE(has(text, "- in a VM: timings include hypervisor noise"));
  const std::size_t commentary = text.find("## Commentary\n");
  ASSERT_NE(commentary, std::string::npos) << text;
  for (const Insight& in : rec.insights)
    EXPECT_TRUE(has(text.substr(commentary), "- " + escape_markdown(in.text))) << in.text;
}

TEST(Markdown, InterruptedRunSaysSo) {
  RunRecord rec = sample_run();
  rec.complete = false;
  EXPECT_TRUE(has(render(rec), "Interrupted"));
}

TEST(Markdown, EscapeMarkdown) {
  EXPECT_EQ(escape_markdown("a|b`c*d_e<f>g"), "a\\|b\\`c\\*d\\_e&lt;f&gt;g");
  EXPECT_EQ(escape_markdown("x\\y [z] #1 ~s~ & q"), "x\\\\y \\[z\\] \\#1 \\~s\\~ &amp; q");
  EXPECT_EQ(escape_markdown("two\nlines\r"), "two lines ");
  EXPECT_EQ(escape_markdown("4.10 µs — ok"), "4.10 µs — ok");
}

TEST(Markdown, HostileStringsAreEscaped) {
  RunRecord rec = sample_run();
  const std::string hostile = "x|y`z*w_v<script>|\n| injected | row |";
  rec.env.cpu_model = "CPU " + hostile;
  rec.env.kernel = "6.1|evil";
  rec.env.hypervisor = "<b>hv</b>";
  rec.env.caveats = {"caveat " + hostile};
  rec.labs[0].question = "question " + hostile;
  rec.results[0].meaning = "meaning " + hostile;
  rec.results[0].warnings = {"warning " + hostile};
  rec.results[2].reason = "reason " + hostile;
  rec.insights = {{"hostile", "insight " + hostile, {}}};
  const std::string text = render(rec);
  const std::string escaped = "x\\|y\\`z\\*w\\_v&lt;script&gt;\\| \\| injected \\| row \\|";
  for (const char* where :
       {"CPU ", "caveat ", "question ", "meaning ", "warning ", "reason ", "insight "})
    EXPECT_TRUE(has(text, where + escaped)) << where << "\n" << text;
  EXPECT_TRUE(has(text, "Linux 6.1\\|evil"));
  EXPECT_TRUE(has(text, "VM under &lt;b&gt;hv&lt;/b&gt;"));
  EXPECT_FALSE(has(text, "<script>"));
  EXPECT_FALSE(has(text, "<b>"));
  // No line starts a table row that was not written as one: the newline became a space.
  for (const std::string& line : lines_of(text))
    EXPECT_FALSE(line.rfind("| injected", 0) == 0) << line;
  // The tables keep their shape: the hostile text added no cell.
  for (const std::string& line : lines_of(text)) {
    if (line.rfind("| ", 0) == 0 && has(line, "experiment")) {
      EXPECT_GE(cell_count(line), 5u) << line;
      EXPECT_LE(cell_count(line), 8u) << line;
    }
  }
}

TEST(Markdown, EmptyRunIsStillADocument) {
  RunRecord rec;
  rec.tool_version = "0.1.0";
  const std::string text = render(rec);
  EXPECT_EQ(text.rfind("# ", 0), 0u) << text;
  EXPECT_TRUE(has(text, "kernel unknown"));
  EXPECT_FALSE(has(text, "##"));
}
