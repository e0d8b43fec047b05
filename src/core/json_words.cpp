#include "core/json_words.h"

namespace illusion::core {

std::string json_type_words(nlohmann::json::value_t type) {
  using T = nlohmann::json::value_t;
  switch (type) {
    case T::null:
      return "null";
    case T::object:
      return "an object";
    case T::array:
      return "an array";
    case T::string:
      return "a string";
    case T::boolean:
      return "a boolean";
    case T::number_integer:
    case T::number_unsigned:
    case T::number_float:
      return "a number";
    case T::binary:
      return "binary data";
    case T::discarded:
      return "nothing";
  }
  return "a value of unknown type";
}

}  // namespace illusion::core
