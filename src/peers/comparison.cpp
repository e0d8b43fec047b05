#include "peers/comparison.h"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "core/format.h"
#include "core/stats.h"

namespace illusion::peers {
namespace {

std::string join_notes(const std::vector<std::string>& notes) {
  std::string out;
  for (const auto& n : notes) out += (out.empty() ? "" : "; ") + n;
  return out;
}

std::string ratio_text(double r) {
  return fmt::format("{:.2f}x", r);
}

std::string range_text(double lo, double hi) {
  return lo == hi ? core::format_ns(lo) : core::format_ns(lo) + "–" + core::format_ns(hi);
}

std::string terms_text(const Comparison& c) {
  std::string out;
  for (const MethodTerm& t : c.terms) {
    if (t.rounds_ns.empty()) continue;
    out += fmt::format("{}{} ({} figure includes it) measured {}", out.empty() ? "" : "; ", t.what,
                       t.in_peer ? "the peer's" : "illusion's",
                       core::format_ns(core::median(t.rounds_ns)));
  }
  return out;
}

// The reason for "differs": the measured method differences when there are any, and whether
// they account for the gap; never a difference that was not measured in this run.
std::string differs_reason(const Comparison& c, double illusion, double peer, double tolerance) {
  double corrected = illusion;
  for (const MethodTerm& t : c.terms)
    if (!t.rounds_ns.empty()) corrected += (t.in_peer ? 1 : -1) * core::median(t.rounds_ns);
  const std::string measured = terms_text(c);
  if (measured.empty()) return "no method difference was measured that accounts for the gap";
  const double corrected_ratio = corrected / peer;
  if (std::abs(corrected_ratio - 1) <= tolerance + 1e-12)
    return fmt::format(
        "the methods differ by what was measured: {}; allowing for it, illusion's figure is {}, "
        "{} the peer's",
        measured, core::format_ns(corrected), ratio_text(corrected_ratio));
  return fmt::format(
      "measured: {}; allowing for it, illusion's figure is {}, {} the peer's, so it does not "
      "account for the gap, and no other method difference was measured",
      measured, core::format_ns(corrected), ratio_text(corrected_ratio));
}

}  // namespace

const char* statistic_name(Statistic s) {
  switch (s) {
    case Statistic::mean:
      return "mean";
    case Statistic::p50:
      return "p50";
    case Statistic::p99:
      return "p99";
    case Statistic::max:
      return "max";
  }
  return "?";
}

const char* verdict_name(Verdict v) {
  switch (v) {
    case Verdict::agrees:
      return "agrees";
    case Verdict::differs:
      return "differs";
    case Verdict::not_compared:
      return "not compared";
  }
  return "?";
}

Judgement judge(const Comparison& c, double tolerance) {
  Judgement j;
  if (!c.unavailable.empty()) {
    j.reason = c.unavailable;
    return j;
  }
  if (!c.illusion_ns.empty()) {
    j.illusion_ns = core::median(c.illusion_ns);
    j.illusion_lo = *std::min_element(c.illusion_ns.begin(), c.illusion_ns.end());
    j.illusion_hi = *std::max_element(c.illusion_ns.begin(), c.illusion_ns.end());
  }
  if (!c.peer_ns.empty()) {
    j.peer_ns = core::median(c.peer_ns);
    j.peer_lo = *std::min_element(c.peer_ns.begin(), c.peer_ns.end()) - c.peer_resolution_ns;
    j.peer_hi = *std::max_element(c.peer_ns.begin(), c.peer_ns.end()) + c.peer_resolution_ns;
  }
  if (!j.illusion_ns || !j.peer_ns) {
    const std::string notes = join_notes(c.round_notes);
    j.reason = fmt::format("{} gave no figure in any round{}", !j.illusion_ns ? "illusion" : c.peer,
                           notes.empty() ? "" : ": " + notes);
    return j;
  }
  if (!(*j.peer_ns > 0) || !std::isfinite(*j.peer_ns) || !std::isfinite(*j.illusion_ns)) {
    j.reason = fmt::format("the peer's figure ({}) is not a positive time, so no ratio",
                           core::format_ns(*j.peer_ns));
    return j;
  }
  j.ratio = *j.illusion_ns / *j.peer_ns;
  // The bound is inclusive; the epsilon keeps 110/100 (1.1000000000000001) inside it.
  j.within_tolerance = std::abs(*j.ratio - 1) <= tolerance + 1e-12;
  j.ranges_overlap = *j.illusion_lo <= *j.peer_hi && *j.peer_lo <= *j.illusion_hi;
  const std::size_t rounds = std::min(c.illusion_ns.size(), c.peer_ns.size());
  if (j.within_tolerance) {
    j.verdict = Verdict::agrees;
    j.reason = fmt::format("the ratio is within ±{:.0f}%", tolerance * 100);
  } else if (j.ranges_overlap) {
    j.verdict = Verdict::agrees;
    j.reason = fmt::format(
        "the ratio is outside ±{:.0f}%, but the ranges over {} rounds overlap "
        "(illusion {}, the peer {})",
        tolerance * 100, rounds, range_text(*j.illusion_lo, *j.illusion_hi),
        range_text(*j.peer_lo, *j.peer_hi));
  } else {
    j.verdict = Verdict::differs;
    j.reason = differs_reason(c, *j.illusion_ns, *j.peer_ns, tolerance);
  }
  return j;
}

}  // namespace illusion::peers
