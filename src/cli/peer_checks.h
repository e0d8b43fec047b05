// The pairs `illusion verify --peers` runs: an illusion row beside a peer tool that measures
// the same thing, as a table (data), so a test can check every row id exists in the labs.
//
// Each check runs its illusion row once per round, then its peer once, on the same CPU, and
// yields one or more comparisons (the wake-up row gives p50, p99 and max against cyclictest's).
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "core/clock.h"
#include "core/profile.h"
#include "core/resources.h"
#include "core/result.h"
#include "peers/comparison.h"
#include "peers/peer_parse.h"

namespace illusion::cli {

// What a peer needs to run like the illusion row it follows.
struct PeerSetup {
  core::TempDir* tmp = nullptr;
  const core::Clock* clock = nullptr;  // for timing work on illusion's side (a term)
  std::optional<int> cpu;              // both sides run on this CPU (taskset -c for the peer)
  core::Profile profile = core::Profile::standard;
  std::string io_file;  // a path the peer can open to read illusion's own test file
  std::uint64_t io_file_bytes = 0;
  double target_s = 0.5;  // roughly how long one peer run should take
};

// One peer run: what it printed, read; the command; and any method difference measured beside.
struct PeerRun {
  peers::PeerReading reading;
  std::string command;
  std::string peer_used;  // set when a fallback ran instead of PeerCheck::peer ("perf stat -r")
  std::string failure;    // non-empty: no reading, and why
  // One per PeerCheck::terms: what this round measured of each method difference.
  std::vector<std::optional<double>> terms_ns;
  std::string note;  // a fact of this round worth keeping (residency, faults)
};

// One figure of the illusion row against one figure of the peer.
struct Figure {
  std::string comparison_id;  // "getppid", "wakeup_p99"
  peers::Statistic statistic;
  std::string illusion_figure;  // in words: "mean per call"
  // illusion's value from the row's result, or nullopt with `why` set.
  std::function<std::optional<double>(const core::Result&, std::string& why)> illusion_value;
  std::function<std::optional<double>(const peers::PeerReading&)> peer_value;
};

struct PeerCheck {
  std::string row;          // the illusion experiment id: checked against the labs by a test
  std::string program;      // the peer's program, looked up in PATH ("perf", "fio")
  std::string package;      // its Debian package, for the "not installed" reason
  std::string peer;         // the peer in words: "perf bench syscall basic"
  std::string method_note;  // how the two methods differ, when they do
  // The method differences its runs measure (their rounds_ns empty here): see peers::MethodTerm.
  std::vector<peers::MethodTerm> terms;
  bool needs_io_file = false;
  std::vector<Figure> figures;
  std::function<PeerRun(const PeerSetup&, const core::Result& illusion)> run;
};

// Every check, in the order they run.
std::vector<PeerCheck> peer_checks();

}  // namespace illusion::cli
