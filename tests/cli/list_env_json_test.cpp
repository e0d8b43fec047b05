// `list --json` and `env --json`: the same facts as the text, for scripts, under versioned
// schemas (docs/json_schema.md).
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <set>
#include <sstream>
#include <string>

#include "support/subprocess.h"

using illusion::testing::run_illusion;

TEST(ListJson, HoldsEveryExperimentTheTextListsUnderItsSchema) {
  const auto text = run_illusion({"list"});
  const auto json = run_illusion({"list", "--json"});
  ASSERT_EQ(json.exit_code, 0) << json.err;
  const auto doc = nlohmann::json::parse(json.out);
  EXPECT_EQ(doc.at("schema"), "illusion.list/1");
  EXPECT_FALSE(doc.at("tool").at("version").get<std::string>().empty());
  std::set<std::string> ids;
  std::size_t headline = 0;
  for (const auto& lab : doc.at("labs")) {
    const std::string lab_id = lab.at("id");
    EXPECT_FALSE(lab.at("question").get<std::string>().empty()) << lab_id;
    for (const auto& e : lab.at("experiments")) {
      const std::string id = e.at("id");
      EXPECT_EQ(id.rfind(lab_id + ".", 0), 0u) << id;
      EXPECT_TRUE(ids.insert(id).second) << "duplicate " << id;
      EXPECT_FALSE(e.at("unit").get<std::string>().empty()) << id;
      EXPECT_GT(e.at("estimated_s").at("default").get<double>(), 0) << id;
      headline += e.at("headline").get<bool>() ? 1 : 0;
    }
  }
  // The text lists the same ids, one per line, and marks the same headline rows.
  std::size_t text_rows = 0, text_headline = 0;
  std::istringstream lines(text.out);
  for (std::string line; std::getline(lines, line);) {
    std::istringstream words(line);
    std::string first;
    words >> first;
    if (ids.count(first) == 0) continue;
    ++text_rows;
    text_headline += line.size() > 2 && line.compare(line.size() - 2, 2, " *") == 0 ? 1 : 0;
  }
  EXPECT_EQ(text_rows, ids.size());
  EXPECT_EQ(text_headline, headline);
  EXPECT_EQ(ids.count("syscalls.getppid_raw"), 1u);
  // One short line each: the whole list fits an 80-column terminal (issue 22).
  std::istringstream again(text.out);
  for (std::string line; std::getline(again, line);) {
    std::size_t columns = 0;  // UTF-8 characters: "…" and "—" are one column, three bytes
    for (const char c : line) columns += (static_cast<unsigned char>(c) & 0xc0) != 0x80 ? 1 : 0;
    EXPECT_LE(columns, 80u) << line;
  }
}

TEST(EnvJson, HoldsTheRunFilesEnvAndClockUnderItsSchema) {
  const auto o = run_illusion({"env", "--json"});
  ASSERT_EQ(o.exit_code, 0) << o.err;
  const auto doc = nlohmann::json::parse(o.out);
  EXPECT_EQ(doc.at("schema"), "illusion.env/1");
  EXPECT_FALSE(doc.at("env").at("kernel").get<std::string>().empty());
  EXPECT_TRUE(doc.at("env").contains("online_cpus"));
  EXPECT_TRUE(doc.at("env").contains("caveats"));
  EXPECT_TRUE(doc.at("clock").contains("source"));
}
