// The peer tools' outputs recorded on a real machine (tests/peers/samples) read to the exact
// figures they print, in ns; damaged or foreign text reads as an error, never a throw or a 0.
#include "peers/peer_parse.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

using namespace illusion::peers;

namespace {

std::string sample(const std::string& name) {
  std::ifstream in(std::string(ILLUSION_SOURCE_DIR) + "/tests/peers/samples/" + name,
                   std::ios::binary);
  EXPECT_TRUE(in) << "missing sample " << name;
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// The reading failed, and its error mentions `words`.
void expect_error(const PeerReading& r, const std::string& words) {
  EXPECT_FALSE(r.ok());
  EXPECT_NE(r.error.find(words), std::string::npos) << "error was: " << r.error;
  EXPECT_FALSE(r.mean_ns.has_value()) << r.error;
}

using Parser = PeerReading (*)(std::string_view);
const std::vector<Parser> kParsers = {parse_perf_bench_syscall, parse_perf_bench_sched_pipe,
                                      parse_hyperfine_json,     parse_perf_stat_elapsed,
                                      parse_fio_json,           parse_cyclictest_histogram};

const std::vector<std::string> kSamples = {
    "perf_bench_syscall_basic.txt",
    "perf_bench_syscall_basic_format_simple.txt",
    "perf_bench_sched_pipe_processes.txt",
    "perf_bench_sched_pipe_threads.txt",
    "hyperfine_true_20_runs.json",
    "hyperfine_true_1_run.json",
    "perf_stat_true_20_runs.txt",
    "perf_stat_true_1_run.txt",
    "fio_psync_read_1m.json",
    "fio_psync_randread_4k.json",
    "fio_mmap_randread_4k.json",
    "fio_null_randread_4k.json",
    "fio_psync_iodepth4_note_before_json.txt",
    "cyclictest_h2000_l1000_cpu1.txt",
    "cyclictest_h100_l1000_cpu1_overflows_with_warn.txt",
};

constexpr const char* kFioMinimal = R"({"jobs": [{"error": 0, "minf": 3, "read": {
  "total_ios": 10, "clat_ns": {"min": 100, "max": 900, "mean": 250.5, "stddev": 20.0}}}]})";

}  // namespace

// ---- perf bench ---------------------------------------------------------------------------

TEST(PerfBenchSyscall, ReadsTheRecordedRun) {
  const PeerReading r = parse_perf_bench_syscall(sample("perf_bench_syscall_basic.txt"));
  ASSERT_TRUE(r.ok()) << r.error;
  EXPECT_DOUBLE_EQ(*r.mean_ns, 154.130);
  EXPECT_EQ(*r.ops, 200000);
  EXPECT_EQ(r.resolution_ns, 0);
  EXPECT_FALSE(r.p50_ns || r.p99_ns || r.max_ns || r.min_ns || r.stddev_ns || r.overflows);
}

TEST(PerfBenchSyscall, RefusesSimpleFormatOtherBenchmarksAndDamage) {
  expect_error(parse_perf_bench_syscall(sample("perf_bench_syscall_basic_format_simple.txt")),
               "--format=simple");
  expect_error(parse_perf_bench_syscall(sample("perf_bench_sched_pipe_threads.txt")),
               "'sched/pipe'");
  expect_error(parse_perf_bench_syscall(""), "printed nothing");
  expect_error(parse_perf_bench_syscall("Segmentation fault\n"), "no 'usecs/op' line");
  // Cut off after the total: the per-op line never came.
  expect_error(parse_perf_bench_syscall("# Running 'syscall/basic' benchmark:\n"
                                        "# Executed 1000 getppid() calls\n"
                                        "     Total time: 0.000 [sec]\n"),
               "no 'usecs/op' line");
  for (const char* bad : {"-0.150000", "inf", "nan", "0.15x", "1e999"}) {
    expect_error(parse_perf_bench_syscall(std::string("   ") + bad + " usecs/op\n"), "usecs/op");
  }
  expect_error(parse_perf_bench_syscall("# Executed many getppid() calls\n 0.1 usecs/op\n"),
               "loop count");
}

TEST(PerfBenchSyscall, LoopCountIsOptional) {
  const PeerReading r = parse_perf_bench_syscall("       0.150122 usecs/op\n");
  ASSERT_TRUE(r.ok()) << r.error;
  EXPECT_DOUBLE_EQ(*r.mean_ns, 150.122);
  EXPECT_FALSE(r.ops.has_value());
}

