#include "report/json_text.h"

#include <algorithm>
#include <string_view>
#include <utility>

#include <fmt/format.h>

#include "core/printable.h"
#include "report/json_fields.h"

namespace illusion::report {
namespace {

using json_fields::fail;
using json_fields::Json;

// Line and column (1-based) of byte `offset` (0-based) in `data`.
std::pair<std::size_t, std::size_t> position_of(const std::string& data, std::size_t offset) {
  std::size_t line = 1, column = 1;
  for (std::size_t i = 0; i < std::min(offset, data.size()); ++i) {
    if (data[i] == '\n') {
      ++line;
      column = 1;
    } else {
      ++column;
    }
  }
  return {line, column};
}

// nlohmann 3.11 parses and destroys any depth (both keep an explicit stack) but copies and
// dumps values recursively: 100,000 '[' parsed fine, then crashed `illusion report` when an
// error message dumped them. A run file nests 7 levels deep; anything past the maximum depth is
// refused before parsing, wherever it is (an unknown field included).
void check_nesting(const std::string& path, const std::string& data,
                   const JsonDepth& depth_limits) {
  std::size_t depth = 0;
  bool in_string = false, escaped = false;
  for (std::size_t i = 0; i < data.size(); ++i) {
    const char c = data[i];
    if (in_string) {
      if (escaped) {
        escaped = false;
      } else if (c == '\\') {
        escaped = true;
      } else if (c == '"') {
        in_string = false;
      }
      continue;
    }
    if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      if (++depth > depth_limits.max) {
        const auto [line, column] = position_of(data, i);
        fail(path,
             fmt::format("nested deeper than {} levels (line {}, column {}); {} "
                         "nests {} levels at most, so this is not one",
                         depth_limits.max, line, column, depth_limits.kind, depth_limits.usual));
      }
    } else if ((c == ']' || c == '}') && depth > 0) {
      --depth;  // unbalanced brackets are the parser's to report, with its own position
    }
  }
}

std::string parse_error_message(const nlohmann::json::parse_error& e, const std::string& data) {
  // e.byte is 1-based: the byte that could not be read. Lines are counted here, since the
  // exception text mixes its own wording with the position.
  const auto [line, column] = position_of(data, e.byte > 0 ? e.byte - 1 : 0);
  std::string detail = e.what();
  const std::size_t col = detail.find("column");
  const std::size_t colon = col == std::string::npos ? col : detail.find(": ", col);
  if (colon != std::string::npos) detail = detail.substr(colon + 2);
  std::string message = fmt::format("not valid JSON: {} (line {}, column {}, byte {})",
                                    core::printable(detail), line, column, e.byte);
  if (e.byte > data.size())
    message += "; the file ends early: it may have been cut off while being copied or written";
  return message;
}

std::string nul_message(const std::string& data, std::size_t nul) {
  const auto [line, column] = position_of(data, nul);
  return fmt::format(
      "not valid JSON: a NUL byte at line {}, column {}, byte {}: a binary file, "
      "not a run file",
      line, column, nul + 1);
}

// A number beyond a double's range (1e999) is valid JSON that nlohmann refuses with
// out_of_range 406, which carries the token but no position: find the token to give one.
std::string overflow_message(const nlohmann::json::out_of_range& e, const std::string& data) {
  const std::string what = e.what();
  const std::size_t open = what.find('\'');
  const std::size_t close = open == std::string::npos ? open : what.find('\'', open + 1);
  if (close == std::string::npos) return fmt::format("not valid JSON: {}", core::printable(what));
  const std::string token = what.substr(open + 1, close - open - 1);
  std::string where;
  if (const std::size_t at = data.find(token); at != std::string::npos) {
    const auto [line, column] = position_of(data, at);
    where = fmt::format(" (line {}, column {})", line, column);
  }
  return fmt::format(
      "the number {}{} is too large to read: a run file's numbers fit a double (at most about "
      "1.8e308)",
      core::printable(token, 40), where);
}

}  // namespace

Json parse_json_text(const std::string& path, const std::string& data, const JsonDepth& depth,
                     const JsonCaps& caps) {
  check_nesting(path, data, depth);
  const std::size_t nul = data.find('\0');
  Json doc;
  try {
    doc = parse_capped(path, data, caps);
  } catch (const nlohmann::json::parse_error& e) {
    // nlohmann takes a NUL byte for the end of the input ("unexpected end of input" at byte 1
    // of a 1 MiB file): when one stopped it, say what the file is instead.
    if (nul != std::string::npos && nul < e.byte) fail(path, nul_message(data, nul));
    fail(path, parse_error_message(e, data));
  } catch (const nlohmann::json::out_of_range& e) {
    fail(path, overflow_message(e, data));
  } catch (const nlohmann::json::exception& e) {
    // Nothing else is documented for parse(); should a later version add one, it is still
    // the file's fault, not the machine's.
    fail(path, fmt::format("not valid JSON: {}", core::printable(e.what())));
  }
  // The same NUL after a complete document ended the parse early: the rest was never read.
  if (nul != std::string::npos) fail(path, nul_message(data, nul));
  return doc;
}

}  // namespace illusion::report
