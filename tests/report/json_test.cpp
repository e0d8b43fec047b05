// The run file as written: skeleton names (scripts key on them), null for non-finite numbers,
// the derived budgets, and a lossless round trip through the reader.
#include "report/json.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "report/synthetic.h"

using namespace illusion;
using namespace illusion::report;
using Json = nlohmann::ordered_json;

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

RunRecord sample_record() {
  RunRecord rec;
  rec.tool_version = "0.1.0";
  rec.profile = "quick";
  rec.complete = false;
  rec.started_at = "2026-11-23T19:40:00Z";
  rec.duration_s = 41.7;
  rec.selection = {"syscalls", "vm.first_touch"};
  rec.pinned_cpu = "1";
  core::EnvInfo& e = rec.env;
  e.kernel = "6.1.0-18-amd64";
  e.cpu_model = "Test CPU \"quoted\" \\ backslash";
  e.online_cpus = 2;
  e.allowed_cpus = 2;
  e.cgroup_cpu_limit = 1.5;
  e.cgroup_memory_max = 512ull << 20;
  e.virtualized = true;
  e.hypervisor = "KVM";
  e.hypervisor_source = "cpuid";
  e.hypervisor_kernel_name = "PVM";  // a paravirtualised guest behind KVM's CPUID signature
  e.scratch_disk.dir = "/tmp";
  e.scratch_disk.mount_point = "/";
  e.scratch_disk.filesystem = "ext4";
  e.scratch_disk.disk = "vda";
  e.scratch_disk.driver = "virtio_blk";
  e.scratch_disk.rotational = true;
  e.scratch_disk.virtual_disk = {true, "vda is driven by virtio_blk"};
  e.hypervisor_kernel_note = "kernel log: \"Hypervisor detected: PVM\"";
  e.zero_page_on_read = {false, "each of 16 pages read got a page of its own"};
  e.concurrent_run = {true, "another illusion run (pid 7) held /tmp/illusion.lock"};
  e.remote_tlb_flush_ipis = {std::nullopt, "not detected: between the two cases"};
  e.clocksource = "kvm-clock";
  e.invariant_tsc = true;
  e.mitigations = {{"spectre_v2", "Mitigation: Retpolines"}, {"meltdown", "Not affected"}};
  e.thp_enabled = "madvise";
  e.mem_total_bytes = 8ull << 30;
  e.mem_available_bytes = 6ull << 30;
  e.page_size_bytes = 4096;
  e.huge_page_size_bytes = 2ull << 20;
  e.perf_event_paranoid = 2;
  e.cap_sys_nice = true;
  e.caveats = {"in a VM: timings include hypervisor noise"};
  rec.clock = {"tsc", true, 2.9, 8.25, 0.34};
  rec.labs = {{"syscalls", "Syscall Cost Microscope", "What does a syscall cost?"}};

  core::Result r = illusion::testing::make_call("syscalls.getppid_raw", 84, 120.5);
  r.add_param("batch", 1000.0);
  r.add_param("empty_batch_ns", 0.25);
  r.add_param("clock", "tsc");
  r.add_param("broken", kNaN);
  r.counters = {{"page_faults", 0.0},
                {"context_switches", 0.001},
                {"cycles", std::nullopt},
                {"instructions", kNaN}};
  r.add_metric("ops_per_s", 11.9e6, "ops/s");
  r.add_metric("ratio", kNaN, "x");
  r.series.push_back({"cdf", "ns", "fraction", {{80.1, 0.0}, {84.0, 0.5}, {kNaN, 1.0}}});
  r.warnings = {"cycles: unavailable (no PMU in this VM)"};
  r.meaning = "a syscall round trip";
  r.stats->stddev = kNaN;
  rec.results.push_back(r);
  rec.results.push_back(
      illusion::testing::make_skipped("syscalls.uring_batch_1", "io_uring disabled"));
  rec.insights = {
      {"syscall_vs_call", "A syscall costs 95 function calls.", {{"ratio", 95.0}, {"bad", kNaN}}}};
  return rec;
}

}  // namespace

