// Every way a run file can be wrong gets a UsageError that names the file, the field and the
// problem; nothing malformed is half-read.
#include <gtest/gtest.h>

#include <fstream>

#include "core/errors.h"
#include "report/json.h"
#include "report/synthetic.h"

using namespace illusion;
using namespace illusion::report;
using Json = nlohmann::ordered_json;

namespace {

Json valid_doc() {
  return to_json(illusion::testing::minimal_run_record());
}

// The message of the UsageError `f` throws, or a failure when it does not throw one.
template <class F>
std::string usage_error_of(F&& f) {
  try {
    f();
  } catch (const core::UsageError& e) {
    return e.what();
  }
  ADD_FAILURE() << "no UsageError thrown";
  return "";
}

std::string read_error(const Json& doc) {
  return usage_error_of([&] { (void)run_from_json(doc); });
}

class RunFile : public ::testing::Test {
 protected:
  std::string write(const std::string& bytes) {
    const std::string path = dir_.file("run.json");
    std::ofstream(path, std::ios::binary) << bytes;
    return path;
  }
  std::string file_error(const std::string& bytes) {
    const std::string path = write(bytes);
    return usage_error_of([&] { (void)read_run_file(path); });
  }
  illusion::testing::ScratchDir dir_;
};

}  // namespace

TEST_F(RunFile, ReadsAValidFile) {
  const RunRecord rec = read_run_file(write(valid_doc().dump(2)));
  ASSERT_EQ(rec.results.size(), 1u);
  EXPECT_EQ(rec.results[0].id, "syscalls.getppid_raw");
}

TEST_F(RunFile, EmptyFile) {
  const std::string msg = file_error("");
  EXPECT_NE(msg.find(dir_.file("run.json")), std::string::npos) << msg;
  EXPECT_NE(msg.find("empty"), std::string::npos) << msg;
  EXPECT_NE(file_error(" \n\t\n").find("empty"), std::string::npos);
}

TEST_F(RunFile, TruncatedFileGivesThePosition) {
  const std::string text = valid_doc().dump(2);
  const std::string msg = file_error(text.substr(0, text.size() / 2));
  EXPECT_NE(msg.find("not valid JSON"), std::string::npos) << msg;
  EXPECT_NE(msg.find("line "), std::string::npos) << msg;
  EXPECT_NE(msg.find("column "), std::string::npos) << msg;
  EXPECT_NE(msg.find("ends early"), std::string::npos) << msg;
}

TEST_F(RunFile, BinaryGarbageIsNotEchoedRaw) {
  const std::string garbage(
      "\x7f"
      "ELF\x02\x01\x01\x00\xff\xfe",
      10);
  const std::string msg = file_error(garbage);
  EXPECT_NE(msg.find("not valid JSON"), std::string::npos) << msg;
  EXPECT_NE(msg.find("line 1, column 1"), std::string::npos) << msg;
  for (char c : msg) EXPECT_FALSE(static_cast<unsigned char>(c) < 0x20) << msg;
}

TEST_F(RunFile, ErrorInTheMiddleNamesLineAndColumn) {
  const std::string msg = file_error("{\n  \"schema\": \"illusion.run/1\",\n  \"x\": tru\n}");
  EXPECT_NE(msg.find("line 3"), std::string::npos) << msg;
  EXPECT_EQ(msg.find("ends early"), std::string::npos) << msg;
}

TEST_F(RunFile, MissingFile) {
  const std::string path = dir_.file("absent.json");
  const std::string msg = usage_error_of([&] { (void)read_run_file(path); });
  EXPECT_NE(msg.find(path), std::string::npos) << msg;
  EXPECT_NE(msg.find("No such file"), std::string::npos) << msg;
}

TEST_F(RunFile, ADirectory) {
  const std::string msg = usage_error_of([&] { (void)read_run_file(dir_.path()); });
  EXPECT_NE(msg.find("cannot read"), std::string::npos) << msg;
}

TEST_F(RunFile, FieldErrorsArePrefixedWithThePath) {
  Json doc = valid_doc();
  doc.erase("experiments");
  const std::string msg = file_error(doc.dump());
  EXPECT_EQ(msg.rfind(dir_.file("run.json") + ": ", 0), 0u) << msg;
  EXPECT_NE(msg.find("missing field \"experiments\""), std::string::npos) << msg;
}

TEST(RunFromJson, NotAnObject) {
  EXPECT_NE(read_error(Json::array({1, 2})).find("found an array"), std::string::npos);
}

TEST(RunFromJson, MissingSchema) {
  Json doc = valid_doc();
  doc.erase("schema");
  const std::string msg = read_error(doc);
  EXPECT_NE(msg.find("no \"schema\""), std::string::npos) << msg;
  EXPECT_NE(msg.find("illusion.run/1"), std::string::npos) << msg;
}

TEST(RunFromJson, WrongSchema) {
  Json doc = valid_doc();
  doc["schema"] = "hyperfine.export/1";
  const std::string msg = read_error(doc);
  EXPECT_NE(msg.find("\"hyperfine.export/1\""), std::string::npos) << msg;
  EXPECT_NE(msg.find("reads \"illusion.run/1\""), std::string::npos) << msg;
}

