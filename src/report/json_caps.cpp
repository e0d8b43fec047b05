#include "report/json_caps.h"

#include <optional>
#include <string_view>
#include <unordered_map>
#include <utility>

#include <fmt/format.h>

#include "core/printable.h"
#include "report/json_fields.h"

namespace illusion::report {
namespace {

using json_fields::child;
using json_fields::element;
using json_fields::Json;

// Keys become part of the paths in messages: core::printable escapes them and cuts a long one,
// so a hostile key can neither reach the terminal raw nor flood it.
std::string shown_key(std::string_view key) {
  return core::printable(key, 40);
}

// An object with more keys than this gets a hash index of them: ordered_json's own insert
// compares the new key with every key before it, which makes building an object of n keys
// cost n²/2 comparisons.
constexpr std::size_t kIndexedFrom = 32;

using Members = Json::object_t::Container;  // ordered_json's object is a vector of pairs

// One open array or object.
struct Frame {
  Json* value = nullptr;
  std::string pattern;    // its path with [] for indices, to find its cap
  std::size_t count = 0;  // elements so far, or keys
  std::size_t max = 0;
  const ArrayCap* cap = nullptr;  // nullptr: the general cap on arrays or objects
  std::string key;                // an object's key whose value comes next
  std::unordered_map<std::string, std::size_t> index;  // key -> member, past kIndexedFrom keys
};

// The array or object that passed its cap. Its remaining elements are counted, not kept, so
// the refusal can say how many there were without the document growing.
struct Overflow {
  std::string where;
  std::size_t count = 0;
  bool object = false;
  std::size_t max = 0;
  std::string items, per;
  std::size_t depth = 0;  // how deep inside one of its elements the parser is
};

// nlohmann's SAX handler: builds the document as json_sax_dom_parser does, counting as it goes.
class Builder {
 public:
  Builder(const std::string& path, const JsonCaps& caps) : path_(path), caps_(caps) {}
  Json take() { return std::move(root_); }

  bool null() { return scalar(Json(nullptr)); }
  bool boolean(bool v) { return scalar(Json(v)); }
  bool number_integer(Json::number_integer_t v) { return scalar(Json(v)); }
  bool number_unsigned(Json::number_unsigned_t v) { return scalar(Json(v)); }
  bool number_float(Json::number_float_t v, const Json::string_t& /*text*/) {
    return scalar(Json(v));
  }
  bool string(Json::string_t& v) {
    if (!over_ && v.size() > caps_.max_string_bytes)
      refuse(next_path(), fmt::format("a string of {} bytes, longer than the {} this illusion "
                                      "reads",
                                      v.size(), caps_.max_string_bytes));
    return scalar(Json(std::move(v)));
  }
  bool binary(Json::binary_t& v) { return scalar(Json::binary(std::move(v))); }  // not in text

  bool key(Json::string_t& k) {
    if (over_) {
      if (over_->depth == 0) ++over_->count;
      return true;
    }
    Frame& top = stack_.back();
    if (k.size() > caps_.max_key_bytes)
      refuse(where(), fmt::format("a key of {} bytes (\"{}\"), longer than the {} this illusion "
                                  "reads",
                                  k.size(), shown_key(k), caps_.max_key_bytes));
    top.key = std::move(k);
    if (++top.count > top.max) overflow(top, /*inside_element=*/false);
    return true;
  }

  bool start_object(std::size_t /*unknown*/) { return open(Json::object()); }
  bool start_array(std::size_t /*unknown*/) { return open(Json::array()); }
  bool end_object() { return close(); }
  bool end_array() { return close(); }

  template <class Exception>
  bool parse_error(std::size_t /*byte*/, const std::string& /*token*/, const Exception& e) {
    throw e;  // as Json::parse does: the caller words it with the line and column
  }

 private:
  [[noreturn]] void refuse(const std::string& at, const std::string& what) const {
    json_fields::fail(path_, at.empty() ? what : at + ": " + what);
  }

  // The path of the innermost open array or object ("" for the top level).
  std::string where() const {
    std::string p;
    for (std::size_t i = 1; i < stack_.size(); ++i) {
      const Frame& parent = stack_[i - 1];
      p = parent.value->is_object() ? child(p, shown_key(parent.key))
                                    : element(p, parent.count - 1);
    }
    return p;
  }

