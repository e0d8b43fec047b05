// The peer tools that write JSON: hyperfine --export-json and fio --output-format=json. Parsed
// without exceptions; a field read with the wrong type, or a negative or non-finite number,
// makes the whole reading an error rather than a quiet 0.
#include "peers/peer_parse.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <bit>
#include <cmath>
#include <cstdint>
#include <string>
#include <utility>

namespace illusion::peers {
namespace {

using nlohmann::json;

PeerReading failed(std::string why) {
  PeerReading r;
  r.error = std::move(why);
  return r;
}

// Reads numbers out of one tool's JSON, keeping the first complaint.
class Fields {
 public:
  explicit Fields(std::string_view tool) : tool_(tool) {}

  // `obj[key]` times `scale`. Absent or null: empty, which is an error when `required`. Present
  // as anything but a finite non-negative number (after scaling): an error.
  std::optional<double> number(const json& obj, const std::string& key, std::string_view where,
                               double scale, bool required = false) {
    const auto it = obj.find(key);
    if (it == obj.end() || it->is_null()) {
      if (required) complain(fmt::format("no {}.{} in {}'s JSON", where, key, tool_));
      return std::nullopt;
    }
    const double v = it->is_number() ? it->get<double>() * scale : -1;
    if (!std::isfinite(v) || v < 0) {
      complain(fmt::format("{}'s {}.{} is not a non-negative number", tool_, where, key));
      return std::nullopt;
    }
    return v;
  }

  void complain(std::string why) {
    if (error.empty()) error = std::move(why);
  }

  std::string error;

