// One illusion figure beside one peer tool's figure over R rounds, and the verdict on them.
//
// Pure: `illusion verify --peers` (src/cli/verify_peers.cpp) fills a Comparison from the
// rounds it ran, judge() decides, and the tests feed hand-made rounds, unfavourable ones
// included. Every value is a measured one; a missing value is an empty optional, never 0.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace illusion::peers {

// The statistic both sides are compared on: the peer's decides illusion's (perf bench and
// hyperfine print means, so illusion's mean; fio's and cyclictest's percentiles, the same
// percentile of illusion's single operations).
enum class Statistic { mean, p50, p99, max };
const char* statistic_name(Statistic s);  // "mean", "p50", "p99", "max"

// A method difference measured beside the pair, per round: work one side's figure includes and
// the other's does not (fio's own per-I/O work, measured with its null engine; the sum of every
// word read that illusion's IO rows do, timed alone). When illusion's figure, corrected by
// every term, agrees with the peer's, the terms are the reason the two figures differ.
struct MethodTerm {
  std::string what;               // "fio's own work per I/O (the clat p50 of its null engine)"
  bool in_peer = true;            // true: the peer's figure includes it; false: illusion's does
  std::vector<double> rounds_ns;  // one per round in which it was measured
};

struct Comparison {
  std::string id;               // "getppid", "wakeup_p99": stable, the JSON's key
  std::string illusion_row;     // "syscalls.getppid_raw"
  std::string illusion_figure;  // what of the row is compared, in words ("mean per call")
  std::string peer;             // "perf bench syscall basic"
  std::string peer_command;     // the command line of its last round
  Statistic statistic = Statistic::mean;
  std::vector<double> illusion_ns;  // one per round that gave a figure
  std::vector<double> peer_ns;
  // Half the width of the buckets the peer's figure was read from (cyclictest: 500 ns): its
  // range is widened by this much, since the true value lies anywhere in the bucket.
  double peer_resolution_ns = 0;
  std::vector<MethodTerm> terms;  // empty: no method difference was measured
  std::string method_note;        // how the two methods differ, when they do (stated, not measured)
  std::string unavailable;  // why the pair could not be compared at all ("fio is not installed")
  std::vector<std::string> round_notes;  // why a round gave no figure on one side
};

enum class Verdict { agrees, differs, not_compared };
const char* verdict_name(Verdict v);  // "agrees", "differs", "not compared"

// Two figures agree when their ratio is within this of 1, or their ranges overlap.
inline constexpr double kAgreementTolerance = 0.10;

struct Judgement {
  Verdict verdict = Verdict::not_compared;
  std::optional<double> illusion_ns, peer_ns;                        // medians over the rounds
  std::optional<double> illusion_lo, illusion_hi, peer_lo, peer_hi;  // ranges over the rounds
  std::optional<double> ratio;  // illusion / peer, of the medians
  bool within_tolerance = false;
  bool ranges_overlap = false;
  // agrees: which test held; differs: the measured reason, or that none was measured;
  // not compared: what was missing.
  std::string reason;
};

Judgement judge(const Comparison& c, double tolerance = kAgreementTolerance);

}  // namespace illusion::peers