TEST(PerfBenchSchedPipe, ReadsProcessesAndThreads) {
  const PeerReading p = parse_perf_bench_sched_pipe(sample("perf_bench_sched_pipe_processes.txt"));
  ASSERT_TRUE(p.ok()) << p.error;
  EXPECT_DOUBLE_EQ(*p.mean_ns, 5881.3);
  EXPECT_EQ(*p.ops, 20000);
  const PeerReading t = parse_perf_bench_sched_pipe(sample("perf_bench_sched_pipe_threads.txt"));
  ASSERT_TRUE(t.ok()) << t.error;
  EXPECT_DOUBLE_EQ(*t.mean_ns, 5285.6);
  EXPECT_EQ(*t.ops, 20000);
}

TEST(PerfBenchSchedPipe, RefusesTheSyscallBenchmark) {
  expect_error(parse_perf_bench_sched_pipe(sample("perf_bench_syscall_basic.txt")),
               "'syscall/basic'");
  expect_error(parse_perf_bench_sched_pipe("1.006\n"), "--format=simple");
}

// ---- hyperfine ----------------------------------------------------------------------------

TEST(Hyperfine, ReadsTwentyRuns) {
  const PeerReading r = parse_hyperfine_json(sample("hyperfine_true_20_runs.json"));
  ASSERT_TRUE(r.ok()) << r.error;
  EXPECT_NEAR(*r.mean_ns, 886984.15, 1e-6);
  EXPECT_NEAR(*r.stddev_ns, 105737.1043804671, 1e-6);
  EXPECT_NEAR(*r.p50_ns, 864479.5, 1e-6);
  EXPECT_NEAR(*r.min_ns, 774094, 1e-6);
  EXPECT_NEAR(*r.max_ns, 1268862, 1e-6);
  EXPECT_EQ(*r.ops, 20);
  EXPECT_FALSE(r.p99_ns.has_value());
}

TEST(Hyperfine, OneRunHasNoStddev) {
  const PeerReading r = parse_hyperfine_json(sample("hyperfine_true_1_run.json"));
  ASSERT_TRUE(r.ok()) << r.error;
  EXPECT_NEAR(*r.mean_ns, 990918, 1e-6);
  EXPECT_FALSE(r.stddev_ns.has_value());
  EXPECT_EQ(*r.ops, 1);
}

TEST(Hyperfine, DamagedOrForeignJsonIsAnError) {
  const std::string real = sample("hyperfine_true_20_runs.json");
  expect_error(parse_hyperfine_json(""), "does not parse");
  expect_error(parse_hyperfine_json("Benchmark 1: /bin/true"), "does not parse");
  expect_error(parse_hyperfine_json(real.substr(0, real.size() / 2)), "does not parse");
  expect_error(parse_hyperfine_json("[1, 2]"), "not an object");
  expect_error(parse_hyperfine_json(R"({"results": {}})"), "no 'results' array");
  expect_error(parse_hyperfine_json(R"({"results": []})"), "empty");
  expect_error(parse_hyperfine_json(R"({"results": [3]})"), "not an object");
  expect_error(parse_hyperfine_json(R"({"results": [{"median": 0.1}]})"), "no results[0].mean");
  expect_error(parse_hyperfine_json(R"({"results": [{"mean": "fast"}]})"), "results[0].mean");
  expect_error(parse_hyperfine_json(R"({"results": [{"mean": -0.1}]})"), "results[0].mean");
  expect_error(parse_hyperfine_json(R"({"results": [{"mean": 1e300}]})"), "results[0].mean");
  expect_error(parse_hyperfine_json(R"({"results": [{"mean": 0.1, "stddev": [1]}]})"),
               "results[0].stddev");
  expect_error(parse_hyperfine_json(R"({"results": [{"mean": 0.1, "times": 5}]})"), "times");
  expect_error(parse_hyperfine_json(R"({"results": [{"mean": 0.1, "times": []}]})"), "times");
}

TEST(Hyperfine, AbsentFieldsStayEmpty) {
  const PeerReading r = parse_hyperfine_json(R"({"results": [{"mean": 0.002}]})");
  ASSERT_TRUE(r.ok()) << r.error;
  EXPECT_DOUBLE_EQ(*r.mean_ns, 2e6);
  EXPECT_FALSE(r.stddev_ns || r.p50_ns || r.min_ns || r.max_ns || r.ops);
}

// ---- perf stat ----------------------------------------------------------------------------

TEST(PerfStat, ReadsTwentyRunsWithTheirStandardError) {
  const PeerReading r = parse_perf_stat_elapsed(sample("perf_stat_true_20_runs.txt"));
  ASSERT_TRUE(r.ok()) << r.error;
  EXPECT_NEAR(*r.mean_ns, 924600, 1e-6);
  EXPECT_NEAR(*r.mean_stderr_ns, 30700, 1e-6);
  EXPECT_EQ(*r.ops, 20);
  EXPECT_FALSE(r.stddev_ns.has_value());  // the "+-" is not the runs' spread
}