  // The path of the value that comes next.
  std::string next_path() const {
    if (stack_.empty()) return "";
    const Frame& top = stack_.back();
    return top.value->is_object() ? child(where(), shown_key(top.key))
                                  : element(where(), top.count);
  }

  std::string next_pattern() const {
    if (stack_.empty()) return "";
    const Frame& top = stack_.back();
    if (top.value->is_array()) return top.pattern + "[]";
    return top.pattern.empty() ? top.key : top.pattern + "." + top.key;
  }

  void overflow(const Frame& top, bool inside_element) {
    Overflow o;
    o.where = where();
    o.count = top.count;
    o.object = top.value->is_object();
    o.max = top.max;
    o.items = top.cap ? top.cap->items : o.object ? "keys" : "elements";
    o.per = top.cap ? top.cap->per : o.object ? "in one object" : "in one array";
    o.depth = inside_element ? 1 : 0;
    over_ = std::move(o);
  }

  // The slot for the next value in the innermost container (or the root); nullptr once that
  // container has passed its cap.
  Json* add(Json&& v, bool container) {
    if (++values_ > caps_.max_values)
      refuse("", fmt::format("more than {} values in all (numbers, strings, arrays and objects "
                             "together), the most this illusion reads in {}; the value past the "
                             "cap is {}",
                             caps_.max_values, caps_.kind, next_path()));
    if (stack_.empty()) {
      root_ = std::move(v);
      return &root_;
    }
    Frame& top = stack_.back();
    if (top.value->is_array()) {
      if (++top.count > top.max) {
        overflow(top, container);
        return nullptr;
      }
      auto& elements = top.value->get_ref<Json::array_t&>();
      elements.push_back(std::move(v));
      return &elements.back();
    }
    return &member(top, std::move(v));
  }

  // Sets top.key to `v` in the object on top (the key event counted it), replacing an earlier
  // value of the same key as nlohmann does.
  static Json& member(Frame& top, Json&& v) {
    auto& members = static_cast<Members&>(top.value->get_ref<Json::object_t&>());
    if (members.size() >= kIndexedFrom && top.index.empty())
      for (std::size_t i = 0; i < members.size(); ++i) top.index.emplace(members[i].first, i);
    if (top.index.empty()) {
      for (auto& [name, value] : members)
        if (name == top.key) return value = std::move(v);
    } else if (const auto it = top.index.find(top.key); it != top.index.end()) {
      return members[it->second].second = std::move(v);
    }
    members.emplace_back(top.key, std::move(v));
    if (!top.index.empty()) top.index.emplace(top.key, members.size() - 1);
    return members.back().second;
  }

  bool scalar(Json&& v) {
    if (over_) {
      if (over_->depth == 0 && !over_->object) ++over_->count;
      return true;
    }
    add(std::move(v), /*container=*/false);
    return true;
  }

  bool open(Json&& empty) {
    if (over_) {
      if (over_->depth == 0 && !over_->object) ++over_->count;
      ++over_->depth;
      return true;
    }
    const bool is_object = empty.is_object();
    Frame f;
    f.pattern = next_pattern();
    f.max = is_object ? caps_.max_members : caps_.max_elements;
    if (!is_object)
      for (const ArrayCap& cap : caps_.arrays)
        if (cap.path == f.pattern) {
          f.cap = &cap;
          f.max = cap.max;
        }
    f.value = add(std::move(empty), /*container=*/true);
    if (f.value) stack_.push_back(std::move(f));
    return true;
  }

  bool close() {
    if (over_) {
      if (over_->depth == 0)
        refuse(over_->where, fmt::format("{} {}, more than the {} this illusion reads {}",
                                         over_->count, over_->items, over_->max, over_->per));
      --over_->depth;
      return true;
    }
    stack_.pop_back();
    return true;
  }

  const std::string& path_;
  const JsonCaps& caps_;
  Json root_;
  std::vector<Frame> stack_;
  std::size_t values_ = 0;
  std::optional<Overflow> over_;
};

}  // namespace

Json parse_capped(const std::string& path, const std::string& data, const JsonCaps& caps) {
  Builder builder(path, caps);
  Json::sax_parse(data, &builder);
  return builder.take();
}

}  // namespace illusion::report
