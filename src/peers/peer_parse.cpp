// The peer tools that print text: perf bench, perf stat -r and cyclictest's histogram. Lines
// are matched by the words the tools print around their numbers, so a warning or a status line
// anywhere else is skipped, and a figure whose line is missing is reported as missing.
#include "peers/peer_parse.h"

#include <fmt/format.h>

#include <charconv>
#include <cmath>
#include <cstdint>
#include <utility>
#include <vector>

namespace illusion::peers {
namespace {

constexpr std::string_view kSpace = " \t\r\n\v\f";

std::string_view trim(std::string_view s) {
  const auto first = s.find_first_not_of(kSpace);
  if (first == std::string_view::npos) return {};
  return s.substr(first, s.find_last_not_of(kSpace) - first + 1);
}

std::vector<std::string_view> split_lines(std::string_view text) {
  std::vector<std::string_view> lines;
  while (!text.empty()) {
    const auto nl = text.find('\n');
    lines.push_back(text.substr(0, nl));
    if (nl == std::string_view::npos) break;
    text.remove_prefix(nl + 1);
  }
  return lines;
}

std::vector<std::string_view> split_words(std::string_view s) {
  std::vector<std::string_view> words;
  while (true) {
    const auto first = s.find_first_not_of(kSpace);
    if (first == std::string_view::npos) break;
    s.remove_prefix(first);
    const auto end = s.find_first_of(kSpace);
    words.push_back(s.substr(0, end));
    if (end == std::string_view::npos) break;
    s.remove_prefix(end);
  }
  return words;
}

// A finite, non-negative decimal and nothing else ("inf", "nan" and "-1" are refused).
std::optional<double> non_negative(std::string_view s) {
  double v = 0;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size() || !std::isfinite(v) || v < 0) {
    return std::nullopt;
  }
  return v;
}

// Counts above this are not a real run's, and keeping them below it keeps 100 * count exact.
constexpr std::uint64_t kMaxCount = 1'000'000'000'000'000;

std::optional<std::uint64_t> whole(std::string_view s) {
  std::uint64_t v = 0;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size() || v > kMaxCount) return std::nullopt;
  return v;
}

PeerReading failed(std::string why) {
  PeerReading r;
  r.error = std::move(why);
  return r;
}

// ---- perf bench ---------------------------------------------------------------------------

// perf bench's default format (tools/perf/bench/*.c) names the benchmark, says how many loops
// ran, then divides the loop's gettimeofday() time by the loop count:
//   # Running 'syscall/basic' benchmark:
//   # Executed 200000 getppid() calls
//        Total time: 0.030 [sec]
//          0.154130 usecs/op
//           6488029 ops/sec
// `--format=simple` prints the total seconds alone, to the millisecond and without the loop
// count, so no per-op figure can be had from it.
PeerReading parse_perf_bench(std::string_view text, std::string_view tool,
                             std::string_view benchmark_prefix) {
  const std::string_view all = trim(text);
  if (all.empty()) return failed(fmt::format("{} printed nothing", tool));
  if (all.find('\n') == std::string_view::npos && non_negative(all)) {
    return failed(fmt::format(
        "{} printed only a total time (--format=simple); its default format has usecs/op", tool));
  }
  PeerReading r;
  std::optional<double> usecs_per_op;
  for (const std::string_view line : split_lines(text)) {
    const std::string_view t = trim(line);
    if (t.starts_with("# Running '")) {
      const std::string_view rest = t.substr(11);
      const std::string_view name = rest.substr(0, rest.find('\''));
      if (!name.starts_with(benchmark_prefix)) {
        return failed(fmt::format("this is perf bench '{}' output, not {}'s", name, tool));
      }
      continue;
    }
    const auto words = split_words(t);
    if (words.size() >= 3 && words[0] == "#" && words[1] == "Executed") {
      const auto n = whole(words[2]);
      if (!n || *n == 0) {
        return failed(fmt::format("{}'s loop count '{}' is not a whole number", tool, words[2]));
      }
      r.ops = static_cast<double>(*n);
    } else if (words.size() == 2 && words[1] == "usecs/op") {
      usecs_per_op = non_negative(words[0]);
      if (!usecs_per_op) {
        return failed(
            fmt::format("{}'s usecs/op '{}' is not a non-negative number", tool, words[0]));
      }
    }
  }
  if (!usecs_per_op) return failed(fmt::format("no 'usecs/op' line in {}'s output", tool));
  r.mean_ns = *usecs_per_op * 1e3;
  return r;
}