TEST(PerfStat, ReadsASingleRun) {
  const PeerReading r = parse_perf_stat_elapsed(sample("perf_stat_true_1_run.txt"));
  ASSERT_TRUE(r.ok()) << r.error;
  EXPECT_NEAR(*r.mean_ns, 948845, 1e-6);
  EXPECT_FALSE(r.mean_stderr_ns.has_value());
  EXPECT_EQ(*r.ops, 1);
}

TEST(PerfStat, RunCountComesAfterACommandWithParentheses) {
  const PeerReading r = parse_perf_stat_elapsed(
      " Performance counter stats for 'sh -c (true) (x)' (5 runs):\n\n"
      "          0.0011252 +- 0.0000315 seconds time elapsed  ( +-  2.80% )\n");
  ASSERT_TRUE(r.ok()) << r.error;
  EXPECT_EQ(*r.ops, 5);
  EXPECT_NEAR(*r.mean_ns, 1125200, 1e-6);
  EXPECT_NEAR(*r.mean_stderr_ns, 31500, 1e-6);
}

TEST(PerfStat, DamagedOutputIsAnError) {
  const std::string real = sample("perf_stat_true_20_runs.txt");
  const std::string header = " Performance counter stats for '/bin/true' (3 runs):\n";
  expect_error(parse_perf_stat_elapsed(""), "no 'Performance counter stats for' line");
  expect_error(parse_perf_stat_elapsed("perf: command not found\n"), "line in perf stat's");
  expect_error(parse_perf_stat_elapsed(real.substr(0, real.find("seconds time") - 25)),
               "no 'seconds time elapsed' line");
  expect_error(parse_perf_stat_elapsed("  0.001 seconds time elapsed\n"),
               "no 'Performance counter stats for' line");
  expect_error(parse_perf_stat_elapsed(header + " nan +- 0.1 seconds time elapsed\n"), "'nan'");
  expect_error(parse_perf_stat_elapsed(header + " -0.001 seconds time elapsed\n"), "'-0.001'");
  expect_error(parse_perf_stat_elapsed(header + " 0.001 +- x seconds time elapsed\n"), "'+-'");
  expect_error(parse_perf_stat_elapsed(header + " 0.001 0.002 seconds time elapsed\n"),
               "is not 'mean");
  expect_error(parse_perf_stat_elapsed(" Performance counter stats for 'a' (many runs):\n"
                                       " 0.001 seconds time elapsed\n"),
               "run count");
  expect_error(parse_perf_stat_elapsed(real + real), "several perf stat reports");
}

// ---- fio ----------------------------------------------------------------------------------

TEST(Fio, ReadsPsyncRandomReads) {
  const PeerReading r = parse_fio_json(sample("fio_psync_randread_4k.json"));
  ASSERT_TRUE(r.ok()) << r.error;
  EXPECT_DOUBLE_EQ(*r.mean_ns, 1050.423865);
  EXPECT_EQ(*r.p50_ns, 1020);
  EXPECT_EQ(*r.p99_ns, 1464);
  EXPECT_EQ(*r.min_ns, 541);
  EXPECT_EQ(*r.max_ns, 115893);
  EXPECT_DOUBLE_EQ(*r.stddev_ns, 773.143166);
  EXPECT_EQ(*r.ops, 777097);
  EXPECT_EQ(*r.minor_faults, 10);
  EXPECT_EQ(r.resolution_ns, 4);  // 1020 is the middle of the 8 ns bucket [1016, 1024)
  EXPECT_FALSE(r.overflows.has_value());
}

TEST(Fio, HalfBucketGrowsWithTheValue) {
  const PeerReading seq = parse_fio_json(sample("fio_psync_read_1m.json"));
  ASSERT_TRUE(seq.ok()) << seq.error;
  EXPECT_EQ(*seq.p50_ns, 40192);
  EXPECT_EQ(seq.resolution_ns, 256);  // [32768, 65536) in buckets of 512 ns
  EXPECT_EQ(*seq.ops, 23067);
  EXPECT_EQ(*seq.minor_faults, 269);
  const PeerReading mmap = parse_fio_json(sample("fio_mmap_randread_4k.json"));
  ASSERT_TRUE(mmap.ok()) << mmap.error;
  EXPECT_EQ(*mmap.p50_ns, 450);
  EXPECT_EQ(mmap.resolution_ns, 2);
  EXPECT_EQ(*mmap.ops, 1410477);
  EXPECT_EQ(*mmap.minor_faults, 77);
  const PeerReading null = parse_fio_json(sample("fio_null_randread_4k.json"));
  ASSERT_TRUE(null.ok()) << null.error;
  EXPECT_EQ(*null.p50_ns, 20);
  EXPECT_EQ(null.resolution_ns, 0);  // under 128 ns fio's buckets are 1 ns wide
  EXPECT_EQ(*null.min_ns, 0);
  EXPECT_DOUBLE_EQ(*null.mean_ns, 21.293179);
}

