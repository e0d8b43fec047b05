// The words for a JSON value's type that the run-file and verify-file readers put in messages.
#include "core/json_words.h"

#include <gtest/gtest.h>

namespace illusion::core {
namespace {

TEST(JsonWords, EveryTypeInWords) {
  using Json = nlohmann::json;
  EXPECT_EQ(json_type_words(Json()), "null");
  EXPECT_EQ(json_type_words(Json::object()), "an object");
  EXPECT_EQ(json_type_words(Json::array()), "an array");
  EXPECT_EQ(json_type_words(Json("x")), "a string");
  EXPECT_EQ(json_type_words(Json(true)), "a boolean");
  EXPECT_EQ(json_type_words(Json(-1)), "a number");
  EXPECT_EQ(json_type_words(Json(1u)), "a number");
  EXPECT_EQ(json_type_words(Json(1.5)), "a number");
  EXPECT_EQ(json_type_words(Json::binary({1, 2})), "binary data");
  EXPECT_EQ(json_type_words(Json(Json::value_t::discarded)), "nothing");
}

TEST(JsonWords, OrderedJsonHasTheSameWords) {
  EXPECT_EQ(json_type_words(nlohmann::ordered_json::array()), "an array");
  EXPECT_EQ(json_type_words(nlohmann::ordered_json::value_t::object), "an object");
}

}  // namespace
}  // namespace illusion::core
