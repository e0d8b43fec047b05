// Reading verify files back for `illusion stability` (peers/verify_read.h), and the peer tools'
// variation across them (peers/peer_stability.h): records written by the real writer, a run file
// beside them, and the files that must be refused with the file and the field named.
#include "peers/verify_read.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <string>

#include "core/errors.h"
#include "peers/peer_stability.h"
#include "peers/verify_record.h"
#include "support/files.h"

namespace illusion::peers {
namespace {

using illusion::testing::ScratchDir;
using illusion::testing::write_file;

bool has(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

// A record as `verify --peers` builds it: getppid measured on both sides, fio's round failed.
VerifyRecord record(double illusion_ns, double peer_ns, const std::string& started_at = "") {
  VerifyRecord r;
  r.tool_version = "0.1.0";
  r.started_at = started_at.empty() ? "2026-12-07T06:00:00Z" : started_at;
  r.profile = "quick";
  r.rounds = 1;
  Comparison getppid;
  getppid.id = "getppid";
  getppid.illusion_row = "syscalls.getppid_raw";
  getppid.illusion_figure = "mean per call";
  getppid.peer = "perf bench syscall basic";
  getppid.illusion_ns = {illusion_ns};
  getppid.peer_ns = {peer_ns};
  Comparison fio;
  fio.id = "read_1m_warm";
  fio.statistic = Statistic::p50;
  fio.illusion_row = "mmap_vs_read.read_1m_warm";
  fio.peer = "fio psync read 1m";
  fio.illusion_ns = {95000};
  fio.round_notes = {"fio exited with status 1"};
  r.comparisons = {getppid, fio};
  return r;
}

std::string written(const VerifyRecord& r) {
  return to_json(r).dump(2);
}

// The message read_verify_file gives for `text`, or "" when it is accepted.
std::string refusal(const ScratchDir& dir, const std::string& text) {
  const std::string path = dir.file("bad.json");
  write_file(path, text);
  try {
    read_verify_file(path);
  } catch (const core::UsageError& e) {
    return e.what();
  }
  return "";
}

TEST(VerifyRead, ReadsWhatTheWriterWrote) {
  ScratchDir dir;
  write_file(dir.file("v.json"), written(record(133.1, 144.6, "2026-12-07T07:00:00Z")));
  const VerifyFile v = read_verify_file(dir.file("v.json"));
  EXPECT_EQ(v.path, dir.file("v.json"));
  EXPECT_EQ(v.started_at, "2026-12-07T07:00:00Z");
  EXPECT_EQ(v.profile, "quick");
  EXPECT_TRUE(v.complete);
  ASSERT_EQ(v.comparisons.size(), 2u);
  EXPECT_EQ(v.comparisons[0].id, "getppid");
  EXPECT_EQ(v.comparisons[0].statistic, "mean");
  EXPECT_EQ(v.comparisons[0].illusion.name, "syscalls.getppid_raw");
  EXPECT_EQ(v.comparisons[0].illusion.figure, "mean per call");
  EXPECT_DOUBLE_EQ(*v.comparisons[0].illusion.median_ns, 133.1);
  EXPECT_EQ(v.comparisons[0].peer.name, "perf bench syscall basic");
  EXPECT_DOUBLE_EQ(*v.comparisons[0].peer.median_ns, 144.6);
  EXPECT_EQ(v.comparisons[1].statistic, "p50");
  EXPECT_FALSE(v.comparisons[1].peer.median_ns);  // the failed round: null, never 0
}

TEST(VerifyRead, AVerifyFileAndARunFileMixedAreToldApartByTheirSchema) {
  ScratchDir dir;
  write_file(dir.file("v.json"), written(record(100, 110)));
  write_file(dir.file("run.json"),
             R"({"schema": "illusion.run/1", "profile": "quick", "experiments": []})");
  write_file(dir.file("text.txt"), "not json at all");
  EXPECT_TRUE(try_read_verify_file(dir.file("v.json")));
  EXPECT_FALSE(try_read_verify_file(dir.file("run.json")));  // left to the run reader
  EXPECT_FALSE(try_read_verify_file(dir.file("text.txt")));  // which explains the problem
  EXPECT_FALSE(try_read_verify_file(dir.path()));            // a directory: not read
  EXPECT_FALSE(try_read_verify_file(dir.file("absent.json")));
  EXPECT_TRUE(is_verify_schema("illusion.verify/1"));
  EXPECT_FALSE(is_verify_schema("illusion.run/1"));
}

TEST(VerifyRead, AFileClaimingToBeAVerifyFileIsCheckedNotSkipped) {
  ScratchDir dir;
  write_file(dir.file("v2.json"), R"({"schema": "illusion.verify/2", "comparisons": []})");
  try {
    try_read_verify_file(dir.file("v2.json"));
    FAIL() << "a later version was read";
  } catch (const core::UsageError& e) {
    EXPECT_TRUE(has(e.what(), dir.file("v2.json"))) << e.what();
    EXPECT_TRUE(has(e.what(), "\"illusion.verify/2\" is not supported")) << e.what();
  }
}

TEST(VerifyRead, ABadVerifyFileIsRefusedNamingTheFileAndTheField) {
  ScratchDir dir;
  auto doc = to_json(record(100, 110));
  doc["comparisons"][0]["peer"]["median_ns"] = "144";
  std::string m = refusal(dir, doc.dump());
  EXPECT_TRUE(has(m, dir.file("bad.json"))) << m;
  EXPECT_TRUE(has(m, "comparisons[0].peer.median_ns: expected a number or null, found a string"))
      << m;

  doc = to_json(record(100, 110));
  doc["comparisons"][1].erase("illusion");
  m = refusal(dir, doc.dump());
  EXPECT_TRUE(has(m, "comparisons[1]: the field \"illusion\" is missing")) << m;

  doc = to_json(record(100, 110));
  doc.erase("comparisons");
  EXPECT_TRUE(has(refusal(dir, doc.dump()), "\"comparisons\" is missing"));

  doc = to_json(record(100, 110));
  doc["comparisons"][0]["id"] = "get\x1b[2Jppid";  // an escape sequence bound for a terminal
  EXPECT_TRUE(has(refusal(dir, doc.dump()), "control character")) << refusal(dir, doc.dump());

  doc = to_json(record(100, 110));
  doc["comparisons"][0]["illusion"]["median_ns"] = 1e300;
  EXPECT_TRUE(has(refusal(dir, doc.dump()), "out of range"));

  EXPECT_TRUE(has(refusal(dir, R"({"schema": "illusion.run/1"})"), "is not a verify file"));
  EXPECT_TRUE(has(refusal(dir, "[1, 2"), "not valid JSON"));
  EXPECT_TRUE(has(refusal(dir, ""), "not valid JSON"));
  EXPECT_TRUE(has(refusal(dir, std::string(10000, '[')), "not valid JSON"));  // no deep recursion
  EXPECT_TRUE(has(refusal(dir, "[]"), "expected an object, found an array"));
  EXPECT_EQ(refusal(dir, written(record(100, 110))), "");
}

TEST(VerifyRead, ANonRegularFileIsRefused) {
  ScratchDir dir;
  try {
    read_verify_file(dir.path());
    FAIL() << "a directory was read";
  } catch (const core::UsageError& e) {
    EXPECT_TRUE(has(e.what(), dir.path() + ": not a regular file")) << e.what();
  }
  EXPECT_THROW(read_verify_file(dir.file("absent.json")), core::UsageError);
}

std::vector<VerifyFile> read_back(const ScratchDir& dir, const std::vector<VerifyRecord>& records) {
  std::vector<VerifyFile> out;
  for (std::size_t i = 0; i < records.size(); ++i) {
    // fmt, not "v" + to_string(i): g++ 12 at -O3 warns a false -Wrestrict on the latter.
    const std::string path = dir.file(fmt::format("v{}.json", i));
    write_file(path, written(records[i]));
    out.push_back(read_verify_file(path));
  }
  return out;
}

TEST(VerifyPeerStability, EachSideGetsItsCvAcrossTheRecords) {
  ScratchDir dir;
  const auto s =
      peer_stability(read_back(dir, {record(100, 200), record(110, 220), record(90, 180)}));
  EXPECT_EQ(s.records, 3u);
  ASSERT_EQ(s.paths.size(), 3u);
  ASSERT_EQ(s.rows.size(), 2u);
  const PeerStabilityRow& g = s.rows[0];
  EXPECT_EQ(g.id, "getppid");
  EXPECT_EQ(g.statistic, "mean");
  EXPECT_EQ(g.illusion_figure, "syscalls.getppid_raw (mean per call)");
  EXPECT_EQ(g.peer_tool, "perf bench syscall basic");
  ASSERT_TRUE(g.illusion_cv && g.peer_cv);
  EXPECT_NEAR(*g.illusion_cv, 0.10, 1e-12);  // sd 10 (n - 1) over mean 100
  EXPECT_NEAR(*g.peer_cv, 0.10, 1e-12);
  // fio failed every time: no peer CV, and nothing on that side counted.
  EXPECT_FALSE(s.rows[1].peer_cv);
  EXPECT_FALSE(s.rows[1].peer_ns[0]);
  ASSERT_TRUE(s.rows[1].illusion_cv);
  EXPECT_DOUBLE_EQ(*s.rows[1].illusion_cv, 0);
  EXPECT_EQ(s.peer.rows, 1u);
  EXPECT_EQ(s.illusion.rows, 2u);
  EXPECT_EQ(peer_stability_summary(s),
            "Peer tools varied 10% (median 10%) across the same slots; illusion's figures in "
            "the same verify runs 0–10% (median 5.0%).");
}

TEST(VerifyPeerStability, OneRecordOrValuesAtOrBelowZeroGiveNoCv) {
  ScratchDir dir;
  const auto one = peer_stability(read_back(dir, {record(100, 200)}));
  EXPECT_EQ(one.records, 1u);
  EXPECT_FALSE(one.rows[0].illusion_cv);
  EXPECT_FALSE(one.peer.median);
  EXPECT_EQ(peer_stability_summary(one),
            "No peer tool gave a figure in two verify runs; illusion's figures in them: none in "
            "two verify runs.");
  const auto zero = peer_stability(read_back(dir, {record(-5, 0), record(5, 0)}));
  EXPECT_FALSE(zero.rows[0].illusion_cv);  // mean 0: a CV would divide by it
  EXPECT_FALSE(zero.rows[0].peer_cv);
  EXPECT_TRUE(peer_stability({}).rows.empty());
}

TEST(VerifyPeerStability, AComparisonOneRecordLacksIsAGapNotAZero) {
  VerifyRecord short_one = record(100, 200);
  short_one.comparisons.resize(1);
  ScratchDir dir;
  const auto s = peer_stability(read_back(dir, {record(100, 200), short_one, record(100, 200)}));
  ASSERT_EQ(s.rows.size(), 2u);
  EXPECT_FALSE(s.rows[1].illusion_ns[1]);
  ASSERT_TRUE(s.rows[1].illusion_cv);  // judged on the two records that have it
  EXPECT_DOUBLE_EQ(*s.rows[1].illusion_cv, 0);
}

}  // namespace
}  // namespace illusion::peers
