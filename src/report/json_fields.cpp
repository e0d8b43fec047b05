#include "report/json_fields.h"

#include <fmt/format.h>

#include "core/errors.h"
#include "core/json_words.h"

namespace illusion::report::json_fields {

void fail(const std::string& where, const std::string& what) {
  throw core::UsageError(where.empty() ? what : where + ": " + what);
}

void wrong_type(const Json& v, const std::string& where, const char* expected) {
  fail(where, fmt::format("expected {}, found {}", expected, core::json_type_words(v)));
}

std::string child(const std::string& where, const std::string& key) {
  return where.empty() ? key : where + "." + key;
}

std::string element(const std::string& where, std::size_t i) {
  return fmt::format("{}[{}]", where, i);
}

const Json& as_object(const Json& v, const std::string& where) {
  if (!v.is_object()) wrong_type(v, where, "an object");
  return v;
}

const Json& as_array(const Json& v, const std::string& where) {
  if (!v.is_array()) wrong_type(v, where, "an array");
  return v;
}

const Json* optional_field(const Json& obj, const char* key) {
  const auto it = obj.find(key);
  return it == obj.end() ? nullptr : &*it;
}

const Json& required_field(const Json& obj, const char* key, const std::string& where) {
  const Json* v = optional_field(obj, key);
  if (!v) fail(where, fmt::format("missing field \"{}\"", key));
  return *v;
}

void check_printable(std::string_view s, const std::string& where) {
  // `illusion report` prints these strings to a terminal: an escape sequence in a title could
  // rewrite the screen or what the user believes was measured. illusion writes none (nor any
  // C1 control, U+0080..U+009F, which some terminals obey too); tab and newline are harmless.
  for (std::size_t i = 0; i < s.size(); ++i) {
    const auto c = static_cast<unsigned char>(s[i]);
    const auto next = i + 1 < s.size() ? static_cast<unsigned char>(s[i + 1]) : 0;
    const bool c0 = (c < 0x20 && c != '\t' && c != '\n') || c == 0x7f;
    const bool c1 = c == 0xc2 && next >= 0x80 && next <= 0x9f;
    if (c0 || c1)
      fail(where, fmt::format("contains a control character (U+{:04X}); a run file's text has "
                              "none",
                              c1 ? next : c));
  }
}

std::string text(const Json& v, const std::string& where) {
  if (!v.is_string()) wrong_type(v, where, "a string");
  std::string s = v.get<std::string>();
  check_printable(s, where);
  return s;
}

bool flag(const Json& v, const std::string& where) {
  if (!v.is_boolean()) wrong_type(v, where, "true or false");
  return v.get<bool>();
}

double number_or_null(const Json& v, const std::string& where) {
  if (v.is_null()) return std::numeric_limits<double>::quiet_NaN();
  if (!v.is_number()) wrong_type(v, where, "a number or null");
  const double d = v.get<double>();
  // JSON has no inf, but 99999999999999999999999 parses (as 1e23) and -1e308 is a double: such
  // a figure is not a measurement, and ratios and budgets made from it would print nonsense.
  if (!(std::fabs(d) <= kMaxMagnitude))
    fail(where, fmt::format("{} is out of range: no figure illusion writes is beyond {:g}",
                            v.dump(), kMaxMagnitude));
  return d;
}

std::vector<std::string> strings(const Json& v, const std::string& where) {
  std::vector<std::string> out;
  const Json& arr = as_array(v, where);
  for (std::size_t i = 0; i < arr.size(); ++i) out.push_back(text(arr[i], element(where, i)));
  return out;
}

void read_text(const Json& obj, const char* key, const std::string& where, std::string& out) {
  if (const Json* v = optional_field(obj, key)) out = text(*v, child(where, key));
}

void read_flag(const Json& obj, const char* key, const std::string& where, bool& out) {
  if (const Json* v = optional_field(obj, key)) out = flag(*v, child(where, key));
}

void read_number(const Json& obj, const char* key, const std::string& where, double& out) {
  if (const Json* v = optional_field(obj, key)) out = number_or_null(*v, child(where, key));
}

}  // namespace illusion::report::json_fields
