// Run files built to hurt the reader: nesting deep enough to overflow a recursive walk, numbers
// past a double or past any measurement, NUL bytes, terminal escapes, endless input, more
// points, rows, keys or bytes than a run could write (the caps). Each gets a UsageError naming
// the file and the problem; none crashes, reads as a wrong number or fills the memory.
// (The ordinary mistakes, such as a wrong schema or a missing field, are in json_read_test.)
#include <gtest/gtest.h>

#include <fstream>
#include <string>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "core/errors.h"
#include "report/json.h"
#include "report/run_file_limits.h"
#include "report/synthetic.h"

using namespace illusion;
using namespace illusion::report;
using illusion::testing::has;
using Json = nlohmann::ordered_json;

namespace {

Json valid_doc() {
  return to_json(illusion::testing::minimal_run_record());
}

// `doc` as text with the value of experiments[0].stats.p50 replaced by `raw`, which need not
// be something nlohmann would write (1e999).
std::string with_p50(const std::string& raw) {
  Json doc = valid_doc();
  doc["experiments"][0]["stats"]["p50"] = "@P50@";
  std::string text = doc.dump();
  text.replace(text.find("\"@P50@\""), 7, raw);
  return text;
}

std::string nested(std::size_t depth) {
  return std::string(depth, '[') + std::string(depth, ']');
}

class HostileFile : public ::testing::Test {
 protected:
  std::string path() const { return dir_.file("run.json"); }
  // The message read_run_file gives for a file holding `bytes`; a failure if it accepts it.
  std::string refusal(const std::string& bytes) {
    std::ofstream(path(), std::ios::binary) << bytes;
    return refusal_of(path());
  }
  static std::string refusal_of(const std::string& file) {
    try {
      (void)read_run_file(file);
    } catch (const core::UsageError& e) {
      return e.what();
    }
    ADD_FAILURE() << "read_run_file accepted " << file;
    return "";
  }
  void expect_reads(const std::string& bytes) {
    std::ofstream(path(), std::ios::binary) << bytes;
    EXPECT_NO_THROW((void)read_run_file(path()));
  }
  illusion::testing::ScratchDir dir_;
};

TEST_F(HostileFile, HundredThousandNestedArraysAreRefusedBeforeParsing) {
  const std::string msg = refusal(nested(100000));
  EXPECT_EQ(msg.rfind(path() + ": ", 0), 0u) << msg;
  EXPECT_TRUE(has(msg, "nested deeper than 64 levels (line 1, column 65)")) << msg;
}

// The depth counts wherever it is, including in a field the reader would ignore or in a series
// whose error message once dumped the offending value recursively.
TEST_F(HostileFile, DeepNestingInsideAValidRunIsRefused) {
  Json doc = valid_doc();
  doc["experiments"][0]["series"] = Json::array({{{"name", "cdf"}, {"points", "@DEEP@"}}});
  std::string text = doc.dump();
  text.replace(text.find("\"@DEEP@\""), 8, "[" + nested(100000) + "]");
  EXPECT_TRUE(has(refusal(text), "nested deeper than 64 levels")) << text.substr(0, 200);
}

TEST_F(HostileFile, NestingUpToTheLimitIsFine) {
  // The top-level object is level 1: 63 more levels of an unknown field reach 64 exactly.
  Json doc = valid_doc();
  doc["unknown_field"] = "@DEEP@";
  std::string at_limit = doc.dump();
  at_limit.replace(at_limit.find("\"@DEEP@\""), 8, nested(63));
  expect_reads(at_limit);
  std::string past = doc.dump();
  past.replace(past.find("\"@DEEP@\""), 8, nested(64));
  EXPECT_TRUE(has(refusal(past), "nested deeper than 64 levels")) << past.substr(0, 200);
}

TEST_F(HostileFile, BracketsInsideStringsDoNotCount) {
  Json doc = valid_doc();
  doc["experiments"][0]["title"] = std::string(1000, '[') + "\\\"" + std::string(1000, '{');
  expect_reads(doc.dump());
}

TEST_F(HostileFile, NumberBeyondADoubleNamesItsPosition) {
  const std::string text = with_p50("1e999");
  const std::string msg = refusal(text);
  EXPECT_EQ(msg.rfind(path() + ": ", 0), 0u) << msg;
  EXPECT_TRUE(has(msg, "the number 1e999 (line 1, column ")) << msg;
  EXPECT_TRUE(has(msg, "too large to read")) << msg;
  EXPECT_TRUE(has(refusal(with_p50("-1e999")), "the number -1e999")) << with_p50("-1e999");
}

TEST_F(HostileFile, HugeIntegerInStatsIsOutOfRange) {
  const std::string msg = refusal(with_p50("99999999999999999999999"));
  EXPECT_TRUE(has(msg, "experiments[0].stats.p50: ")) << msg;
  EXPECT_TRUE(has(msg, "is out of range")) << msg;
}

TEST_F(HostileFile, HugeNegativeInStatsIsOutOfRange) {
  const std::string msg = refusal(with_p50("-1e308"));
  EXPECT_TRUE(has(msg, "experiments[0].stats.p50: -1e+308 is out of range")) << msg;
}

TEST_F(HostileFile, LargeButPlausibleFiguresRead) {
  expect_reads(with_p50("1e15"));
  expect_reads(with_p50("-0.5"));  // below the empty batch's cost: kept, flagged elsewhere
  expect_reads(with_p50("1e-300"));
}

// 2^64 parses as a double that does not fit a uint64: the cast must never be reached.
TEST_F(HostileFile, CountOfTwoToTheSixtyFourIsOutOfRange) {
  Json doc = valid_doc();
  doc["experiments"][0]["stats"]["n"] = "@N@";
  std::string text = doc.dump();
  text.replace(text.find("\"@N@\""), 5, "18446744073709551616");
  const std::string msg = refusal(text);
  EXPECT_TRUE(has(msg, "experiments[0].stats.n: expected a count")) << msg;
  EXPECT_TRUE(has(msg, "out of range")) << msg;
}

// nlohmann takes NUL for the end of the input: garbage starting with one, or a valid run with
// anything appended after one, must not read as "unexpected end" or as a complete run.
TEST_F(HostileFile, NulByteIsCalledBinary) {
  std::string text = valid_doc().dump();
  text.insert(10, 1, '\0');
  const std::string msg = refusal(text);
  EXPECT_TRUE(has(msg, "a NUL byte at line 1, column 11, byte 11: a binary file")) << msg;
  EXPECT_TRUE(has(refusal(std::string("\0\x01\x02", 3)), "a NUL byte at line 1, column 1"));
  const std::string appended = valid_doc().dump() + std::string("\0junk", 5);
  EXPECT_TRUE(has(refusal(appended), "a binary file, not a run file"));
}

TEST_F(HostileFile, TerminalEscapeInATitleIsRefused) {
  Json doc = valid_doc();
  doc["experiments"][0]["title"] = "\x1b[2Jall clear";
  const std::string msg = refusal(doc.dump());
  EXPECT_TRUE(has(msg, "experiments[0].title: contains a control character (U+001B)")) << msg;
  for (char c : msg) EXPECT_NE(c, '\x1b') << "the escape itself must not be echoed";
}

TEST_F(HostileFile, ControlCharactersAnywhereAreRefused) {
  Json doc = valid_doc();
  doc["experiments"][0]["metrics"] = Json::object({{"ops\x07", 1.0}});
  EXPECT_TRUE(has(refusal(doc.dump()), "experiments[0].metrics (a key): contains a control"));
  doc = valid_doc();
  doc["schema"] = "illusion.run/\x1b";
  EXPECT_TRUE(has(refusal(doc.dump()), "schema: contains a control character"));
  doc = valid_doc();
  doc["experiments"][0]["meaning"] =
      "C1 control: \xc2\x9b"
      "2J";
  EXPECT_TRUE(has(refusal(doc.dump()), "(U+009B)"));
  doc = valid_doc();
  doc["experiments"][0]["params"]["op"] = std::string("a\0b", 3);
  EXPECT_TRUE(has(refusal(doc.dump()), "experiments[0].params.op: contains a control"));
}

TEST_F(HostileFile, TabsAndNewlinesInTextAreFine) {
  Json doc = valid_doc();
  doc["experiments"][0]["meaning"] = "first line\n\tsecond line";
  expect_reads(doc.dump());
}

TEST_F(HostileFile, SeriesPointErrorsDescribeInsteadOfDumping) {
  Json doc = valid_doc();
  doc["experiments"][0]["series"] = Json::array(
      {{{"name", "cdf"}, {"points", Json::array({Json::array({1, 2, 3, 4, 5, 6, 7})})}}});
  EXPECT_TRUE(has(refusal(doc.dump()),
                  "experiments[0].series[0].points[0]: expected a pair [x, y], found an array "
                  "of 7"));
  doc["experiments"][0]["series"][0]["points"] = Json::array({"x"});
  EXPECT_TRUE(has(refusal(doc.dump()), "points[0]: expected a pair [x, y], found a string"));
}

// /dev/zero never ends: the reader must stop, not fill memory.
TEST_F(HostileFile, EndlessInputStopsAtTheSizeLimit) {
  const std::string msg = refusal_of("/dev/zero");
  EXPECT_TRUE(has(msg, "/dev/zero: larger than 16 MiB")) << msg;
}

TEST_F(HostileFile, DirectoryIsNamedAsOne) {
  const std::string msg = refusal_of(dir_.path());
  EXPECT_TRUE(has(msg, dir_.path() + ": cannot read the run file: it is a directory")) << msg;
}

TEST_F(HostileFile, EveryRefusalIsOneLine) {
  for (const std::string& bytes : {nested(100000), with_p50("1e999"), std::string("\0\1", 2),
                                   std::string("{\"schema\": \"illusion.run/1\"")}) {
    const std::string msg = refusal(bytes);
    EXPECT_FALSE(has(msg, "\n")) << msg;
  }
}

// The caps of report/run_file_limits.h: a file one past a cap is refused with the path and the
// cap, one at the cap is read. The files stay small (at most a few MiB): the caps are counts.

// A valid run with a series, so every array a cap names exists.
Json doc_with_series() {
  Json doc = valid_doc();
  doc["experiments"][0]["series"] = Json::array({{{"name", "cdf"}, {"points", Json::array()}}});
  return doc;
}

struct ArrayCase {
  std::string pointer;  // where the array goes, as a JSON pointer
  std::size_t cap;
  Json item;
  std::string refusal;  // the message for one past the cap
};

TEST_F(HostileFile, EachArrayIsReadAtItsCapAndRefusedOnePast) {
  const std::vector<ArrayCase> cases{
      {"/experiments/0/series/0/points", kMaxPoints, Json::array({0, 0}),
       "experiments[0].series[0].points: 100001 points, more than the 100000 this illusion reads "
       "in one series"},
      {"/experiments/0/series",
       kMaxSeries,
       {{"name", "cdf"}, {"points", Json::array()}},
       "experiments[0].series: 65 series, more than the 64 this illusion reads in one "
       "experiment"},
      {"/experiments/0/warnings", kMaxWarnings, "w",
       "experiments[0].warnings: 1001 warnings, more than the 1000 this illusion reads in one "
       "experiment"},
      {"/labs",
       kMaxLabs,
       {{"id", "syscalls"}},
       "labs: 101 labs, more than the 100 this illusion reads in a run"},
      {"/insights",
       kMaxInsights,
       {{"id", "i"}, {"text", "t"}},
       "insights: 1001 insights, more than the 1000 this illusion reads in a run"},
      {"/selection", kMaxSelection, "syscalls",
       "selection: 1001 targets, more than the 1000 this illusion reads in a run's selection"},
      {"/env/caveats", kMaxCaveats, "c",
       "env.caveats: 1001 caveats, more than the 1000 this illusion reads in a run's "
       "environment"},
      // Any other array, such as a field a later version adds.
      {"/future", kMaxElements, 0,
       "future: 100001 elements, more than the 100000 this illusion reads in one array"},
      {"/experiments/0/future", kMaxElements, Json::array(),
       "experiments[0].future: 100001 elements, more than the 100000 this illusion reads in one "
       "array"},
  };
  for (const ArrayCase& c : cases) {
    Json doc = doc_with_series();
    doc[Json::json_pointer(c.pointer)] = Json(c.cap, c.item);
    expect_reads(doc.dump());
    doc[Json::json_pointer(c.pointer)].push_back(c.item);
    const std::string msg = refusal(doc.dump());
    EXPECT_TRUE(has(msg, path() + ": " + c.refusal)) << msg;
  }
}

TEST_F(HostileFile, ExperimentsAreReadAtTheirCapAndRefusedOnePast) {
  Json doc = valid_doc();
  const Json row = doc["experiments"][0];
  doc["experiments"] = Json::array();
  for (std::size_t i = 0; i < kMaxExperiments; ++i) {
    doc["experiments"].push_back(row);
    doc["experiments"].back()["id"] = "syscalls.row_" + std::to_string(i);
  }
  expect_reads(doc.dump());
  doc["experiments"].push_back(row);
  const std::string msg = refusal(doc.dump());
  EXPECT_TRUE(has(msg, path() + ": experiments: 5001 experiments, more than the 5000 this "
                                "illusion reads in a run"))
      << msg;
}

TEST_F(HostileFile, ObjectsAreReadAtTheKeyCapAndRefusedOnePast) {
  const std::pair<const char*, const char*> objects[] = {
      {"/experiments/0/params", "experiments[0].params"}, {"/env/mitigations", "env.mitigations"}};
  for (const auto& [pointer, at] : objects) {
    Json doc = valid_doc();
    Json& object = doc[Json::json_pointer(pointer)];
    object = Json::object();
    for (std::size_t i = 0; i < kMaxKeys; ++i) object[std::to_string(i)] = "v";
    expect_reads(doc.dump());
    object["one_more"] = "v";
    const std::string msg = refusal(doc.dump());
    EXPECT_TRUE(has(msg, fmt::format("{}: {}: 513 keys, more than the 512 this illusion reads "
                                     "in one object",
                                     path(), at)))
        << msg;
  }
}

// A key written twice keeps its last value, as nlohmann's own parse does, however many keys the
// object has (past 32 the builder looks keys up in an index).
TEST_F(HostileFile, ARepeatedKeyKeepsItsLastValue) {
  for (std::size_t keys : {3, 100}) {
    Json doc = valid_doc();
    doc["experiments"][0]["params"] = Json::object();
    for (std::size_t i = 0; i < keys; ++i)
      doc["experiments"][0]["params"]["k" + std::to_string(i)] = 1.0;
    doc["experiments"][0]["params"]["title"] = "@DUP@";
    std::string text = doc.dump();
    text.replace(text.find("\"@DUP@\""), 7, "\"first\", \"k1\": 2");
    std::ofstream(path(), std::ios::binary) << text;
    const RunRecord rec = read_run_file(path());
    ASSERT_EQ(rec.results.size(), 1u);
    EXPECT_EQ(rec.results[0].params.size(), keys + 1);
    EXPECT_EQ(std::get<double>(rec.results[0].params[1].value), 2.0);
  }
}

TEST_F(HostileFile, StringsAndKeysAreReadAtTheirLengthCapAndRefusedOnePast) {
  Json doc = valid_doc();
  doc["experiments"][0]["title"] = std::string(kMaxStringBytes, 't');
  expect_reads(doc.dump());
  doc["experiments"][0]["title"] = std::string(kMaxStringBytes + 1, 't');
  std::string msg = refusal(doc.dump());
  EXPECT_TRUE(has(msg, path() + ": experiments[0].title: a string of 65537 bytes, longer than "
                                "the 65536 this illusion reads"))
      << msg;
  doc = valid_doc();
  doc["experiments"][0]["params"] = {{std::string(kMaxKeyBytes, 'k'), 1}};
  expect_reads(doc.dump());
  doc["experiments"][0]["params"] = {{std::string(kMaxKeyBytes + 1, 'k'), 1}};
  msg = refusal(doc.dump());
  EXPECT_TRUE(has(msg, path() + ": experiments[0].params: a key of 1025 bytes (\"kkkk")) << msg;
  EXPECT_TRUE(has(msg, "…\"), longer than the 1024 this illusion reads")) << msg;
  EXPECT_LT(msg.size(), 300u) << "the key is shown cut short";
}

// Values of every kind, the document itself included, as the values cap counts them.
std::size_t values_in(const Json& j) {
  std::size_t n = 1;
  if (j.is_structured())
    for (const Json& v : j) n += values_in(v);
  return n;
}

TEST_F(HostileFile, ValuesAreReadAtTheirCapAndRefusedOnePast) {
  Json doc = valid_doc();
  doc["future"] = Json::array();
  // Arrays of at most kMaxElements numbers, so no other cap is reached first.
  std::size_t left = kMaxRunFileValues - values_in(doc);
  while (left > 0) {
    const std::size_t n = std::min(left - 1, kMaxElements);
    doc["future"].push_back(Json(n, 0));
    left -= n + 1;
  }
  ASSERT_EQ(values_in(doc), kMaxRunFileValues);
  expect_reads(doc.dump());
  doc["future"].push_back(0);
  const std::string msg = refusal(doc.dump());
  EXPECT_TRUE(has(msg, path() + ": more than 500000 values in all (numbers, strings, arrays and "
                                "objects together), the most this illusion reads in a run file; "
                                "the value past the cap is future["))
      << msg;
}

}  // namespace
