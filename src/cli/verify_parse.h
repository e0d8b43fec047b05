// Parsing the two tools `illusion verify` reads: strace's -c summary table and perf stat's
// -x, CSV. Pure functions, header-only (inline) so the cli test binary, which does not link
// the executable's sources, can unit-test them. Malformed text gives an error, never a throw.
#pragma once

#include <cctype>
#include <cstddef>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace illusion::cli::verify {

// A count read from a tool's output, or why there is none.
struct Parsed {
  std::optional<long long> value;
  std::string error;  // set when !value
  // perf's modifier on the event name it printed ("u" for "context-switches:u"), "" for none.
  // perf adds ":u" itself when perf_event_paranoid refuses kernel counting and it falls back
  // to user mode, so the count it gives is not the one asked for.
  std::string modifier;
  bool ok() const { return value.has_value(); }
};

inline Parsed parsed_value(long long v) {
  return Parsed{v, "", ""};
}
inline Parsed parsed_error(std::string why) {
  return Parsed{std::nullopt, std::move(why), ""};
}

namespace detail {

inline std::vector<std::string> split_ws(std::string_view line) {
  std::vector<std::string> out;
  std::istringstream in{std::string(line)};
  for (std::string w; in >> w;) out.push_back(w);
  return out;
}

// A non-negative decimal integer with no sign, no fraction and no overflow.
inline std::optional<long long> parse_whole(std::string_view text) {
  if (text.empty() || text.size() > 18) return std::nullopt;
  long long v = 0;
  for (char c : text) {
    if (!std::isdigit(static_cast<unsigned char>(c))) return std::nullopt;
    v = v * 10 + (c - '0');
  }
  return v;
}

inline bool blank(std::string_view text) {
  for (char c : text)
    if (!std::isspace(static_cast<unsigned char>(c))) return false;
  return true;
}

}  // namespace detail

// True when a perf event modifier excludes kernel mode: it names user mode ('u') and not
// kernel mode ('k'). perf-list(1): "u" user-space counting, "k" kernel counting; no u/k means
// both, and other letters (precision, guest/host, ...) do not choose the privilege level.
inline bool user_mode_only(std::string_view modifier) {
  return modifier.find('u') != std::string_view::npos &&
         modifier.find('k') == std::string_view::npos;
}

// The "calls" figure of `syscall_name`'s row in a `strace -c` summary:
//
//   % time     seconds  usecs/call     calls    errors syscall
//   ------ ----------- ----------- --------- --------- ----------------
//   100.00    0.000412           0     10000           getppid
//   ------ ----------- ----------- --------- --------- ----------------
//   100.00    0.000412           0     10000           total
//
// strace writes nothing at all when no traced call was made, so blank text means 0; a table
// without a row for the call also means 0. Text that is not such a table is an error.
inline Parsed strace_calls(std::string_view summary, std::string_view syscall_name) {
  if (detail::blank(summary)) return parsed_value(0);
  std::istringstream in{std::string(summary)};
  std::optional<std::size_t> calls_col;  // index of "calls" in a data row
  for (std::string line; std::getline(in, line);) {
    const auto f = detail::split_ws(line);
    if (f.empty()) continue;
    if (!calls_col) {
      // The header; "% time" is two words here but one figure in the rows.
      if (f.size() >= 2 && f[0] == "%" && f[1] == "time") {
        for (std::size_t i = 2; i < f.size(); ++i)
          if (f[i] == "calls") calls_col = i - 1;
        if (!calls_col) return parsed_error("strace summary header has no 'calls' column");
      }
      continue;
    }
    if (f.back() != syscall_name) continue;
    if (f.size() <= *calls_col + 1)
      return parsed_error("strace summary row for " + std::string(syscall_name) +
                          " is too short: '" + line + "'");
    const auto v = detail::parse_whole(f[*calls_col]);
    if (!v)
      return parsed_error("strace summary row for " + std::string(syscall_name) +
                          " has no whole count: '" + line + "'");
    return parsed_value(*v);
  }
  if (!calls_col) return parsed_error("not a strace -c summary (no '% time ... calls' header)");
  return parsed_value(0);
}

// The count of `event` in `perf stat -x,` output, one event per line:
//
//   20004,,context-switches,1203345,100.00,,
//   1345,,page-faults:u,1203345,100.00,,
//
// Fields: value, unit, event name (perf may add a modifier such as ":u"), run time, percentage
// of it counted, ... Comment lines ('#') and blank lines are skipped. "<not supported>" and
// "<not counted>" in the value field are errors that say so. The modifier perf printed is
// returned with the count: ":u" means kernel-mode events were not counted (user_mode_only).
inline Parsed perf_count(std::string_view csv, std::string_view event) {
  std::istringstream in{std::string(csv)};
  for (std::string line; std::getline(in, line);) {
    if (detail::blank(line) || line[0] == '#') continue;
    std::vector<std::string> f;
    std::size_t start = 0;
    for (;;) {
      const auto comma = line.find(',', start);
      f.push_back(
          line.substr(start, comma == std::string::npos ? std::string::npos : comma - start));
      if (comma == std::string::npos) break;
      start = comma + 1;
    }
    if (f.size() < 3) continue;
    std::string name = f[2];
    while (!name.empty() && std::isspace(static_cast<unsigned char>(name.back()))) name.pop_back();
    const bool match =
        name == event || (name.size() > event.size() && name.compare(0, event.size(), event) == 0 &&
                          name[event.size()] == ':');
    if (!match) continue;
    std::string value = f[0];
    while (!value.empty() && value.front() == ' ') value.erase(value.begin());
    while (!value.empty() && std::isspace(static_cast<unsigned char>(value.back())))
      value.pop_back();
    if (value == "<not supported>") return parsed_error(std::string(event) + " not supported");
    if (value == "<not counted>") return parsed_error(std::string(event) + " not counted");
    const auto v = detail::parse_whole(value);
    if (!v)
      return parsed_error("perf stat value for " + std::string(event) + " is not a whole count: '" +
                          value + "'");
    Parsed p = parsed_value(*v);
    if (name.size() > event.size()) p.modifier = name.substr(event.size() + 1);
    return p;
  }
  return parsed_error("no " + std::string(event) + " line in perf stat -x, output");
}

}  // namespace illusion::cli::verify
