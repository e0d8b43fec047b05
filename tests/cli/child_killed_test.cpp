// A child killed from outside in the middle of an experiment (SIGKILL, as the OOM killer sends
// it) is that experiment's failure, named with its cause; the run goes on to the next row and
// exits 0, and no process is left behind.
#include <signal.h>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <chrono>
#include <string>

#include "support/children.h"
#include "support/files.h"
#include "support/subprocess.h"

using illusion::testing::children_of;
using illusion::testing::ScratchDir;
using illusion::testing::slurp;

TEST(ChildKilled, IsTheExperimentsFailureAndTheRunGoesOn) {
  const illusion::testing::Subreaper reaper;
  const ScratchDir dir;
  const std::string json = dir.file("run.json");
  // 1000 children held alive at once (default profile: --quick skips this row), then a cheap
  // row that must still run.
  const pid_t pid = illusion::testing::start_illusion(
      {"run", "--json", json, "processes.spawn_processes_1000", "syscalls.function_call"},
      {"TMPDIR=" + dir.path()}, dir.file("stderr"));
  ASSERT_GT(pid, 0);
  bool killed = false, timed_out = false;
  const int code = illusion::testing::wait_polling(
      pid, std::chrono::seconds(90),
      [&] {
        if (killed) return;
        const auto children = children_of(pid);
        if (children.size() < 200) return;  // wait until the children are being held
        killed = kill(children[children.size() / 2], SIGKILL) == 0;
      },
      &timed_out);
  ASSERT_FALSE(timed_out);
  ASSERT_TRUE(killed) << "no moment with 200 children alive was seen";
  EXPECT_EQ(code, 0) << slurp(dir.file("stderr"));
  EXPECT_EQ(illusion::testing::reap_leftovers(), 0) << "processes were left behind";

  const auto doc = nlohmann::json::parse(slurp(json), nullptr, false);
  ASSERT_FALSE(doc.is_discarded());
  ASSERT_EQ(doc.at("experiments").size(), 2u);
  const auto& spawn = doc.at("experiments")[0];
  EXPECT_EQ(spawn.at("status"), "failed");
  EXPECT_NE(spawn.at("reason").get<std::string>().find("SIGKILL"), std::string::npos)
      << spawn.at("reason");
  EXPECT_EQ(doc.at("experiments")[1].at("status"), "ok");
}
