// End to end: `illusion run syscalls --quick --json FILE` on this machine. Asserts structure
// and orderings of 10x or more only; never a tight timing.

#include <fstream>

#include <gtest/gtest.h>

#include "support/files.h"
#include <nlohmann/json.hpp>

#include "core/resources.h"
#include "support/subprocess.h"

using illusion::testing::run_illusion;
using nlohmann::json;

namespace {


const json* find(const json& experiments, const std::string& id) {
  for (const auto& e : experiments)
    if (e.at("id") == id) return &e;
  return nullptr;
}

class RunSyscalls : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    tmp_ = new illusion::core::TempDir();
    scratch_ = new illusion::core::TempDir(tmp_->path());  // TMPDIR for the run
    json_path_ = tmp_->register_file("run.json");
    outcome_ = new illusion::testing::Outcome(run_illusion(
        {"run", "syscalls", "--quick", "--json", json_path_}, {"TMPDIR=" + scratch_->path()}));
    std::ifstream in(json_path_);
    if (in) doc_ = new json(json::parse(in, nullptr, false));
  }
  static void TearDownTestSuite() {
    delete doc_;
    delete outcome_;
    delete scratch_;
    delete tmp_;
  }
  static inline illusion::core::TempDir* tmp_ = nullptr;
  static inline illusion::core::TempDir* scratch_ = nullptr;
  static inline std::string json_path_;
  static inline illusion::testing::Outcome* outcome_ = nullptr;
  static inline json* doc_ = nullptr;
};

}  // namespace

TEST_F(RunSyscalls, ExitsZeroAndPrintsTheTable) {
  ASSERT_EQ(outcome_->exit_code, 0) << outcome_->err;
  EXPECT_NE(outcome_->out.find("Syscall Cost Microscope"), std::string::npos) << outcome_->out;
  EXPECT_NE(outcome_->out.find("p50"), std::string::npos);
  EXPECT_NE(outcome_->out.find("getppid_raw"), std::string::npos);
  // Progress goes to stderr, never into the results on stdout.
  EXPECT_NE(outcome_->err.find("syscalls.getppid_raw"), std::string::npos) << outcome_->err;
}

TEST_F(RunSyscalls, JsonFollowsTheSchema) {
  ASSERT_NE(doc_, nullptr);
  ASSERT_FALSE(doc_->is_discarded()) << "not valid JSON";
  const json& d = *doc_;
  EXPECT_EQ(d.at("schema"), "illusion.run/1");
  EXPECT_EQ(d.at("tool").at("name"), "illusion");
  EXPECT_EQ(d.at("profile"), "quick");
  EXPECT_EQ(d.at("complete"), true);
  EXPECT_TRUE(d.at("env").at("kernel").is_string());
  EXPECT_TRUE(d.at("env").at("caveats").is_array());
  ASSERT_TRUE(d.at("experiments").is_array());
  EXPECT_GE(d.at("experiments").size(), 20u);
  for (const auto& e : d.at("experiments")) {
    const std::string id = e.at("id");
    EXPECT_EQ(e.at("lab"), "syscalls") << id;
    if (e.at("status") == "skipped") {  // e.g. io_uring disabled: allowed, with its reason
      EXPECT_FALSE(e.at("reason").get<std::string>().empty()) << id;
      continue;
    }
    ASSERT_EQ(e.at("status"), "ok") << id << ": " << e.at("reason");
    EXPECT_GT(e.at("stats").at("n").get<double>(), 0) << id;
    EXPECT_GT(e.at("stats").at("p50").get<double>(), 0) << id;
    for (const auto& [name, value] : e.at("counters").items())
      EXPECT_TRUE(value.is_null() || value.is_number()) << id << " " << name;
  }
}

TEST_F(RunSyscalls, FunctionCallIsTenTimesCheaperThanASyscall) {
  ASSERT_NE(doc_, nullptr);
  ASSERT_FALSE(doc_->is_discarded());
  const json* call = find(doc_->at("experiments"), "syscalls.function_call");
  const json* sys = find(doc_->at("experiments"), "syscalls.getppid_raw");
  ASSERT_TRUE(call && sys);
  const double call_ns = call->at("stats").at("p50");
  const double sys_ns = sys->at("stats").at("p50");
  EXPECT_LT(call_ns * 10, sys_ns) << "function call " << call_ns << " ns, getppid " << sys_ns;
}

TEST_F(RunSyscalls, UnavailableCountersAreNullWithAReason) {
  ASSERT_NE(doc_, nullptr);
  ASSERT_FALSE(doc_->is_discarded());
  for (const auto& e : doc_->at("experiments")) {
    if (e.at("status") != "ok") continue;
    for (const auto& [name, value] : e.at("counters").items()) {
      if (!value.is_null()) continue;
      bool explained = false;
      for (const auto& w : e.at("warnings"))
        explained = explained || w.get<std::string>().rfind(name, 0) == 0;
      EXPECT_TRUE(explained) << e.at("id") << ": counter " << name << " null without a warning";
    }
  }
}

TEST_F(RunSyscalls, LeavesNothingInTheTempDir) {
  EXPECT_TRUE(illusion::testing::dir_entries(scratch_->path()).empty());
}