TEST(JsonWrite, FollowsTheSkeleton) {
  const Json j = to_json(sample_record());
  EXPECT_EQ(j.at("schema"), "illusion.run/1");
  EXPECT_EQ(j.at("tool").at("name"), "illusion");
  EXPECT_EQ(j.at("tool").at("version"), "0.1.0");
  EXPECT_EQ(j.at("profile"), "quick");
  EXPECT_EQ(j.at("complete"), false);
  EXPECT_EQ(j.at("started_at"), "2026-11-23T19:40:00Z");
  EXPECT_DOUBLE_EQ(j.at("duration_s").get<double>(), 41.7);
  EXPECT_EQ(j.at("selection").size(), 2u);
  EXPECT_EQ(j.at("pinned_cpu"), "1");
  const Json& env = j.at("env");
  for (const char* key : {"kernel",
                          "cpu_model",
                          "online_cpus",
                          "allowed_cpus",
                          "cgroup_cpu_limit",
                          "cgroup_memory_max_bytes",
                          "cgroup_pids_max",
                          "virtualized",
                          "hypervisor",
                          "clocksource",
                          "invariant_tsc",
                          "mitigations",
                          "thp_enabled",
                          "mem_total_bytes",
                          "mem_available_bytes",
                          "swap_total_bytes",
                          "page_size_bytes",
                          "huge_page_size_bytes",
                          "perf_event_paranoid",
                          "pmu_available",
                          "is_root",
                          "cap_sys_nice",
                          "cap_perfmon",
                          "hypervisor_source",
                          "scratch_disk",
                          "caveats"})
    EXPECT_TRUE(env.contains(key)) << key;
  EXPECT_EQ(env.at("online_cpus"), 2);
  EXPECT_TRUE(env.at("cgroup_pids_max").is_null());  // none
  EXPECT_EQ(env.at("mitigations").at("spectre_v2"), "Mitigation: Retpolines");
  EXPECT_EQ(env.at("perf_event_paranoid"), 2);
  EXPECT_EQ(j.at("clock").at("source"), "tsc");
  EXPECT_DOUBLE_EQ(j.at("clock").at("overhead_ns").get<double>(), 8.25);
  EXPECT_EQ(j.at("labs").at(0).at("question"), "What does a syscall cost?");

  const Json& e = j.at("experiments").at(0);
  for (const char* key : {"id", "lab", "title", "unit", "status", "reason", "params", "stats",
                          "counters", "metrics", "series", "warnings", "meaning"})
    EXPECT_TRUE(e.contains(key)) << key;
  EXPECT_EQ(e.at("status"), "ok");
  EXPECT_EQ(e.at("params").at("batch"), 1000);
  EXPECT_TRUE(e.at("params").at("batch").is_number_integer());  // a count, not 1000.0
  EXPECT_EQ(e.at("params").at("clock"), "tsc");
  for (const char* key :
       {"n", "min", "p50", "p90", "p99", "p999", "max", "mean", "stddev", "cv", "outliers"})
    EXPECT_TRUE(e.at("stats").contains(key)) << key;
  EXPECT_EQ(e.at("stats").at("n"), 100);
  EXPECT_DOUBLE_EQ(e.at("stats").at("p99").get<double>(), 120.5);
  EXPECT_EQ(e.at("counters").at("page_faults"), 0.0);  // measured zero stays zero
  EXPECT_TRUE(e.at("counters").at("cycles").is_null());
  EXPECT_EQ(e.at("metrics").at("ops_per_s").at("unit"), "ops/s");
  EXPECT_EQ(e.at("series").at(0).at("points").at(1), Json::array({84.0, 0.5}));
  EXPECT_EQ(e.at("warnings").at(0), "cycles: unavailable (no PMU in this VM)");

  const Json& skipped = j.at("experiments").at(1);
  EXPECT_EQ(skipped.at("status"), "skipped");
  EXPECT_EQ(skipped.at("reason"), "io_uring disabled");
  EXPECT_TRUE(skipped.at("stats").is_null());

  EXPECT_EQ(j.at("insights").at(0).at("values").at("ratio"), 95.0);
}

TEST(JsonWrite, NonFiniteNumbersBecomeNull) {
  const Json j = to_json(sample_record());
  const Json& e = j.at("experiments").at(0);
  EXPECT_TRUE(e.at("stats").at("stddev").is_null());
  EXPECT_TRUE(e.at("params").at("broken").is_null());
  EXPECT_TRUE(e.at("counters").at("instructions").is_null());
  EXPECT_TRUE(e.at("metrics").at("ratio").at("value").is_null());
  EXPECT_TRUE(e.at("series").at(0).at("points").at(2).at(0).is_null());
  EXPECT_TRUE(j.at("insights").at(0).at("values").at("bad").is_null());
  // And the text is valid JSON a strict parser accepts.
  const std::string text = j.dump();
  EXPECT_EQ(text.find("NaN"), std::string::npos);
  EXPECT_EQ(text.find("nan"), std::string::npos);
  EXPECT_EQ(text.find("inf"), std::string::npos);
  Json parsed;
  EXPECT_NO_THROW(parsed = Json::parse(text));
}

