#include "cli/peer_checks.h"

#include <sys/prctl.h>

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "core/aligned_buffer.h"
#include "core/barrier.h"
#include "core/command.h"
#include "core/format.h"
#include "core/sampler.h"
#include "core/stats.h"
#include "core/text_file.h"
#include "mmap_vs_read/io_file.h"

namespace illusion::cli {
namespace {

using peers::PeerReading;
using peers::Statistic;

// ---- illusion's side ---------------------------------------------------------------------

bool usable(const core::Result& r, std::string& why) {
  if (r.status != core::Status::ok) {
    why = fmt::format("{} {}: {}", r.id, r.status == core::Status::skipped ? "skipped" : "failed",
                      r.reason);
    return false;
  }
  if (!r.stats || r.stats->n == 0) {
    why = r.id + " gave no samples";
    return false;
  }
  return true;
}

// The mean per operation: the mean of batch means is the mean of every operation timed.
std::optional<double> mean_of(const core::Result& r, std::string& why) {
  if (!usable(r, why)) return std::nullopt;
  return r.stats->mean;
}

// A percentile of single operations; a batched row without a single-operation pass has none.
std::optional<double> op_percentile(const core::Result& r, Statistic s, std::string& why) {
  if (!usable(r, why)) return std::nullopt;
  const core::Stats* op = core::per_op_stats(r);
  if (!op) {
    why = fmt::format(
        "{} timed its operations only in batches ({}), so it has no single "
        "operation's {}",
        r.id, r.op_tail_note.empty() ? "no single-operation pass" : r.op_tail_note,
        peers::statistic_name(s));
    return std::nullopt;
  }
  switch (s) {
    case Statistic::p50:
      return op->p50;
    case Statistic::p99:
      return op->p99;
    case Statistic::max:
      return op->max;
    case Statistic::mean:
      return op->mean;
  }
  return std::nullopt;
}

std::optional<double> metric_of(const core::Result& r, const std::string& name, std::string& why) {
  if (!usable(r, why)) return std::nullopt;
  if (const core::Metric* m = r.metric(name)) return m->value;
  why = r.id + " has no metric " + name;
  return std::nullopt;
}

std::string param_text(const core::Result& r, const std::string& name, std::string fallback) {
  for (const auto& p : r.params)
    if (p.name == name && std::holds_alternative<std::string>(p.value))
      return std::get<std::string>(p.value);
  return fallback;
}

// ---- the peer's side ---------------------------------------------------------------------

std::string command_line(const std::vector<std::string>& argv) {
  std::string out;
  for (const auto& a : argv) out += (out.empty() ? "" : " ") + a;
  return out;
}

// `argv` pinned to the check's CPU, as the illusion row was.
std::vector<std::string> placed(const PeerSetup& setup, std::vector<std::string> argv) {
  if (!setup.cpu) return argv;
  argv.insert(argv.begin(), {"taskset", "-c", std::to_string(*setup.cpu)});
  return argv;
}

// Runs a peer and reads its stdout (or, with `out_file`, the file it wrote there) with `parse`.
template <class Parse>
PeerRun run_peer(const PeerSetup& setup, const std::string& tool, std::vector<std::string> argv,
                 Parse&& parse, const std::string& out_file = "") {
  PeerRun run;
  argv = placed(setup, std::move(argv));
  run.command = command_line(argv);
  core::CommandOptions options;
  options.keep_stdout = out_file.empty();
  options.timeout = std::chrono::milliseconds(static_cast<long>(setup.target_s * 20'000) + 20'000);
  const core::CommandRun cmd = core::run_command(argv, *setup.tmp, options);
  run.failure = core::command_failure(tool, cmd);
  if (run.failure.empty()) {
    run.reading = parse(out_file.empty() ? cmd.out : core::read_text(out_file).value_or(""));
    if (!run.reading.ok()) run.failure = tool + "'s output could not be read: " + run.reading.error;
  }
  if (!out_file.empty()) setup.tmp->remove_file(out_file);
  return run;
}

// Loops for a peer that repeats an operation: as many as take about `target_s` at the cost
// illusion just measured, within [lo, hi].
long loops_for(const PeerSetup& setup, std::optional<double> op_ns, long lo, long hi) {
  if (!op_ns || !(*op_ns > 0)) return lo;
  const double n = setup.target_s * 1e9 / *op_ns;
  return static_cast<long>(std::clamp(n, static_cast<double>(lo), static_cast<double>(hi)));
}

std::string seconds_arg(double s) {
  return fmt::format("{}ms", static_cast<long>(std::max(100.0, s * 1000)));
}

// ---- the checks --------------------------------------------------------------------------

Figure mean_figure(std::string id, std::string words) {
  return {std::move(id), Statistic::mean, std::move(words),
          [](const core::Result& r, std::string& why) { return mean_of(r, why); },
          [](const PeerReading& p) { return p.mean_ns; }};
}

Figure op_figure(std::string id, Statistic s, std::string words) {
  return {std::move(id), s, std::move(words),
          [s](const core::Result& r, std::string& why) { return op_percentile(r, s, why); },
          [s](const PeerReading& p) -> std::optional<double> {
            switch (s) {
              case Statistic::p50:
                return p.p50_ns;
              case Statistic::p99:
                return p.p99_ns;
              case Statistic::max:
                return p.max_ns;
              case Statistic::mean:
                return p.mean_ns;
            }
            return std::nullopt;
          }};
}

PeerCheck getppid_check() {
  PeerCheck c;
  c.row = "syscalls.getppid_raw";
  c.program = "perf";
  c.package = "linux-perf";
  c.peer = "perf bench syscall basic";
  c.method_note =
      "perf times its whole loop of glibc getppid() calls with gettimeofday and divides by the "
      "count, so its mean includes the loop; illusion subtracts an empty loop's cost and calls "
      "syscall(SYS_getppid) directly";
  c.figures = {mean_figure("getppid", "mean per call")};
  c.run = [](const PeerSetup& s, const core::Result& r) {
    std::string why;
    const long n = loops_for(s, mean_of(r, why), 10'000, 100'000'000);
    return run_peer(s, "perf", {"perf", "bench", "syscall", "basic", "-l", std::to_string(n)},
                    peers::parse_perf_bench_syscall);
  };
  return c;
}

PeerCheck pipe_check(bool threads) {
  PeerCheck c;
  c.row = threads ? "scheduling.pipe_threads_same_cpu" : "scheduling.pipe_procs_same_cpu";
  c.program = "perf";
  c.package = "linux-perf";
  c.peer = threads ? "perf bench sched pipe -T" : "perf bench sched pipe";
  c.method_note = fmt::format(
      "both time a round trip of a 1-byte (illusion) or 4-byte (perf) message through two pipes "
      "between two {} on one CPU: two switches and four syscalls; illusion's figure is its round "
      "trip's mean, before the pipe baseline is subtracted",
      threads ? "threads" : "processes");
  c.figures = {{threads ? "pipe_threads_round_trip" : "pipe_procs_round_trip", Statistic::mean,
                "mean round trip",
                [](const core::Result& r, std::string& why) {
                  return metric_of(r, "round_trip_mean_ns", why);
                },
                [](const PeerReading& p) { return p.mean_ns; }}};
  c.run = [threads](const PeerSetup& s, const core::Result& r) {
    std::string why;
    const long n = loops_for(s, metric_of(r, "round_trip_mean_ns", why), 1'000, 10'000'000);
    std::vector<std::string> argv{"perf", "bench", "sched", "pipe", "-l", std::to_string(n)};
    if (threads) argv.push_back("-T");
    return run_peer(s, "perf", argv, peers::parse_perf_bench_sched_pipe);
  };
  return c;
}

PeerCheck spawn_check() {
  PeerCheck c;
  c.row = "processes.posix_spawn_true";
  c.program = "hyperfine";  // perf stat -r when hyperfine is absent
  c.package = "hyperfine";
  c.peer = "hyperfine -N";
  c.method_note =
      "both start the same program and wait for it; hyperfine spawns it from a small Rust "
      "process and times each run with its own clock; illusion times posix_spawn + waitpid "
      "from a larger process";
  c.figures = {mean_figure("posix_spawn_true", "mean per spawn and wait")};
  c.run = [](const PeerSetup& s, const core::Result& r) {
    const std::string program = param_text(r, "program", "/bin/true");
    const long runs = std::clamp<long>(r.stats ? static_cast<long>(r.stats->n) : 100, 20, 500);
    if (core::program_in_path("hyperfine")) {
      const std::string json = s.tmp->register_file("hyperfine.json");
      return run_peer(s, "hyperfine",
                      {"hyperfine", "-N", "--warmup", "5", "--runs", std::to_string(runs),
                       "--style", "none", "--export-json", json, program},
                      peers::parse_hyperfine_json, json);
    }
    const std::string out = s.tmp->register_file("perf-stat.txt");
    PeerRun run =
        run_peer(s, "perf", {"perf", "stat", "-r", std::to_string(runs), "-o", out, program},
                 peers::parse_perf_stat_elapsed, out);
    run.note = "hyperfine is not installed: perf stat -r timed the runs instead";
    run.peer_used = "perf stat -r";
    return run;
  };
  return c;
}

std::string fio_size(const PeerSetup& s) {  // fio's --size: the whole file
  return std::to_string(s.io_file_bytes);
}

// What the sum of every word of a `bytes` block costs on its own, warm: illusion's IO rows add
// it to every read (it proves the bytes arrived), fio does not. Timed with the core sampler at
// the quick profile's budget; `s` picks the mean or the median of single (or batched) sums.
std::optional<double> sum_cost_ns(const PeerSetup& setup, std::size_t bytes, Statistic s) {
  if (!setup.clock) return std::nullopt;
  core::AlignedBuffer buf(bytes);
  std::uint64_t sink = 0;
  const core::SampleSet set =
      core::sample_op(*setup.clock, core::sampler_config_for(core::Profile::quick), [&] {
        sink += labs::mmap_vs_read::sum_words(buf.data(), bytes);
        core::do_not_optimize(sink);
      });
  if (set.per_op_ns.empty()) return std::nullopt;
  if (s == Statistic::mean) return core::compute_stats(set.per_op_ns).mean;
  return core::median(set.single_op_ns.empty() ? set.per_op_ns : set.single_op_ns);
}

std::size_t block_bytes(const std::string& bs) {
  return bs == "1m" ? 1024 * 1024 : 4096;
}

// fio reading illusion's own test file through `engine`; then fio's null engine with the same
// block size (fio's own work per I/O) and the sum illusion adds, timed alone: the two terms.
PeerRun run_fio(const PeerSetup& s, const std::string& engine, const std::string& rw,
                const std::string& bs, Statistic statistic) {
  const std::vector<std::string> common{"--output-format=json", "--time_based",
                                        "--runtime=" + seconds_arg(s.target_s * 2),
                                        "--ramp_time=" + seconds_arg(s.target_s / 2)};
  std::vector<std::string> argv{"fio",        "--name=illusion-peer", "--filename=" + s.io_file,
                                "--readonly", "--invalidate=0",       "--ioengine=" + engine,
                                "--rw=" + rw, "--bs=" + bs,           "--size=" + fio_size(s)};
  argv.insert(argv.end(), common.begin(), common.end());
  PeerRun run = run_peer(s, "fio", argv, peers::parse_fio_json);
  if (!run.failure.empty()) return run;
  std::vector<std::string> null_argv{"fio",        "--name=illusion-null", "--ioengine=null",
                                     "--rw=" + rw, "--bs=" + bs,           "--size=" + fio_size(s)};
  null_argv.insert(null_argv.end(), common.begin(), common.end());
  const PeerRun null_run = run_peer(s, "fio", null_argv, peers::parse_fio_json);
  run.terms_ns.push_back(
      null_run.failure.empty()
          ? (statistic == Statistic::mean ? null_run.reading.mean_ns : null_run.reading.p50_ns)
          : std::nullopt);
  run.terms_ns.push_back(sum_cost_ns(s, block_bytes(bs), statistic));
  if (run.reading.minor_faults && run.reading.ops && *run.reading.ops > 0)
    run.note = fmt::format(
        "fio counted {} minor faults over the {} I/Os it measured (its "
        "ramp-up, left out of its figures, took the first touches)",
        core::format_whole(*run.reading.minor_faults), core::format_whole(*run.reading.ops));
  return run;
}

PeerCheck fio_check(std::string row, std::string engine, std::string rw, std::string bs,
                    Statistic statistic, std::string id, std::string words, std::string note) {
  PeerCheck c;
  c.row = std::move(row);
  c.program = "fio";
  c.package = "fio";
  c.peer = fmt::format("fio {} {} {}", engine, rw, bs);  // the command has the rest
  c.method_note = std::move(note);
  c.terms = {
      {fmt::format("fio's own work per I/O (the clat {} of its null engine, {} blocks)",
                   peers::statistic_name(statistic), bs),
       true,
       {}},
      {fmt::format("the sum of every word of each {} block (timed alone, warm)", bs), false, {}}};
  c.needs_io_file = true;
  c.figures = {statistic == Statistic::mean
                   ? mean_figure(std::move(id), std::move(words))
                   : op_figure(std::move(id), statistic, std::move(words))};
  c.run = [engine, rw, bs, statistic](const PeerSetup& s, const core::Result&) {
    return run_fio(s, engine, rw, bs, statistic);
  };
  return c;
}

// cyclictest inherits the calling thread's timer slack (prctl(2): kept across fork and
// execve), so it is started with the 1 ns slack illusion's sleeper has.
PeerRun run_cyclictest(const PeerSetup& s, const core::Result& r) {
  const long loops = std::clamp<long>(r.stats ? static_cast<long>(r.stats->n) : 1000, 200, 20'000);
  const int old_slack = prctl(PR_GET_TIMERSLACK, 0, 0, 0, 0);
  prctl(PR_SET_TIMERSLACK, 1UL, 0, 0, 0);
  std::vector<std::string> argv{"cyclictest", "-m", "-q",    "--laptop", "-i",
                                "1000",       "-h", "20000", "-l",       std::to_string(loops)};
  PeerRun run = run_peer(s, "cyclictest", argv, peers::parse_cyclictest_histogram);
  // The slack the peer really had, read by a program started the same way.
  core::CommandOptions o;
  o.keep_stdout = true;
  const core::CommandRun probe = core::run_command({"cat", "/proc/self/timerslack_ns"}, *s.tmp, o);
  if (old_slack > 0) prctl(PR_SET_TIMERSLACK, static_cast<unsigned long>(old_slack), 0, 0, 0);
  const std::string slack = probe.ok() ? core::last_line(probe.out) : "";
  run.note = slack.empty() ? "the timer slack cyclictest started with could not be read"
                           : "cyclictest started with a timer slack of " + slack + " ns";
  return run;
}

PeerCheck wakeup_check() {
  PeerCheck c;
  c.row = "scheduling.wakeup_idle";
  c.program = "cyclictest";
  c.package = "rt-tests";
  c.peer = "cyclictest (SCHED_OTHER)";
  c.method_note =
      "both sleep to an absolute deadline every 1 ms under SCHED_OTHER and record how late they "
      "woke; cyclictest keeps a 1 µs histogram (its percentiles are buckets) and was started "
      "with illusion's sleeper's timer slack and without setting cpu_dma_latency (--laptop)";
  c.figures = {op_figure("wakeup_p50", Statistic::p50, "p50 lateness"),
               op_figure("wakeup_p99", Statistic::p99, "p99 lateness"),
               op_figure("wakeup_max", Statistic::max, "max lateness")};
  c.run = run_cyclictest;
  return c;
}

}  // namespace

std::vector<PeerCheck> peer_checks() {
  return {
      getppid_check(),
      pipe_check(true),
      pipe_check(false),
      spawn_check(),
      fio_check("mmap_vs_read.read_1m_warm", "psync", "read", "1m", Statistic::p50, "read_1m_warm",
                "p50 per 1 MiB read()",
                "both read() 1 MiB at a time through the cached file, one call per I/O; illusion "
                "then sums every word it read, fio's clat includes its own per-I/O work"),
      fio_check("mmap_vs_read.rand_pread_warm", "psync", "randread", "4k", Statistic::p50,
                "rand_pread_warm", "p50 per 4 KiB pread() (single calls)",
                "both pread() 4 KiB at random offsets of the cached file; illusion then sums the "
                "page; fio visits each block once per pass (its random map), illusion draws "
                "offsets independently"),
      // A 4 KiB copy is too short for illusion to time singly on most clocks: compare means.
      fio_check("mmap_vs_read.rand_copy_warm", "mmap", "randread", "4k", Statistic::mean,
                "rand_mmap_copy_warm", "mean per 4 KiB copy out of the mapping",
                "fio's mmap engine copies each 4 KiB block out of a mapping of the file, like "
                "illusion's rand_copy_warm, which then sums the copy; illusion populates its "
                "mapping before timing, fio's first touch of each page falls mostly in its "
                "ramp-up, which its figures leave out"),
      wakeup_check(),
  };
}

}  // namespace illusion::cli
