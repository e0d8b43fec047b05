// Reading the one-value and key-value text files of /proc and /sys: one implementation for the
// environment probe, the cgroup reader and the clock, so a missing file means the same
// ("unknown", never an exception) everywhere. And reading a file a user named (a run file, a
// verify file), which refuses what it cannot read in words instead.
#pragma once

#include <charconv>
#include <cstdint>
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

// A file a user names on the command line, as read_input_file reads it and words its refusals.
struct InputFile {
  std::string what;             // "run file": "cannot read the run file: <reason>"
  std::string written_by;       // "'illusion run --json'": what writes such a file, for the hints
  std::uint64_t max_bytes = 0;  // far beyond what `written_by` writes; whole MiB in messages
  // true: only a regular file is read, and a FIFO, a device or a directory is refused.
  // false: a FIFO or a device (a process substitution, /dev/stdin) is read too, and only a
  // directory is refused; a FIFO is read to its end when a writer is attached (or has left data
  // behind), and refused at once when none is, since nothing may ever come.
  // Either way nothing waits for a writer that is not there: the open is O_NONBLOCK.
  bool regular_only = true;
};

// The whole of `path`, read with retry_eintr. Throws core::UsageError "<path>: <why>" when it
// cannot be opened or read, is not a file `file` accepts, is a FIFO with no writer, or holds
// more than file.max_bytes (checked while reading too: /dev/zero and a FIFO have no size). The
// descriptor is closed on every path.
std::string read_input_file(const std::string& path, const InputFile& file);

// A whole number at the start of `s` in `base`; nullopt when there is none.
template <class T>
std::optional<T> parse_number(std::string_view s, int base = 10) {
  T v{};
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v, base);
  if (ec != std::errc() || ptr == s.data()) return std::nullopt;
  return v;
}

}  // namespace illusion::core