// A name given twice is one key, in its first place with its last value, as ordered_json's own
// operator[] would write it (the writer builds these objects through an index instead).
TEST(JsonWrite, ARepeatedNameIsOneKeyWithItsLastValue) {
  RunRecord rec = illusion::testing::minimal_run_record();
  core::Result& r = rec.results.at(0);
  r.params.clear();
  r.add_param("a", 1.0);
  r.add_param("b", 2.0);
  r.add_param("a", "again");
  r.metrics.clear();
  for (int i = 0; i < 100; ++i)
    r.add_metric(std::string(1, 'm').append(std::to_string(i % 50)), i, "ns");
  const Json e = to_json(rec).at("experiments").at(0);
  EXPECT_EQ(e.at("params").dump(), R"({"a":"again","b":2})");
  ASSERT_EQ(e.at("metrics").size(), 50u);
  EXPECT_EQ(e.at("metrics").begin().key(), "m0");
  EXPECT_EQ(e.at("metrics").at("m0").at("value"), 50.0);
}

TEST(JsonWrite, UnknownEnvCountsAreNullNotZero) {
  RunRecord rec;  // everything unknown
  const Json env = to_json(rec).at("env");
  EXPECT_TRUE(env.at("online_cpus").is_null());
  EXPECT_TRUE(env.at("mem_total_bytes").is_null());
  EXPECT_TRUE(env.at("perf_event_paranoid").is_null());
  EXPECT_EQ(env.at("swap_total_bytes"), 0);  // no swap is an answer
  // An undecided behaviour is null with its reason, never false.
  EXPECT_TRUE(env.at("zero_page_on_read").at("value").is_null());
  EXPECT_TRUE(env.at("remote_tlb_flush_ipis").at("value").is_null());
  EXPECT_TRUE(env.at("hypervisor_kernel_name").is_null());
}

TEST(JsonWrite, BehaviourFactsAreValueAndEvidence) {
  const Json env = to_json(sample_record()).at("env");
  EXPECT_EQ(env.at("zero_page_on_read").at("value"), false);
  EXPECT_EQ(env.at("concurrent_run").at("value"), true);
  EXPECT_EQ(env.at("concurrent_run").at("evidence"),
            "another illusion run (pid 7) held /tmp/illusion.lock");
  EXPECT_EQ(env.at("zero_page_on_read").at("evidence"),
            "each of 16 pages read got a page of its own");
  EXPECT_EQ(env.at("hypervisor_kernel_name"), "PVM");
  EXPECT_EQ(env.at("hypervisor_source"), "cpuid");
}

TEST(JsonWrite, TheScratchDiskIsAFactWithItsDevice) {
  RunRecord rec = sample_record();
  Json d = to_json(rec).at("env").at("scratch_disk");
  EXPECT_EQ(d.at("dir"), "/tmp");
  EXPECT_EQ(d.at("mount_point"), "/");
  EXPECT_EQ(d.at("filesystem"), "ext4");
  EXPECT_EQ(d.at("disk"), "vda");
  EXPECT_EQ(d.at("driver"), "virtio_blk");
  EXPECT_EQ(d.at("rotational"), true);
  EXPECT_EQ(d.at("virtual").at("value"), true);
  EXPECT_EQ(d.at("virtual").at("evidence"), "vda is driven by virtio_blk");
  EXPECT_EQ(d.at("may_be_virtual"), false);
  // Unknown is null, not false or "".
  rec.env.scratch_disk = illusion::testing::tmpfs_scratch_disk();
  d = to_json(rec).at("env").at("scratch_disk");
  EXPECT_TRUE(d.at("disk").is_null());
  EXPECT_TRUE(d.at("driver").is_null());
  EXPECT_TRUE(d.at("rotational").is_null());
  EXPECT_TRUE(d.at("virtual").at("value").is_null());
  // An NVMe drive in a VM: unknown, possibly virtual; it reads back as such.
  rec.env.scratch_disk = {
      "/tmp", "/", "ext4", "nvme0n1", "nvme", false, {std::nullopt, "an NVMe drive in a VM"}, true};
  const RunRecord back = run_from_json(Json::parse(to_json(rec).dump()));
  EXPECT_EQ(back.env.scratch_disk.disk, "nvme0n1");
  EXPECT_EQ(back.env.scratch_disk.rotational, false);
  EXPECT_FALSE(back.env.scratch_disk.virtual_disk.value.has_value());
  EXPECT_TRUE(back.env.scratch_disk.may_be_virtual);
}

TEST(JsonRead, AScratchDiskOfTheWrongShapeIsNamed) {
  Json j = to_json(sample_record());
  j["env"]["scratch_disk"]["virtual"]["value"] = "yes";
  try {
    run_from_json(j);
    FAIL() << "accepted a string for a fact's value";
  } catch (const std::exception& e) {
    EXPECT_NE(std::string(e.what()).find("env.scratch_disk.virtual.value"), std::string::npos)
        << e.what();
  }
}

