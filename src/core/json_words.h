// JSON values in words, for the messages of every reader of a JSON file (the run file in
// report/json_read.cpp, the verify file in peers/verify_read.cpp): one wording everywhere.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

namespace illusion::core {

// A JSON type in words, with its article, to follow "found": "null", "an object", "an array",
// "a string", "a boolean", "a number", "binary data", "nothing" (a discarded value).
std::string json_type_words(nlohmann::json::value_t type);

// The type of `v` in words; any nlohmann::basic_json (json, ordered_json) shares value_t.
template <class Json>
std::string json_type_words(const Json& v) {
  return json_type_words(v.type());
}

}  // namespace illusion::core
