// How much the peer tools (perf bench, fio, cyclictest, hyperfine) vary across verify runs made
// in the same slots as illusion's runs (bench/stability.sh makes one after each run): the
// reference `illusion stability` sets illusion's own CVs beside. A row of illusion's that varies
// as much as the peer measuring the same thing in the same minutes is varying with the machine.
//
// Pure: peer_stability() takes verify records (peers/verify_read.h), no files, no clock.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "peers/verify_read.h"

namespace illusion::peers {

struct PeerStabilityRow {
  std::string id, statistic;    // the comparison's key: "getppid", "mean"
  std::string illusion_figure;  // "syscalls.getppid_raw (mean per call)"
  std::string peer_tool;        // "perf bench syscall basic"
  // One per verify record; empty when that record has no figure (the tool was missing, the
  // round failed, or the record lacks the comparison).
  std::vector<std::optional<double>> illusion_ns, peer_ns;
  // Sample standard deviation (n - 1) over the mean of the figures that exist; empty with fewer
  // than two or a mean at or below zero.
  std::optional<double> illusion_cv, peer_cv;
};

struct CvSpread {
  std::optional<double> min, max, median;  // over the rows that have a CV
  std::size_t rows = 0;                    // how many have one
};

struct PeerStability {
  std::size_t records = 0;
  std::vector<std::string> paths, started_at;  // one per record
  std::vector<PeerStabilityRow> rows;  // in the first record's order, then later records' new ones
  CvSpread peer, illusion;
};

PeerStability peer_stability(const std::vector<VerifyFile>& records);

// "Peer tools varied 1.2–14% (median 4.1%) across the same slots; illusion's figures in the
// same verify runs 0.8–12% (median 3.9%)." Says so when no row has a CV on a side.
std::string peer_stability_summary(const PeerStability& s);

}  // namespace illusion::peers