TEST(Fio, SkipsTextAroundTheJson) {
  const PeerReading r = parse_fio_json(sample("fio_psync_iodepth4_note_before_json.txt"));
  ASSERT_TRUE(r.ok()) << r.error;
  EXPECT_EQ(*r.ops, 961883);
  EXPECT_EQ(*r.p50_ns, 804);
  const PeerReading after =
      parse_fio_json(sample("fio_psync_randread_4k.json") + "fio: file hash not empty on exit\n");
  ASSERT_TRUE(after.ok()) << after.error;
  EXPECT_EQ(*after.ops, 777097);
  EXPECT_TRUE(parse_fio_json(kFioMinimal).ok());  // one line, no pretty-printing
}

TEST(Fio, MissingPercentilesStayEmpty) {
  const PeerReading r = parse_fio_json(kFioMinimal);
  ASSERT_TRUE(r.ok()) << r.error;
  EXPECT_DOUBLE_EQ(*r.mean_ns, 250.5);
  EXPECT_EQ(*r.ops, 10);
  EXPECT_EQ(*r.minor_faults, 3);
  EXPECT_FALSE(r.p50_ns || r.p99_ns);
  EXPECT_EQ(r.resolution_ns, 0);
}

TEST(Fio, DamagedOrForeignJsonIsAnError) {
  const std::string real = sample("fio_psync_randread_4k.json");
  const auto with = [](std::string from, const std::string& to) {
    std::string s = kFioMinimal;
    return s.replace(s.find(from), from.size(), to);
  };
  expect_error(parse_fio_json(""), "no JSON object");
  expect_error(parse_fio_json("fio: pid=0, err=2/file:filesetup.c\n"), "no JSON object");
  expect_error(parse_fio_json(real.substr(0, real.size() / 2)), "does not parse");
  expect_error(parse_fio_json(R"({"jobs": 3})"), "no 'jobs' array");
  expect_error(parse_fio_json(R"({"jobs": []})"), "empty");
  expect_error(parse_fio_json(R"({"results": [{"mean": 1}]})"), "no 'jobs' array");
  expect_error(parse_fio_json(with("\"total_ios\": 10", "\"total_ios\": 0")), "read nothing");
  expect_error(parse_fio_json(with("\"total_ios\": 10", "\"total_ios\": \"10\"")), "total_ios");
  expect_error(parse_fio_json(with("\"total_ios\": 10, ", "")), "no jobs[0].read.total_ios");
  expect_error(parse_fio_json(with("\"error\": 0", "\"error\": 5")), "error 5");
  expect_error(parse_fio_json(with("\"read\"", "\"write\"")), "no jobs[0].read");
  expect_error(parse_fio_json(with("\"clat_ns\"", "\"lat_ns\"")), "clat_ns");
  expect_error(parse_fio_json(with("250.5", "-250.5")), "clat_ns.mean");
  expect_error(parse_fio_json(with("250.5", "true")), "clat_ns.mean");
  expect_error(parse_fio_json(with("\"mean\": 250.5,", "")), "no clat_ns.mean");
  expect_error(parse_fio_json(with("\"minf\": 3", "\"minf\": -3")), "jobs[0].minf");
  expect_error(parse_fio_json(with("\"stddev\": 20.0}", "\"stddev\": 20.0, \"percentile\": 1}")),
               "percentile");
}

// ---- cyclictest ---------------------------------------------------------------------------

TEST(Cyclictest, ReadsTheRecordedHistogram) {
  const PeerReading r = parse_cyclictest_histogram(sample("cyclictest_h2000_l1000_cpu1.txt"));
  ASSERT_TRUE(r.ok()) << r.error;
  EXPECT_EQ(*r.ops, 1000);
  EXPECT_EQ(*r.overflows, 0);
  EXPECT_EQ(r.resolution_ns, 500);
  EXPECT_EQ(*r.p50_ns, 92500);   // the 500th sample is in bucket 92 µs
  EXPECT_EQ(*r.p99_ns, 185500);  // the 990th in bucket 185 µs
  EXPECT_EQ(*r.min_ns, 36500);
  EXPECT_EQ(*r.max_ns, 1228500);
  // Every sample is in a bucket: the buckets' mean, 96.485 µs, plus half a bucket (Avg: 96).
  EXPECT_NEAR(*r.mean_ns, 96985, 1e-6);
}

