// `illusion verify --peers`: illusion's headline timings beside the public tools users already
// trust (perf bench, hyperfine, fio, cyclictest), measured in the same minute on the same CPU.
//
// Each round runs every check's illusion row, then its peer at once, so both see the same
// machine state; R rounds (default 3) give each side a range. The pairs are data in
// cli/peer_checks.cpp; the verdicts are peers::judge's. A peer that is not installed becomes a
// row that says so and the rest go on. Ctrl-C writes what finished (JSON "complete": false).
#include <time.h>
#include <unistd.h>

#include <chrono>
#include <iostream>
#include <map>
#include <mutex>

#include <fmt/format.h>

#include "cli/commands.h"
#include "cli/other_run.h"
#include "cli/peer_checks.h"
#include "cli/pin_option.h"
#include "cli/run_files.h"
#include "core/clock.h"
#include "core/command.h"
#include "core/env.h"
#include "core/errors.h"
#include "core/format.h"
#include "core/interrupt.h"
#include "core/printable.h"
#include "core/runner.h"
#include "labs/all_labs.h"
#include "mmap_vs_read/io_file.h"
#include "peers/verify_record.h"
#include "report/atomic_file.h"
#include "report/text_table.h"

namespace illusion::cli {
namespace {

constexpr int kMaxRounds = 20;

// The reason a check's peer cannot run on this machine at all, or "".
std::string missing_peer(const PeerCheck& c) {
  if (c.program == "hyperfine" && !core::program_in_path("hyperfine") &&
      core::program_in_path("perf"))
    return "";  // the spawn check falls back to perf stat -r
  if (core::program_in_path(c.program)) return "";
  return fmt::format(
      "{} is not installed (Debian package {}; scripts/peers.sh installs the "
      "peers)",
      c.program, c.package);
}

core::Selected find_row(const std::vector<core::Lab>& labs, const std::string& id) {
  for (const core::Lab& lab : labs)
    for (const core::Experiment& e : lab.experiments)
      if (e.id == id) return {&e, lab.id};
  throw std::logic_error("verify --peers: no experiment " + id);  // peer_checks_test guards this
}

// One check's comparisons, filled round by round.
struct CheckState {
  const PeerCheck* check = nullptr;
  std::vector<peers::Comparison> comparisons;  // one per figure
};

CheckState start_state(const PeerCheck& c) {
  CheckState st;
  st.check = &c;
  for (const Figure& f : c.figures) {
    peers::Comparison cmp;
    cmp.id = f.comparison_id;
    cmp.illusion_row = c.row;
    cmp.illusion_figure = f.illusion_figure;
    cmp.peer = c.peer;
    cmp.statistic = f.statistic;
    cmp.method_note = c.method_note;
    cmp.unavailable = missing_peer(c);
    cmp.terms = c.terms;
    st.comparisons.push_back(std::move(cmp));
  }
  return st;
}

void add_round(CheckState& st, int round, const core::Result& illusion, const PeerRun& peer) {
  const PeerCheck& c = *st.check;
  for (std::size_t i = 0; i < c.figures.size(); ++i) {
    const Figure& f = c.figures[i];
    peers::Comparison& cmp = st.comparisons[i];
    std::string why;
    if (const auto v = f.illusion_value(illusion, why))
      cmp.illusion_ns.push_back(*v);
    else
      cmp.round_notes.push_back(fmt::format("round {}: {}", round, why));
    cmp.peer_command = peer.command;
    if (!peer.peer_used.empty()) cmp.peer = peer.peer_used;
    if (!peer.failure.empty()) {
      cmp.round_notes.push_back(fmt::format("round {}: {}", round, peer.failure));
    } else if (const auto v = f.peer_value(peer.reading)) {
      cmp.peer_ns.push_back(*v);
      cmp.peer_resolution_ns = peer.reading.resolution_ns;
    } else {
      cmp.round_notes.push_back(fmt::format("round {}: the peer printed no {}", round,
                                            peers::statistic_name(f.statistic)));
    }
    for (std::size_t t = 0; t < c.terms.size() && t < peer.terms_ns.size(); ++t)
      if (peer.terms_ns[t]) cmp.terms[t].rounds_ns.push_back(*peer.terms_ns[t]);
    if (!peer.note.empty())
      cmp.round_notes.push_back(fmt::format("round {}: {}", round, peer.note));
  }
}

// The IO file as the peer opens it: illusion keeps it unlinked (no exit path leaves it behind),
// so the peer reads it through this process's descriptor in /proc.
std::string io_file_path(const labs::mmap_vs_read::IoFile& f) {
  return fmt::format("/proc/{}/fd/{}", getpid(), f.fd());
}

std::string residency_text(const labs::mmap_vs_read::CacheSnapshot& s) {
  return s.resident ? core::format_percent(*s.resident) : std::string("unknown");
}

std::string ns_text(const std::optional<double>& v) {
  return v ? core::format_ns(*v) : std::string(core::kMissing);
}

std::string range_text(const std::optional<double>& lo, const std::optional<double>& hi) {
  if (!lo || !hi) return core::kMissing;
  return *lo == *hi ? core::format_ns(*lo) : core::format_ns(*lo) + "–" + core::format_ns(*hi);
}

// "syscalls.getppid_raw" -> "getppid_raw": the ids are unique without their lab.
std::string row_name(const std::string& id) {
  const auto dot = id.find('.');
  return dot == std::string::npos ? id : id.substr(dot + 1);
}

// The note under a pair's row: the verdict's reason, the ranges, the methods and the command;
// the round notes of the last round (every round's are in the JSON), or all of them when the
// pair could not be compared.
std::string row_note(const peers::Comparison& c, const peers::Judgement& j, int rounds) {
  std::string note = j.reason;
  if (j.verdict != peers::Verdict::not_compared) {
    note +=
        fmt::format(". Over {} round{}: illusion {}, the peer {}", rounds, rounds == 1 ? "" : "s",
                    range_text(j.illusion_lo, j.illusion_hi), range_text(j.peer_lo, j.peer_hi));
    if (!c.method_note.empty()) note += ". Methods: " + c.method_note;
    note += ". Peer: " + c.peer_command;
  }
  const std::string last = fmt::format("round {}: ", rounds);
  for (const auto& r : c.round_notes)
    if (j.verdict == peers::Verdict::not_compared || r.rfind(last, 0) == 0) note += ". " + r;
  return note;
}

void print_table(std::ostream& out, const peers::VerifyRecord& record) {
  report::TextTable table;
  table.add_column("illusion row", report::Align::left);
  table.add_column("statistic", report::Align::left);
  table.add_column("illusion", report::Align::right);
  table.add_column("peer", report::Align::left);
  table.add_column("peer's", report::Align::right);
  table.add_column("ratio", report::Align::right);
  table.add_column("verdict", report::Align::left);
  int agrees = 0, differs = 0, missing = 0;
  for (const auto& c : record.comparisons) {
    const peers::Judgement j = peers::judge(c);
    (j.verdict == peers::Verdict::agrees    ? agrees
     : j.verdict == peers::Verdict::differs ? differs
                                            : missing)++;
    table.add_row({row_name(c.illusion_row), peers::statistic_name(c.statistic),
                   ns_text(j.illusion_ns), c.peer, ns_text(j.peer_ns),
                   j.ratio ? fmt::format("{:.2f}x", *j.ratio) : std::string(core::kMissing),
                   peers::verdict_name(j.verdict)},
                  row_note(c, j, record.rounds));
  }
  out << fmt::format(
      "illusion beside the peer tools: {} round{} on CPU {}, each figure the "
      "median of its rounds\n\n",
      record.rounds, record.rounds == 1 ? "" : "s",
      record.cpu ? std::to_string(*record.cpu) : std::string("(any)"));
  table.write(out);
  out << fmt::format(
      "\n{} agree, {} differ, {} not compared. Agreement: the ratio of the "
      "medians within ±{:.0f}%, or the two ranges overlap.\n",
      agrees, differs, missing, peers::kAgreementTolerance * 100);
}

}  // namespace

int cmd_verify_peers(const VerifyOptions& options) {
  if (options.rounds < 1 || options.rounds > kMaxRounds)
    throw core::UsageError(
        fmt::format("--rounds {}: give 1 to {} rounds", options.rounds, kMaxRounds));
  if (!options.json_path.empty()) report::check_output_path(options.json_path, "--json");
  if (options.cpu) validate_pin(*options.cpu, "--cpu");
  const int cpu = options.cpu ? *options.cpu : last_allowed_cpu();
  const std::vector<core::Lab> labs = labs::all_labs();
  const std::vector<PeerCheck> checks = peer_checks();
  const core::DiskRoom room = test_file_parent(options.dir);
  core::RunContext ctx;
  ctx.profile = options.profile;
  ctx.file_bytes = parse_file_size(options.file_size);
  std::vector<core::Selected> io_rows;
  for (const PeerCheck& c : checks)
    if (c.needs_io_file && missing_peer(c).empty()) io_rows.push_back(find_row(labs, c.row));
  require_room_for_all(room, io_rows, ctx);

  core::install_cleanup_handlers();
  // The peer tools write their reports in the private directory, so every check needs one.
  if (!room.unusable.empty()) throw core::UsageError(room.unusable);
  // The timings compared are as exposed to another run as `illusion run`'s (core/run_lock.h).
  core::RunLock run_lock;
  meet_other_run(run_lock, false, false);
  core::TempDir temp(room.dir);
  const auto clock = core::make_clock();
  core::EnvInfo env = core::probe_env("", room.dir);
  ctx.clock = clock.get();
  ctx.env = &env;
  ctx.pin_cpu = cpu;
  ctx.temp_dir = temp.path();

  peers::VerifyRecord record;
  record.tool_version = ILLUSION_VERSION;
  record.started_at = core::utc_now_iso8601();
  record.profile = core::profile_name(options.profile);
  record.rounds = options.rounds;
  record.cpu = cpu;
  record.kernel = env.kernel;
  record.cpu_model = env.cpu_model;
  record.online_cpus = env.online_cpus;
  record.hypervisor = env.hypervisor;

  std::vector<CheckState> states;
  for (const PeerCheck& c : checks) states.push_back(start_state(c));
  std::mutex mutex;  // `states` is read by the interrupt watcher
  const auto snapshot = [&] {
    std::vector<peers::Comparison> out;
    for (const auto& st : states)
      out.insert(out.end(), st.comparisons.begin(), st.comparisons.end());
    return out;
  };
  const auto t0 = std::chrono::steady_clock::now();
  const auto write_json = [&](bool complete) {
    if (options.json_path.empty()) return;
    peers::VerifyRecord r = record;
    r.complete = complete;
    r.duration_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    {
      const std::lock_guard lock(mutex);
      r.comparisons = snapshot();
    }
    report::write_file_atomically(options.json_path, peers::to_json(r).dump(2) + "\n");
  };

  PeerSetup setup;
  setup.tmp = &temp;
  setup.clock = clock.get();
  setup.cpu = cpu;
  setup.profile = options.profile;
  setup.target_s = options.profile == core::Profile::quick ? 0.2 : 0.5;
  {
    const core::InterruptWatch watch([&](int) {
      write_json(false);
      core::write_stderr(options.json_path.empty()
                             ? "illusion: interrupted\n"
                             : "illusion: interrupted; wrote " + options.json_path +
                                   " (\"complete\": false)\n");
    });
    ScopedPin pin(cpu);
    for (int round = 1; round <= options.rounds; ++round) {
      for (CheckState& st : states) {
        const PeerCheck& c = *st.check;
        if (!st.comparisons.front().unavailable.empty()) continue;
        std::cerr << fmt::format("round {}/{}: {}, then {}\n", round, options.rounds, c.row,
                                 c.peer);
        const core::Result illusion = core::run_one(find_row(labs, c.row), ctx);
        if (c.needs_io_file) {
          if (illusion.status != core::Status::ok) {
            const std::lock_guard lock(mutex);
            PeerRun not_run;
            not_run.failure = "the peer was not run: illusion's row gave no figure";
            add_round(st, round, illusion, not_run);
            continue;
          }
          // The peer reads the same file in the same state: warm, checked with mincore.
          const auto& file = labs::mmap_vs_read::shared_file(ctx);
          core::Result scratch;
          const auto before =
              labs::mmap_vs_read::prepare(file, labs::mmap_vs_read::Cache::warm, scratch);
          setup.io_file = io_file_path(file);
          setup.io_file_bytes = file.size();
          PeerRun peer = c.run(setup, illusion);
          const auto after = labs::mmap_vs_read::cache_snapshot(file);
          peer.note = fmt::format("{}the file was {} resident before the peer and {} after",
                                  peer.note.empty() ? "" : peer.note + "; ", residency_text(before),
                                  residency_text(after));
          const std::lock_guard lock(mutex);
          add_round(st, round, illusion, peer);
          continue;
        }
        const PeerRun peer = c.run(setup, illusion);
        const std::lock_guard lock(mutex);
        add_round(st, round, illusion, peer);
      }
    }
    ctx.drop_lab_shared();
  }
  record.duration_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  record.comparisons = snapshot();
  if (!options.json_path.empty()) {
    write_json(true);
    std::cerr << fmt::format("Wrote {}\n", core::printable_message(options.json_path));
  }
  print_table(std::cout, record);
  std::cout.flush();
  return std::cout ? 0 : 1;
}

}  // namespace illusion::cli
