// The JSON `illusion verify --peers --json` writes: its schema name, its fields, nulls for
// what was not measured.
#include "peers/verify_record.h"

#include <gtest/gtest.h>

namespace illusion::peers {
namespace {

VerifyRecord sample_record() {
  VerifyRecord r;
  r.tool_version = "0.1.0";
  r.started_at = "2026-12-07T06:00:00Z";
  r.profile = "quick";
  r.rounds = 2;
  r.cpu = 1;
  r.kernel = "6.1.0";
  r.online_cpus = 2;
  Comparison agree;
  agree.id = "getppid";
  agree.illusion_row = "syscalls.getppid_raw";
  agree.illusion_figure = "mean per call";
  agree.peer = "perf bench syscall basic";
  agree.peer_command = "taskset -c 1 perf bench syscall basic -l 1000";
  agree.illusion_ns = {100, 102};
  agree.peer_ns = {101, 103};
  Comparison missing;
  missing.id = "read_1m_warm";
  missing.statistic = Statistic::p50;
  missing.unavailable = "fio is not installed";
  missing.terms = {{"fio's own work", true, {}}};
  r.comparisons = {agree, missing};
  return r;
}

TEST(VerifyJson, CarriesTheSchemaAndTheRun) {
  const auto doc = to_json(sample_record());
  EXPECT_EQ(doc["schema"], "illusion.verify/1");
  EXPECT_EQ(doc["tool"]["name"], "illusion");
  EXPECT_EQ(doc["rounds"], 2);
  EXPECT_EQ(doc["cpu"], 1);
  EXPECT_EQ(doc["complete"], true);
  EXPECT_DOUBLE_EQ(doc["tolerance"].get<double>(), 0.10);
  EXPECT_EQ(doc["env"]["kernel"], "6.1.0");
  ASSERT_EQ(doc["comparisons"].size(), 2u);
}

TEST(VerifyJson, AComparedPairHasBothSidesRatioAndVerdict) {
  const auto c = to_json(sample_record())["comparisons"][0];
  EXPECT_EQ(c["id"], "getppid");
  EXPECT_EQ(c["statistic"], "mean");
  EXPECT_EQ(c["illusion"]["experiment"], "syscalls.getppid_raw");
  EXPECT_EQ(c["illusion"]["rounds_ns"].size(), 2u);
  EXPECT_DOUBLE_EQ(c["illusion"]["median_ns"].get<double>(), 101);
  EXPECT_EQ(c["illusion"]["range_ns"][0], 100.0);
  EXPECT_EQ(c["peer"]["command"], "taskset -c 1 perf bench syscall basic -l 1000");
  EXPECT_DOUBLE_EQ(c["ratio"].get<double>(), 101.0 / 102.0);
  EXPECT_EQ(c["verdict"], "agrees");
  EXPECT_TRUE(c["within_tolerance"].get<bool>());
  EXPECT_TRUE(c["method_terms"].is_array());
}

TEST(VerifyJson, WhatWasNotMeasuredIsNullNeverZero) {
  const auto c = to_json(sample_record())["comparisons"][1];
  EXPECT_EQ(c["verdict"], "not compared");
  EXPECT_EQ(c["reason"], "fio is not installed");
  EXPECT_TRUE(c["ratio"].is_null());
  EXPECT_TRUE(c["illusion"]["median_ns"].is_null());
  EXPECT_TRUE(c["peer"]["range_ns"].is_null());
  EXPECT_EQ(c["method_terms"][0]["included_by"], "peer");
  EXPECT_TRUE(c["method_terms"][0]["rounds_ns"].empty());
}

TEST(VerifyJson, NoCpuIsNull) {
  VerifyRecord r = sample_record();
  r.cpu.reset();
  r.complete = false;
  const auto doc = to_json(r);
  EXPECT_TRUE(doc["cpu"].is_null());
  EXPECT_EQ(doc["complete"], false);
}

}  // namespace
}  // namespace illusion::peers