TEST(Cyclictest, P99AmongTheOverflowsIsUnknownNotAnError) {
  const PeerReading r =
      parse_cyclictest_histogram(sample("cyclictest_h100_l1000_cpu1_overflows_with_warn.txt"));
  ASSERT_TRUE(r.ok()) << r.error;
  EXPECT_EQ(*r.ops, 1000);  // 701 in buckets and 299 overflowed
  EXPECT_EQ(*r.overflows, 299);
  EXPECT_EQ(*r.p50_ns, 86500);
  EXPECT_FALSE(r.p99_ns.has_value());
  EXPECT_EQ(*r.max_ns, 2603500);
  EXPECT_EQ(*r.min_ns, 38500);
  EXPECT_NEAR(*r.mean_ns, 96000, 1e-6);  // Avg 95 µs, truncated twice: the middle of [95, 97)
}

TEST(Cyclictest, PercentileRankIsExact) {
  // 990 of 1000 samples in bucket 5: the 99th percentile is the 990th sample, still bucket 5.
  const std::string text =
      "WARN: not setting cpu_dma_latency to save battery power\n"
      "# Histogram\n000005 000990\n000006 000009\n000007 000000\n"
      "# Total: 000000999\n# Histogram Overflows: 00001\n";
  const PeerReading r = parse_cyclictest_histogram(text);
  ASSERT_TRUE(r.ok()) << r.error;
  EXPECT_EQ(*r.p99_ns, 5500);
  EXPECT_EQ(*r.p50_ns, 5500);
  EXPECT_EQ(*r.ops, 1000);
  EXPECT_FALSE(r.mean_ns || r.min_ns || r.max_ns);  // no Avg, Min or Max lines
}

TEST(Cyclictest, DamagedOrForeignOutputIsAnError) {
  const std::string real = sample("cyclictest_h2000_l1000_cpu1.txt");
  const std::string tail = "# Histogram Overflows: 00000\n";
  expect_error(parse_cyclictest_histogram(""), "no histogram lines");
  expect_error(parse_cyclictest_histogram("T: 0 ( 1234) P: 0 I:1000 C: 10 Min: 5\n"),
               "no histogram lines");
  expect_error(parse_cyclictest_histogram(real.substr(0, real.size() / 2)),
               "no '# Histogram Overflows' line");
  expect_error(parse_cyclictest_histogram("000001 000002\t000003\n" + tail), "'bucket count'");
  expect_error(parse_cyclictest_histogram("000001\n" + tail), "'bucket count'");
  expect_error(parse_cyclictest_histogram("000001 -00002\n" + tail), "'bucket count'");
  expect_error(parse_cyclictest_histogram("000001 99999999999999999999\n" + tail),
               "'bucket count'");
  expect_error(parse_cyclictest_histogram("000002 000001\n000001 000001\n" + tail), "out of order");
  expect_error(parse_cyclictest_histogram("000001 000000\n" + tail), "no samples");
  expect_error(parse_cyclictest_histogram("000001 000002\n# Total: 000000003\n" + tail),
               "'# Total' (3)");
  expect_error(parse_cyclictest_histogram("000001 000002\n# Histogram Overflows: 00000 00001\n"),
               "one thread's");
  expect_error(parse_cyclictest_histogram("000001 000002\n# Max Latencies: lots\n" + tail),
               "whole number");
  expect_error(parse_cyclictest_histogram(real + real), "out of order");
}

// ---- every parser on every sample, whole and cut short ------------------------------------

TEST(PeerParse, NoInputThrowsAndEveryReadingIsFiniteOrAnError) {
  for (const std::string& name : kSamples) {
    const std::string text = sample(name);
    const std::size_t step = std::max<std::size_t>(1, text.size() / 300);
    for (std::size_t cut = 0; cut <= text.size(); cut += step) {
      for (const Parser parse : kParsers) {
        const PeerReading r = parse(std::string_view(text).substr(0, cut));
        if (!r.ok()) continue;
        for (const auto& v : {r.mean_ns, r.p50_ns, r.p99_ns, r.max_ns, r.min_ns, r.stddev_ns, r.ops,
                              r.mean_stderr_ns, r.minor_faults, r.overflows}) {
          EXPECT_TRUE(!v || (std::isfinite(*v) && *v >= 0)) << name << " cut at " << cut;
        }
      }
    }
  }
}
