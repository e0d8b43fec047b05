// How much a JSON file a user hands us may hold, counted while it is parsed.
//
// A few MiB of "[0,0]," parse into millions of heap-allocated values: a 63 MiB run file of series
// points once took `illusion report` to 1.5 GB and 15 s. So the document is built here from
// nlohmann's SAX events and every array, object and string is counted as it arrives: the first
// element past a cap stops the DOM from growing, the rest of that array is only counted (so the
// refusal says how many there were), and the file is refused with the field's path and the cap.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace illusion::report {

// The most elements one array may hold, for the arrays at `path`.
struct ArrayCap {
  std::string path;  // "experiments[].series[].points": [] stands for any index
  std::size_t max = 0;
  std::string items;  // what the elements are, plural: "points"
  std::string per;    // what the cap is per: "in one series"
};

struct JsonCaps {
  std::size_t max_values = 0;        // values in the whole document, arrays and objects included
  std::size_t max_string_bytes = 0;  // one string value
  std::size_t max_key_bytes = 0;     // one object key
  std::size_t max_members = 0;       // keys of one object
  std::size_t max_elements = 0;      // one array that `arrays` does not name
  std::vector<ArrayCap> arrays;
  std::string kind = "a file";  // the expected file, for the messages: "a run file"
};

// `data` parsed as JSON. Throws core::UsageError "<path>: <json path>: <n> <items>, more than
// the <max> this illusion reads <per>" (or the like for a string, a key or the whole document)
// at the first cap passed, and nlohmann's own exceptions for text that is not JSON, as
// nlohmann::ordered_json::parse does. Duplicate keys keep the last value, as parse does.
nlohmann::ordered_json parse_capped(const std::string& path, const std::string& data,
                                    const JsonCaps& caps);

}  // namespace illusion::report
