// Parsing the text of a JSON file a user handed us, before any field is decoded: nesting too
// deep for nlohmann's recursive copy and dump refused up front, too many values, elements, keys
// or bytes in a string refused while parsing (report/json_caps.h), and a parse error, a NUL
// byte or a number beyond a double's range told with its line and column and with unprintable
// bytes escaped. Every problem is a core::UsageError that starts with the file's path.
#pragma once

#include <cstddef>
#include <string>

#include <nlohmann/json.hpp>

#include "report/json_caps.h"

namespace illusion::report {

struct JsonDepth {
  std::size_t max = 64;         // refused beyond this, before parsing
  std::size_t usual = 7;        // what the expected file nests at most (for the message)
  std::string kind = "a file";  // the expected file, for the message: "a run file"
};

// `caps` bound what the document may hold (report/json_caps.h), checked while it is parsed.
nlohmann::ordered_json parse_json_text(const std::string& path, const std::string& data,
                                       const JsonDepth& depth, const JsonCaps& caps);

}  // namespace illusion::report