// Files written before the facts existed still read, with the facts unknown.
TEST(JsonRoundTrip, OldFilesWithoutFactsReadAsUnknown) {
  Json j = to_json(sample_record());
  for (const char* key :
       {"zero_page_on_read", "remote_tlb_flush_ipis", "clock_in_user_space", "concurrent_run",
        "hypervisor_kernel_name", "hypervisor_kernel_note", "hypervisor_source", "scratch_disk"})
    j.at("env").erase(key);
  const RunRecord back = run_from_json(j);
  EXPECT_FALSE(back.env.zero_page_on_read.value.has_value());
  EXPECT_FALSE(back.env.concurrent_run.value.has_value());
  EXPECT_EQ(back.env.hypervisor_kernel_name, "");
  EXPECT_EQ(back.env.hypervisor_source, "");
  EXPECT_FALSE(back.env.scratch_disk.virtual_disk.value.has_value());
  EXPECT_FALSE(back.env.scratch_disk.may_be_virtual);
}

TEST(JsonWrite, BudgetsForCallsAndSyscalls) {
  const Json j = to_json(sample_record());
  const Json& rows = j.at("budgets").at("syscalls");
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows.at(0).at("id"), "syscalls.getppid_raw");
  const Json& cells = rows.at(0).at("cells");
  ASSERT_EQ(cells.size(), 3u);
  EXPECT_EQ(cells.at(0).at("hz"), 90.0);
  EXPECT_EQ(cells.at(0).at("fit_1pct_p50"), std::floor(111'111.11 / 84));
  EXPECT_TRUE(cells.at(0).at("fit_1pct_p50").is_number_integer());  // a count of calls
  EXPECT_TRUE(cells.at(0).contains("fit_period_p99"));
}

TEST(JsonRoundTrip, WriteParseReadWriteIsEqual) {
  const Json first = to_json(sample_record());
  const RunRecord back = run_from_json(Json::parse(first.dump(2)));
  const Json second = to_json(back);
  EXPECT_EQ(first, second) << first.dump(2) << "\n---\n" << second.dump(2);
  // Spot checks on the structures themselves, not only their JSON.
  ASSERT_EQ(back.results.size(), 2u);
  EXPECT_EQ(back.results[0].params.size(), 5u);  // category + the four above
  EXPECT_FALSE(back.results[0].counter("cycles")->per_op.has_value());
  EXPECT_EQ(back.results[1].status, core::Status::skipped);
  EXPECT_EQ(back.env.cgroup_memory_max, 512ull << 20);
  EXPECT_FALSE(back.env.cgroup_pids_max.has_value());
  EXPECT_EQ(back.env.mitigations.size(), 2u);
  EXPECT_EQ(back.env.hypervisor_kernel_name, "PVM");
  EXPECT_EQ(back.env.hypervisor_source, "cpuid");
  EXPECT_EQ(back.env.scratch_disk.driver, "virtio_blk");
  EXPECT_EQ(back.env.scratch_disk.virtual_disk.value, true);
  EXPECT_EQ(back.env.zero_page_on_read.value, false);
  EXPECT_FALSE(back.env.remote_tlb_flush_ipis.value.has_value());
  EXPECT_EQ(back.env.remote_tlb_flush_ipis.evidence, "not detected: between the two cases");
  EXPECT_EQ(back.insights.at(0).values.size(), 2u);
}

TEST(JsonRoundTrip, EmptyRecord) {
  const Json first = to_json(RunRecord{});
  EXPECT_EQ(to_json(run_from_json(Json::parse(first.dump()))), first);
}

TEST(JsonRoundTrip, BatchMeansAndTheSingleOperationTailSurvive) {
  RunRecord rec = sample_record();
  core::set_ops_per_sample(rec.results[0], 37);
  Json j = to_json(rec);
  const Json& e = j["experiments"][0];
  EXPECT_EQ(e["ops_per_sample"], 37);
  EXPECT_TRUE(e["op_tail"].is_null());
  EXPECT_NE(e["op_tail_note"].get<std::string>().find("37 operations"), std::string::npos);
  rec.results[0].op_tail = core::compute_stats({1, 2, 3, 40});
  rec.results[0].op_tail_note.clear();
  const RunRecord back = run_from_json(Json::parse(to_json(rec).dump()));
  EXPECT_DOUBLE_EQ(back.results[0].ops_per_sample, 37);
  ASSERT_TRUE(back.results[0].op_tail);
  EXPECT_DOUBLE_EQ(back.results[0].op_tail->max, 40);
}

TEST(JsonRoundTrip, OldFilesTakeTheBatchFromParams) {
  Json j = to_json(sample_record());
  Json& e = j["experiments"][0];
  e.erase("ops_per_sample");
  e.erase("op_tail");
  e.erase("op_tail_note");
  e["params"]["batch"] = 64;
  const RunRecord back = run_from_json(j);
  EXPECT_DOUBLE_EQ(back.results[0].ops_per_sample, 64);
  EXPECT_EQ(core::per_op_stats(back.results[0]), nullptr);
  EXPECT_FALSE(back.results[0].op_tail_note.empty());
}