 private:
  std::string_view tool_;
};

// The first element of `doc[key]`, when that is a non-empty array whose first element is an
// object; otherwise null and `why` says what was wrong.
const json* first_object(const json& doc, const char* key, std::string_view tool,
                         std::string& why) {
  if (!doc.is_object()) {
    why = fmt::format("{}'s JSON is not an object", tool);
    return nullptr;
  }
  const auto it = doc.find(key);
  if (it == doc.end() || !it->is_array()) {
    why = fmt::format("no '{}' array in {}'s JSON", key, tool);
    return nullptr;
  }
  if (it->empty()) {
    why = fmt::format("{}'s '{}' is empty", tool, key);
    return nullptr;
  }
  if (!it->front().is_object()) {
    why = fmt::format("{}'s {}[0] is not an object", tool, key);
    return nullptr;
  }
  return &it->front();
}

// fio may print notes to stdout before its JSON ("note: both iodepth >= 1 and synchronous I/O
// engine are selected, ..."), and when stderr is merged in, "fio: ..." lines after it. Its
// pretty-printer starts the top-level object with a '{' at the start of a line and closes it
// with a '}' alone on a line, the only unindented one.
std::string_view fio_json_object(std::string_view text) {
  std::size_t start = text.starts_with('{') ? 0 : text.find("\n{");
  if (start == std::string_view::npos) return {};
  if (text[start] == '\n') ++start;
  std::string_view rest = text.substr(start);
  for (std::size_t at = rest.find("\n}"); at != std::string_view::npos;
       at = rest.find("\n}", at + 1)) {
    const std::size_t after = at + 2;
    if (after == rest.size() || rest[after] == '\n' || rest[after] == '\r') {
      return rest.substr(0, after);
    }
  }
  return rest;  // not pretty-printed, or truncated: the parser decides
}

// fio's percentiles come from its latency histogram (stat.h, FIO_IO_U_PLAT_BITS = 6): values
// under 128 ns have 1 ns buckets; above, each power of two [2^n, 2^(n+1)) is cut into 64
// equal buckets of 2^(n-6) ns, and a percentile is reported as its bucket's middle, so it is
// within half a bucket, 2^(n-7) ns (at most 1/128 of the value), of the samples it stands for.
// (From 2^34 ns, 17 s, fio's last group is open-ended and this understates its width.)
double fio_half_bucket_ns(double value_ns) {
  if (!(value_ns >= 128 && value_ns < 0x1p62)) return 0;
  const int msb = std::bit_width(static_cast<std::uint64_t>(value_ns)) - 1;
  return std::ldexp(1.0, msb - 7);
}

}  // namespace

// hyperfine -N --export-json: results[i] per command, in seconds; "stddev" is null after a
// single run, and "times" holds every run's wall time.
PeerReading parse_hyperfine_json(std::string_view text) {
  const json doc = json::parse(text, nullptr, false);
  if (doc.is_discarded()) return failed("hyperfine's JSON does not parse (empty or truncated?)");
  std::string why;
  const json* result = first_object(doc, "results", "hyperfine", why);
  if (!result) return failed(why);

  Fields f("hyperfine");
  PeerReading r;
  r.mean_ns = f.number(*result, "mean", "results[0]", 1e9, true);
  r.stddev_ns = f.number(*result, "stddev", "results[0]", 1e9);
  r.p50_ns = f.number(*result, "median", "results[0]", 1e9);
  r.min_ns = f.number(*result, "min", "results[0]", 1e9);
  r.max_ns = f.number(*result, "max", "results[0]", 1e9);
  if (const auto times = result->find("times"); times != result->end()) {
    if (!times->is_array() || times->empty()) {
      f.complain("hyperfine's results[0].times is not a list of runs");
    } else {
      r.ops = static_cast<double>(times->size());
    }
  }
  if (!f.error.empty()) return failed(f.error);
  return r;
}

// fio --output-format=json: jobs[0] (the whole group with --group_reporting), its read
// direction's completion latency in ns. For psync and mmap clat is the whole I/O call; slat
// is not measured for synchronous engines.
PeerReading parse_fio_json(std::string_view text) {
  const std::string_view object = fio_json_object(text);
  if (object.empty()) return failed("no JSON object in fio's output");
  const json doc = json::parse(object, nullptr, false);
  if (doc.is_discarded()) return failed("fio's JSON does not parse (truncated?)");
  std::string why;
  const json* job = first_object(doc, "jobs", "fio", why);
  if (!job) return failed(why);

  Fields f("fio");
  if (const auto job_error = f.number(*job, "error", "jobs[0]", 1); job_error && *job_error != 0) {
    return failed(fmt::format("fio's job failed with error {}", *job_error));
  }
  const auto read = job->find("read");
  if (read == job->end() || !read->is_object()) return failed("no jobs[0].read in fio's JSON");
  const auto ios = f.number(*read, "total_ios", "jobs[0].read", 1, true);
  if (!f.error.empty()) return failed(f.error);
  if (*ios == 0) return failed("fio's job read nothing (jobs[0].read.total_ios is 0)");
  const auto clat = read->find("clat_ns");
  if (clat == read->end() || !clat->is_object()) {
    return failed("no jobs[0].read.clat_ns in fio's JSON");
  }

  PeerReading r;
  r.ops = ios;
  r.minor_faults = f.number(*job, "minf", "jobs[0]", 1);
  r.mean_ns = f.number(*clat, "mean", "clat_ns", 1, true);
  r.min_ns = f.number(*clat, "min", "clat_ns", 1);
  r.max_ns = f.number(*clat, "max", "clat_ns", 1);
  r.stddev_ns = f.number(*clat, "stddev", "clat_ns", 1);
  // Absent with clat_percentiles=0.
  if (const auto pct = clat->find("percentile"); pct != clat->end() && !pct->is_null()) {
    if (!pct->is_object()) {
      f.complain("fio's clat_ns.percentile is not an object");
    } else {
      r.p50_ns = f.number(*pct, "50.000000", "clat_ns.percentile", 1);
      r.p99_ns = f.number(*pct, "99.000000", "clat_ns.percentile", 1);
    }
  }
  if (!f.error.empty()) return failed(f.error);
  if (r.p50_ns) r.resolution_ns = fio_half_bucket_ns(*r.p50_ns);
  return r;
}

}  // namespace illusion::peers
