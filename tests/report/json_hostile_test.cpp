// Run files built to hurt the reader: nesting deep enough to overflow a recursive walk, numbers
// past a double or past any measurement, NUL bytes, terminal escapes, endless input. Each gets
// a UsageError naming the file and the problem; none crashes or reads as a wrong number.
// (The ordinary mistakes, such as a wrong schema or a missing field, are in json_read_test.)
#include <gtest/gtest.h>

#include <fstream>
#include <string>

#include "core/errors.h"
#include "report/json.h"
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
  EXPECT_TRUE(has(msg, "/dev/zero: larger than 64 MiB")) << msg;
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

}  // namespace
