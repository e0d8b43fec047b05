// Typed access to the fields of a parsed JSON document, for the run-file reader.
//
// Every accessor takes `where`, the path of the value ("experiments[3].stats"), and throws
// core::UsageError "<where>: expected a number or null, found a string" when the value is not
// what the schema says: the reader never crashes on, nor silently zeroes, a malformed file.
#pragma once

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace illusion::report::json_fields {

using Json = nlohmann::ordered_json;

[[noreturn]] void fail(const std::string& where, const std::string& what);
[[noreturn]] void wrong_type(const Json& v, const std::string& where, const char* expected);

// Paths: child("env", "kernel") == "env.kernel", element("labs", 2) == "labs[2]".
std::string child(const std::string& where, const std::string& key);
std::string element(const std::string& where, std::size_t i);

const Json& as_object(const Json& v, const std::string& where);
const Json& as_array(const Json& v, const std::string& where);
const Json* optional_field(const Json& obj, const char* key);  // nullptr when absent
const Json& required_field(const Json& obj, const char* key, const std::string& where);

// Throws when `s` holds a control character other than tab and newline: strings (and object
// keys) from a run file end up on a terminal.
void check_printable(std::string_view s, const std::string& where);
// A string, checked by check_printable.
std::string text(const Json& v, const std::string& where);
bool flag(const Json& v, const std::string& where);
// Far beyond any figure illusion writes (ns, bytes, counts per op; 1e18 ns is 31 years), and
// still far from where arithmetic on it overflows.
inline constexpr double kMaxMagnitude = 1e18;

// A number, or null for a value the writer could not compute (NaN/inf are written as null).
// Throws beyond +-kMaxMagnitude.
double number_or_null(const Json& v, const std::string& where);
std::vector<std::string> strings(const Json& v, const std::string& where);

// A whole number that fits `Int`.
template <class Int>
Int whole(const Json& v, const std::string& where) {
  if (!v.is_number()) wrong_type(v, where, "a whole number");
  const double d = v.get<double>();
  // Checked through double on purpose: "200.0" is as good a count as "200", and the range
  // check keeps a negative or huge value from wrapping around in the cast.
  if (std::floor(d) != d) fail(where, "expected a whole number, found " + v.dump());
  // 2^digits is exact as a double, where max() is not: (double)UINT64_MAX rounds up to 2^64,
  // and casting 2^64 back is undefined.
  if (d < static_cast<double>(std::numeric_limits<Int>::min()) ||
      d >= std::ldexp(1.0, std::numeric_limits<Int>::digits))
    fail(where, "expected a count, found " + v.dump() + ", which is out of range");
  if (v.is_number_unsigned()) return static_cast<Int>(v.get<std::uint64_t>());
  if (v.is_number_integer()) return static_cast<Int>(v.get<std::int64_t>());
  return static_cast<Int>(d);
}

// Readers for optional fields of `obj`: each leaves `out` alone when the field is absent.
void read_text(const Json& obj, const char* key, const std::string& where, std::string& out);
void read_flag(const Json& obj, const char* key, const std::string& where, bool& out);
void read_number(const Json& obj, const char* key, const std::string& where, double& out);

// A count the writer stores as null when unknown (EnvInfo's 0).
template <class Int>
void read_count(const Json& obj, const char* key, const std::string& where, Int& out) {
  if (const Json* v = optional_field(obj, key))
    out = v->is_null() ? Int{0} : whole<Int>(*v, child(where, key));
}

// A count that is null when there is none (a cgroup limit that is not set).
template <class Int>
void read_optional_count(const Json& obj, const char* key, const std::string& where,
                         std::optional<Int>& out) {
  const Json* v = optional_field(obj, key);
  if (!v) return;
  if (v->is_null()) {
    out.reset();
  } else {
    out = whole<Int>(*v, child(where, key));
  }
}

}  // namespace illusion::report::json_fields