// ---- cyclictest ---------------------------------------------------------------------------

// What cyclictest prints after its histogram, one column per thread.
struct CyclictestTrailer {
  std::optional<std::uint64_t> total, min_us, avg_us, max_us, overflows;
  std::optional<std::uint64_t>* slot(std::string_view key) {
    if (key == "Total") return &total;
    if (key == "Min Latencies") return &min_us;
    if (key == "Avg Latencies") return &avg_us;
    if (key == "Max Latencies") return &max_us;
    if (key == "Histogram Overflows") return &overflows;
    return nullptr;
  }
};

// The first bucket whose cumulative count reaches ceil(pct/100 * total), in whole numbers so
// that 99% of 1000 is 990 and not 990.0000000000001; empty when that sample overflowed.
std::optional<std::uint64_t> percentile_bucket(
    const std::vector<std::pair<std::uint64_t, std::uint64_t>>& buckets, std::uint64_t total,
    std::uint64_t pct) {
  const std::uint64_t rank = (pct * total + 99) / 100;
  std::uint64_t seen = 0;
  for (const auto& [bucket, count] : buckets) {
    seen += count;
    if (seen >= rank) return bucket;
  }
  return std::nullopt;
}

}  // namespace

PeerReading parse_perf_bench_syscall(std::string_view text) {
  return parse_perf_bench(text, "perf bench syscall", "syscall/");
}

// One op of sched/pipe is a round trip: each side writes an int into one pipe and reads it
// back from the other, so two context switches and four syscalls when both share a CPU.
PeerReading parse_perf_bench_sched_pipe(std::string_view text) {
  return parse_perf_bench(text, "perf bench sched pipe", "sched/pipe");
}

// perf stat -r N ends its report with the mean wall time of the N runs and, since N > 1, the
// "+-" figure: tools/perf/util/stat.c's stddev_stats(), the runs' sample standard deviation
// divided by sqrt(N), i.e. the standard error of the mean (man perf-stat calls it "stddev").
// Both are printed to two decimal places past the error's leading digit (stat-display.c's
// get_precision(sd) + 2): below, to 100 ns. A single run prints its time to the ns, no "+-":
//    Performance counter stats for '/bin/true' (20 runs):
//            0.0009246 +- 0.0000307 seconds time elapsed  ( +-  3.32% )
//    Performance counter stats for '/bin/true':
//          0.000948845 seconds time elapsed
PeerReading parse_perf_stat_elapsed(std::string_view text) {
  PeerReading r;
  int headers = 0, elapsed_lines = 0;
  for (const std::string_view line : split_lines(text)) {
    const std::string_view t = trim(line);
    if (t.starts_with("Performance counter stats for ")) {
      if (++headers > 1) return failed("several perf stat reports in one text");
      r.ops = 1;
      // The command may hold parentheses itself, so the run count is read from the last '('.
      if (t.ends_with(" runs):")) {
        const auto open = t.rfind('(');
        const auto runs = whole(t.substr(open + 1, t.size() - 7 - (open + 1)));
        if (!runs || *runs == 0) return failed("perf stat's run count is not a whole number");
        r.ops = static_cast<double>(*runs);
      }
      continue;
    }
    const auto at = t.find(" seconds time elapsed");
    if (at == std::string_view::npos) continue;
    if (++elapsed_lines > 1)
      return failed("several 'seconds time elapsed' lines in perf stat's output");
    const auto words = split_words(t.substr(0, at));
    if (words.size() != 1 && !(words.size() == 3 && words[1] == "+-")) {
      return failed("perf stat's elapsed line is not 'mean [+- error] seconds time elapsed'");
    }
    const auto mean_s = non_negative(words[0]);
    if (!mean_s) {
      return failed(fmt::format("perf stat's elapsed time '{}' is not a number", words[0]));
    }
    r.mean_ns = *mean_s * 1e9;
    if (words.size() == 3) {
      const auto stderr_s = non_negative(words[2]);
      if (!stderr_s) {
        return failed(fmt::format("perf stat's '+-' figure '{}' is not a number", words[2]));
      }
      r.mean_stderr_ns = *stderr_s * 1e9;
    }
  }
  if (headers == 0) return failed("no 'Performance counter stats for' line in perf stat's output");
  if (elapsed_lines == 0) return failed("no 'seconds time elapsed' line in perf stat's output");
  return r;
}

