#include "peers/verify_read.h"

#include <cmath>

#include <fmt/format.h>

#include "core/errors.h"
#include "core/json_words.h"
#include "core/text_file.h"
#include "peers/verify_record.h"

namespace illusion::peers {
namespace {

using Json = nlohmann::json;

// Far beyond what `verify --peers --json` writes (a few KiB, 5 levels deep); they keep a hostile
// file from exhausting memory, or the stack of nlohmann's recursive parser.
constexpr std::size_t kMaxVerifyFileBytes = std::size_t{16} << 20;
constexpr int kMaxDepth = 64;
// Far beyond any figure in nanoseconds, and far from where arithmetic on it overflows.
constexpr double kMaxMagnitude = 1e18;

[[noreturn]] void fail(const std::string& path, const std::string& where, const std::string& what) {
  throw core::UsageError(where.empty() ? fmt::format("{}: {}", path, what)
                                       : fmt::format("{}: {}: {}", path, where, what));
}

std::string child(const std::string& where, const char* key) {
  return where.empty() ? key : where + "." + key;
}

// The reader's accessors: each names the field's path when the value is not what the schema
// says.
struct Reader {
  const std::string& path;

  const Json& field(const Json& obj, const char* key, const std::string& where) const {
    const auto it = obj.find(key);
    if (it == obj.end()) fail(path, where, fmt::format("the field \"{}\" is missing", key));
    return *it;
  }
  const Json& object(const Json& v, const std::string& where) const {
    if (!v.is_object()) fail(path, where, "expected an object, found " + core::json_type_words(v));
    return v;
  }
  // Strings end up on a terminal: a control character (an escape sequence) is refused.
  std::string text(const Json& v, const std::string& where) const {
    if (!v.is_string()) fail(path, where, "expected a string, found " + core::json_type_words(v));
    const auto& s = v.get_ref<const std::string&>();
    for (unsigned char c : s)
      if ((c < 0x20 && c != '\t' && c != '\n') || c == 0x7f)
        fail(path, where, fmt::format("a control character (0x{:02x}) in a string", c));
    return s;
  }
  std::optional<double> number_or_null(const Json& v, const std::string& where) const {
    if (v.is_null()) return std::nullopt;
    if (!v.is_number())
      fail(path, where, "expected a number or null, found " + core::json_type_words(v));
    const double d = v.get<double>();
    if (!std::isfinite(d) || std::fabs(d) > kMaxMagnitude)
      fail(path, where, fmt::format("{} is out of range (a figure in ns)", v.dump()));
    return d;
  }
  void optional_text(const Json& obj, const char* key, const std::string& where,
                     std::string& out) const {
    if (const auto it = obj.find(key); it != obj.end()) out = text(*it, child(where, key));
  }
};

VerifySide read_side(const Reader& r, const Json& v, const std::string& where, const char* name) {
  const Json& side = r.object(v, where);
  VerifySide out;
  out.name = r.text(r.field(side, name, where), child(where, name));
  r.optional_text(side, "figure", where, out.figure);
  out.median_ns = r.number_or_null(r.field(side, "median_ns", where), child(where, "median_ns"));
  return out;
}

// How deep `data` nests, outside strings; stops counting past kMaxDepth.
int nesting_depth(const std::string& data) {
  int depth = 0, deepest = 0;
  bool in_string = false, escaped = false;
  for (char c : data) {
    if (in_string) {
      if (escaped)
        escaped = false;
      else if (c == '\\')
        escaped = true;
      else if (c == '"')
        in_string = false;
      continue;
    }
    if (c == '"')
      in_string = true;
    else if (c == '[' || c == '{') {
      if (++depth > deepest) deepest = depth;
      if (deepest > kMaxDepth) return deepest;
    } else if (c == ']' || c == '}')
      --depth;
  }
  return deepest;
}

// A verify file is read only when it is a regular file: a FIFO is left untouched for the run
// reader, which reads those (`illusion stability` tries each file as a verify file first).
core::InputFile verify_input() {
  return {"verify file", "'illusion verify --peers --json'", kMaxVerifyFileBytes,
          /*regular_only=*/true};
}

// The parsed document, or a discarded value when `data` is not JSON.
Json parse(const std::string& data) {
  if (nesting_depth(data) > kMaxDepth) return Json(Json::value_t::discarded);
  return Json::parse(data, nullptr, /*allow_exceptions=*/false);
}

std::string schema_of(const Json& doc) {
  if (!doc.is_object()) return "";
  const auto it = doc.find("schema");
  return it != doc.end() && it->is_string() ? it->get<std::string>() : "";
}

}  // namespace

bool is_verify_schema(const std::string& schema) {
  return schema.rfind("illusion.verify/", 0) == 0;
}

VerifyFile verify_from_json(const Json& doc, const std::string& path) {
  const Reader r{path};
  r.object(doc, "");
  const std::string schema = r.text(r.field(doc, "schema", ""), "schema");
  if (schema != kVerifySchema) {
    if (is_verify_schema(schema))
      fail(path, "",
           fmt::format("schema \"{}\" is not supported: this illusion reads \"{}\" (the file was "
                       "written by a different version of illusion)",
                       schema, kVerifySchema));
    fail(path, "",
         fmt::format("schema \"{}\" is not a verify file; expected \"{}\", as written by "
                     "'illusion verify --peers --json'",
                     schema, kVerifySchema));
  }
  VerifyFile out;
  out.path = path;
  r.optional_text(doc, "started_at", "", out.started_at);
  r.optional_text(doc, "profile", "", out.profile);
  if (const auto it = doc.find("complete"); it != doc.end()) {
    if (!it->is_boolean())
      fail(path, "complete", "expected true or false, found " + core::json_type_words(*it));
    out.complete = it->get<bool>();
  }
  const Json& comparisons = r.field(doc, "comparisons", "");
  if (!comparisons.is_array())
    fail(path, "comparisons", "expected an array, found " + core::json_type_words(comparisons));
  for (std::size_t i = 0; i < comparisons.size(); ++i) {
    const std::string where = fmt::format("comparisons[{}]", i);
    const Json& c = r.object(comparisons[i], where);
    VerifyComparisonRead cmp;
    cmp.id = r.text(r.field(c, "id", where), child(where, "id"));
    cmp.statistic = r.text(r.field(c, "statistic", where), child(where, "statistic"));
    cmp.illusion =
        read_side(r, r.field(c, "illusion", where), child(where, "illusion"), "experiment");
    cmp.peer = read_side(r, r.field(c, "peer", where), child(where, "peer"), "tool");
    out.comparisons.push_back(std::move(cmp));
  }
  return out;
}

std::optional<VerifyFile> try_read_verify_file(const std::string& path) {
  std::string data;
  try {
    data = core::read_input_file(path, verify_input());
  } catch (const core::UsageError&) {
    return std::nullopt;  // the run reader says why, as for any file
  }
  const Json doc = parse(data);
  if (!is_verify_schema(schema_of(doc))) return std::nullopt;
  return verify_from_json(doc, path);
}

VerifyFile read_verify_file(const std::string& path) {
  const std::string data = core::read_input_file(path, verify_input());
  const Json doc = parse(data);
  if (doc.is_discarded())
    fail(path, "",
         "not valid JSON; expected a verify file as written by 'illusion verify --peers --json'");
  return verify_from_json(doc, path);
}

}  // namespace illusion::peers
