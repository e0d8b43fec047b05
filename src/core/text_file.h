// Reading the one-value and key-value text files of /proc and /sys: one implementation for the
// environment probe, the cgroup reader and the clock, so a missing file means the same
// ("unknown", never an exception) everywhere.
#pragma once

#include <charconv>
#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace illusion::core {

// The whole file, or nullopt when it cannot be opened.
std::optional<std::string> read_text(const std::string& path);

// `s` without leading and trailing blanks (spaces, tabs, newlines).
std::string trim(std::string_view s);

// The first line of a one-value file, trimmed; "" when missing.
std::string first_line(const std::string& path);

// Whether whitespace-separated `line` holds `word` (a /proc/cpuinfo flag, say).
bool has_word(std::string_view line, std::string_view word);

// "key : value" lines, as /proc/cpuinfo, /proc/meminfo and /proc/self/status write them, both
// sides trimmed; the first of a repeated key wins (the first CPU's, in cpuinfo). Empty when
// the file cannot be read.
std::map<std::string, std::string> key_values(const std::string& path);

// A whole number at the start of `s` in `base`; nullopt when there is none.
template <class T>
std::optional<T> parse_number(std::string_view s, int base = 10) {
  T v{};
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v, base);
  if (ec != std::errc() || ptr == s.data()) return std::nullopt;
  return v;
}

}  // namespace illusion::core