// cyclictest -h N -q prints one line per 1 µs bucket ("000040 000001": latency, count, zeros
// included), then totals and the cycles that overflowed the last bucket. rt-tests 2.4's
// calcdiff() (src/include/rt-utils.h) makes each latency whole microseconds as
//   1e6 * (s1 - s0) + (ns1 - ns0) / 1000
// in integer arithmetic, so a latency of b.x µs lands in bucket b: [b, b+1) µs, and its best
// figure is the midpoint b + 0.5. (When the wakeup crosses a second boundary the nanosecond
// difference is negative and C's division rounds it up instead: that sample lands one bucket
// high, about once per 10^4 samples at 100 µs latencies.) Min and Max are the same truncated
// values; Avg is the truncated mean of truncated values, 0 to 2 µs under the true mean. All of
// this assumes microsecond mode, not --nsecs. "# Total" counts the buckets only, overflows
// not included. Lines that are not ours (WARN:, status lines) are skipped.
PeerReading parse_cyclictest_histogram(std::string_view text) {
  std::vector<std::pair<std::uint64_t, std::uint64_t>> buckets;
  CyclictestTrailer trailer;
  std::uint64_t in_buckets = 0;
  double bucket_sum_us = 0;  // sum of bucket * count, for the mean when nothing overflowed
  for (const std::string_view line : split_lines(text)) {
    const std::string_view t = trim(line);
    if (t.empty()) continue;
    if (t.front() == '#') {
      const auto colon = t.find(':');
      if (colon == std::string_view::npos) continue;
      auto* slot = trailer.slot(trim(t.substr(1, colon - 1)));
      if (!slot) continue;
      const auto values = split_words(t.substr(colon + 1));
      if (values.size() != 1) {
        return failed(fmt::format("cyclictest's '{}' is not one thread's figure", t));
      }
      if (*slot) return failed("two cyclictest reports in one text");
      *slot = whole(values[0]);
      if (!*slot) return failed(fmt::format("cyclictest's '{}' is not a whole number", t));
      continue;
    }
    if (t.front() < '0' || t.front() > '9') continue;
    const auto words = split_words(t);
    const auto bucket = words.size() == 2 ? whole(words[0]) : std::nullopt;
    const auto count = words.size() == 2 ? whole(words[1]) : std::nullopt;
    if (!bucket || !count) {
      return failed(fmt::format("cyclictest histogram line '{}' is not 'bucket count'", t));
    }
    if (!buckets.empty() && *bucket <= buckets.back().first) {
      return failed("cyclictest's histogram buckets are out of order");
    }
    buckets.emplace_back(*bucket, *count);
    in_buckets += *count;
    if (in_buckets > kMaxCount) return failed("cyclictest's histogram counts are implausible");
    bucket_sum_us += static_cast<double>(*bucket) * static_cast<double>(*count);
  }
  if (buckets.empty()) return failed("no histogram lines in cyclictest's output (run it with -h)");
  if (!trailer.overflows) return failed("no '# Histogram Overflows' line in cyclictest's output");
  if (trailer.total && *trailer.total != in_buckets) {
    return failed(fmt::format("cyclictest's '# Total' ({}) is not the sum of its buckets ({})",
                              *trailer.total, in_buckets));
  }
  const std::uint64_t total = in_buckets + *trailer.overflows;
  if (total == 0) return failed("cyclictest recorded no samples");

  PeerReading r;
  r.resolution_ns = 500;
  r.ops = static_cast<double>(total);
  r.overflows = static_cast<double>(*trailer.overflows);
  const auto midpoint_ns = [](std::uint64_t us) { return (static_cast<double>(us) + 0.5) * 1e3; };
  if (const auto b = percentile_bucket(buckets, total, 50)) r.p50_ns = midpoint_ns(*b);
  if (const auto b = percentile_bucket(buckets, total, 99)) r.p99_ns = midpoint_ns(*b);
  if (trailer.min_us) r.min_ns = midpoint_ns(*trailer.min_us);
  if (trailer.max_us) r.max_ns = midpoint_ns(*trailer.max_us);
  // With every sample in a bucket the mean of the truncated values is known exactly, half a
  // microsecond under the true one; otherwise Avg's two truncations put the true mean in
  // [Avg, Avg + 2) µs, and its middle is the best figure.
  if (*trailer.overflows == 0) {
    r.mean_ns = (bucket_sum_us / static_cast<double>(total) + 0.5) * 1e3;
  } else if (trailer.avg_us) {
    r.mean_ns = (static_cast<double>(*trailer.avg_us) + 1.0) * 1e3;
  }
  return r;
}

}  // namespace illusion::peers
