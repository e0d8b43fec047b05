// The runner with a fake table: selection rules, failure containment, progress events.
#include "core/runner.h"

#include <gtest/gtest.h>

#include <stdexcept>

#include "core/errors.h"

using namespace illusion::core;

namespace {

Experiment fake(const std::string& id, double value, bool throws = false) {
  Experiment e;
  e.id = id;
  e.title = id;
  e.unit = "ns/op";
  e.run = [=](RunContext&) -> Result {
    if (throws) throw std::runtime_error("boom");
    Result r;
    r.stats = compute_stats({value});
    return r;
  };
  return e;
}

std::vector<Lab> fake_labs() {
  Lab a{"alpha", "Alpha", "?", {fake("alpha.one", 1), fake("alpha.two", 2)}};
  Lab b{"beta", "Beta", "?", {fake("beta.fail", 0, true), fake("beta.ok", 4)}};
  mark_headline(a, {"two"});
  mark_headline(b, {"fail", "ok"});
  return {a, b};
}

struct Recorder : RunObserver {
  std::vector<std::string> events;
  void on_run_start(std::size_t total, double) override {
    events.push_back("start " + std::to_string(total));
  }
  void on_experiment_start(const Selected& s, std::size_t, std::size_t, double) override {
    events.push_back("begin " + s.experiment->id);
  }
  void on_experiment_end(const Selected&, const Result& r) override {
    events.push_back("end " + r.id);
  }
  void on_run_end() override { events.push_back("done"); }
};

}  // namespace

TEST(Select, NoPatternIsTheHeadlineSetAndAllIsEverything) {
  const auto labs = fake_labs();
  const auto headline = select_experiments(labs, {});
  ASSERT_EQ(headline.size(), 3u);
  EXPECT_EQ(headline[0].experiment->id, "alpha.two");
  EXPECT_EQ(select_experiments(labs, {"all"}).size(), 4u);
  EXPECT_EQ(select_experiments(labs, {"all", "alpha"}).size(), 4u);
}

TEST(Select, MarkHeadlineRefusesAnUnknownName) {
  Lab a{"alpha", "Alpha", "?", {fake("alpha.one", 1)}};
  EXPECT_THROW(mark_headline(a, {"one", "renamed"}), std::logic_error);
}

TEST(Select, MakeExperimentPrefixesTheLabAndRefusesAFullId) {
  const auto body = [](RunContext&, Result r) { return r; };
  const Experiment e = make_experiment("alpha", "one_2", "t", "s", "ns", {}, body);
  EXPECT_EQ(e.id, "alpha.one_2");
  RunContext ctx;
  EXPECT_EQ(e.run(ctx).lab, "alpha");
  // A full id (or another lab's) as the name would give "alpha.beta.x": refused.
  EXPECT_THROW(make_experiment("alpha", "beta.x", "t", "s", "ns", {}, body), std::logic_error);
  EXPECT_THROW(make_experiment("alpha", "", "t", "s", "ns", {}, body), std::logic_error);
  EXPECT_THROW(make_experiment("alpha", "Upper", "t", "s", "ns", {}, body), std::logic_error);
}

namespace {
std::vector<Experiment> group_one() {
  return {fake("alpha.one", 1), fake("alpha.two", 1)};
}
std::vector<Experiment> group_two() {
  return {fake("alpha.three", 1)};
}
}  // namespace

TEST(Select, AddGroupsKeepsTheGroupsOrder) {
  Lab a{"alpha", "Alpha", "?", {}};
  add_groups(a, {group_two, group_one});
  ASSERT_EQ(a.experiments.size(), 3u);
  EXPECT_EQ(a.experiments[0].id, "alpha.three");
  EXPECT_EQ(a.experiments[1].id, "alpha.one");
  EXPECT_EQ(a.experiments[2].id, "alpha.two");
}

TEST(Select, ByLabIdAndPrefix) {
  const auto labs = fake_labs();
  EXPECT_EQ(select_experiments(labs, {"alpha"}).size(), 2u);
  EXPECT_EQ(select_experiments(labs, {"beta.ok"}).size(), 1u);
  EXPECT_EQ(select_experiments(labs, {"alpha.t*"}).size(), 1u);
  EXPECT_EQ(select_experiments(labs, {"alpha."}).size(), 2u);
  EXPECT_EQ(select_experiments(labs, {"*"}).size(), 4u);
  // Order follows the tables, not the patterns; duplicates collapse.
  const auto sel = select_experiments(labs, {"beta.ok", "alpha.one", "alpha"});
  ASSERT_EQ(sel.size(), 3u);
  EXPECT_EQ(sel[0].experiment->id, "alpha.one");
  EXPECT_EQ(sel[2].experiment->id, "beta.ok");
}

TEST(Select, UnknownNamesThePatternAndTheFix) {
  const auto labs = fake_labs();
  try {
    select_experiments(labs, {"gamma"});
    FAIL();
  } catch (const UsageError& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find("'gamma'"), std::string::npos);
    EXPECT_NE(msg.find("illusion list"), std::string::npos);
  }
}

// An exact id selects itself only: "spawn_100" must not also run "spawn_1000" (issue 20).
TEST(Select, AnExactIdSelectsItselfOnly) {
  Lab p{"procs", "Procs", "?", {fake("procs.spawn_100", 1), fake("procs.spawn_1000", 2)}};
  const std::vector<Lab> labs{p};
  const auto one = select_experiments(labs, {"procs.spawn_100"});
  ASSERT_EQ(one.size(), 1u);
  EXPECT_EQ(one[0].experiment->id, "procs.spawn_100");
  EXPECT_EQ(select_experiments(labs, {"procs.spawn_100*"}).size(), 2u);
  // A pattern that only begins ids is refused with the prefix form to write.
  try {
    select_experiments(labs, {"procs.spawn"});
    FAIL();
  } catch (const UsageError& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find("no experiment is called 'procs.spawn'"), std::string::npos) << msg;
    EXPECT_NE(msg.find("'procs.spawn*'"), std::string::npos) << msg;
    EXPECT_NE(msg.find("procs.spawn_1000"), std::string::npos) << msg;
  }
}

// An empty argument (an unset shell variable) is refused, never "everything".
TEST(Select, AnEmptyTargetIsRefused) {
  const auto labs = fake_labs();
  EXPECT_THROW(select_experiments(labs, {""}), UsageError);
  EXPECT_THROW(select_experiments(labs, {"alpha", ""}), UsageError);
}

TEST(Runner, FailureIsContainedAndIdentityFilled) {
  const auto labs = fake_labs();
  auto sel = select_experiments(labs, {"all"});
  RunContext ctx;
  Recorder rec;
  auto results = run_experiments(sel, ctx, rec);
  ASSERT_EQ(results.size(), 4u);
  EXPECT_EQ(results[0].id, "alpha.one");
  EXPECT_EQ(results[0].lab, "alpha");
  EXPECT_EQ(results[2].status, Status::failed);
  EXPECT_EQ(results[2].reason, "boom");
  EXPECT_EQ(results[3].status, Status::ok);
  EXPECT_EQ(find_result(results, "beta.fail"), nullptr);  // failed results are not found
  ASSERT_NE(find_result(results, "beta.ok"), nullptr);
  EXPECT_EQ(rec.events.front(), "start 4");
  EXPECT_EQ(rec.events.back(), "done");
  EXPECT_EQ(rec.events.size(), 10u);
  EXPECT_EQ(ctx.earlier, nullptr);
}
