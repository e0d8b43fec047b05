// errno_text: the one "words (NAME)" form every message that quotes an errno uses.
#include "core/errors.h"

#include <cerrno>
#include <cstring>
#include <string>

#include <gtest/gtest.h>

using illusion::core::errno_text;

TEST(ErrnoText, WordsThenName) {
  EXPECT_EQ(errno_text(EACCES), std::string(std::strerror(EACCES)) + " (EACCES)");
  EXPECT_EQ(errno_text(ENOENT), std::string(std::strerror(ENOENT)) + " (ENOENT)");
}

TEST(ErrnoText, UnknownNumberShowsTheNumber) {
  const std::string text = errno_text(99999);
  EXPECT_NE(text.find("(99999)"), std::string::npos) << text;
}