TEST(RunFromJson, WrongVersion) {
  Json doc = valid_doc();
  doc["schema"] = "illusion.run/2";
  const std::string msg = read_error(doc);
  EXPECT_NE(msg.find("\"illusion.run/2\" is not supported"), std::string::npos) << msg;
  EXPECT_NE(msg.find("\"illusion.run/1\""), std::string::npos) << msg;
}

TEST(RunFromJson, SchemaNotAString) {
  Json doc = valid_doc();
  doc["schema"] = 1;
  EXPECT_NE(read_error(doc).find("schema: expected a string"), std::string::npos);
}

TEST(RunFromJson, MissingExperiments) {
  Json doc = valid_doc();
  doc.erase("experiments");
  EXPECT_NE(read_error(doc).find("missing field \"experiments\""), std::string::npos);
}

TEST(RunFromJson, ExperimentsNotAnArray) {
  Json doc = valid_doc();
  doc["experiments"] = Json::object();
  EXPECT_NE(read_error(doc).find("experiments: expected an array, found an object"),
            std::string::npos);
}

TEST(RunFromJson, StatsWithAString) {
  Json doc = valid_doc();
  doc["experiments"][0]["stats"]["p50"] = "84";
  const std::string msg = read_error(doc);
  EXPECT_NE(msg.find("experiments[0].stats.p50: expected a number or null, found a string"),
            std::string::npos)
      << msg;
}

TEST(RunFromJson, StatsCountNotWhole) {
  Json doc = valid_doc();
  doc["experiments"][0]["stats"]["n"] = 2.5;
  EXPECT_NE(read_error(doc).find("experiments[0].stats.n: expected a whole number"),
            std::string::npos);
  doc["experiments"][0]["stats"]["n"] = -3;
  EXPECT_NE(read_error(doc).find("experiments[0].stats.n"), std::string::npos);
}

TEST(RunFromJson, MissingExperimentField) {
  Json doc = valid_doc();
  doc["experiments"][0].erase("unit");
  EXPECT_NE(read_error(doc).find("experiments[0]: missing field \"unit\""), std::string::npos);
}

TEST(RunFromJson, MissingToolVersion) {
  Json doc = valid_doc();
  doc["tool"].erase("version");
  EXPECT_NE(read_error(doc).find("tool: missing field \"version\""), std::string::npos);
}

TEST(RunFromJson, UnknownStatus) {
  Json doc = valid_doc();
  doc["experiments"][0]["status"] = "fine";
  const std::string msg = read_error(doc);
  EXPECT_NE(msg.find("unknown status \"fine\""), std::string::npos) << msg;
}

TEST(RunFromJson, WrongTypesDeepInside) {
  Json doc = valid_doc();
  doc["experiments"][0]["counters"]["cycles"] = "many";
  EXPECT_NE(read_error(doc).find("experiments[0].counters.cycles"), std::string::npos);
  doc = valid_doc();
  doc["experiments"][0]["warnings"] = Json::array({"ok", 3});
  EXPECT_NE(read_error(doc).find("experiments[0].warnings[1]: expected a string, found a number"),
            std::string::npos);
  doc = valid_doc();
  doc["env"]["virtualized"] = "yes";
  EXPECT_NE(read_error(doc).find("env.virtualized: expected true or false"), std::string::npos);
  doc = valid_doc();
  doc["complete"] = 1;
  EXPECT_NE(read_error(doc).find("complete: expected true or false, found a number"),
            std::string::npos);
}

TEST(RunFromJson, SeriesPointsArePairs) {
  Json doc = valid_doc();
  doc["experiments"][0]["series"] =
      Json::array({{{"name", "cdf"}, {"points", Json::array({Json::array({1, 2, 3})})}}});
  EXPECT_NE(read_error(doc).find("experiments[0].series[0].points[0]: expected a pair"),
            std::string::npos);
}

TEST(RunFromJson, DuplicateIds) {
  Json doc = valid_doc();
  doc["experiments"].push_back(doc["experiments"][0]);
  EXPECT_NE(read_error(doc).find("experiments[1].id: duplicate id \"syscalls.getppid_raw\""),
            std::string::npos);
}

TEST(RunFromJson, MessagesSayRunFile) {
  Json doc = valid_doc();
  doc.erase("profile");
  EXPECT_EQ(read_error(doc).rfind("run file: ", 0), 0u);
}

TEST(RunFromJson, ToleratesUnknownFieldsAndOptionalOnes) {
  Json doc = valid_doc();
  doc["added_in_a_later_release"] = Json::object({{"x", 1}});
  doc["experiments"][0]["new_field"] = true;
  for (const char* key : {"selection", "pinned_cpu", "clock", "labs", "insights", "budgets"})
    doc.erase(key);
  for (const char* key : {"params", "counters", "metrics", "series", "warnings", "meaning"})
    doc["experiments"][0].erase(key);
  const RunRecord rec = run_from_json(doc);
  ASSERT_EQ(rec.results.size(), 1u);
  EXPECT_DOUBLE_EQ(rec.results[0].stats->p50, 84);
}

TEST(RunFromJson, AcceptsBareNumberMetrics) {
  Json doc = valid_doc();
  doc["experiments"][0]["metrics"] = Json::object({{"ops_per_s", 11900000}});
  const RunRecord rec = run_from_json(doc);
  ASSERT_NE(rec.results[0].metric("ops_per_s"), nullptr);
  EXPECT_EQ(rec.results[0].metric("ops_per_s")->value, 11900000);
}
