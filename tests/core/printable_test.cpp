// What a message may quote from outside: no byte that a terminal obeys reaches it raw, valid
// UTF-8 text stays readable, and a long value is shortened.
#include <gtest/gtest.h>

#include <string>

#include "core/printable.h"

using illusion::core::printable;
using illusion::core::printable_message;

TEST(Printable, EscapesControlBytes) {
  EXPECT_EQ(printable("evil\x1b]0;pwned\a\x1b[2J.json"), "evil\\e]0;pwned\\x07\\e[2J.json");
  EXPECT_EQ(printable("a\nb\tc\rd\x7f"), "a\\nb\\tc\\rd\\x7f");
  EXPECT_EQ(printable(std::string("nul\0byte", 8)), "nul\\x00byte");
}

TEST(Printable, KeepsUtf8TextAndEscapesWhatIsNot) {
  EXPECT_EQ(printable("12 µs … naïve — ok"), "12 µs … naïve — ok");
  // C1 controls (here CSI, U+009B) are obeyed by terminals too.
  EXPECT_EQ(printable("x\xc2\x9b"
                      "2Jy"),
            "x\\xc2\\x9b2Jy");
  // A lone continuation byte, a cut sequence, an overlong '/', a surrogate.
  EXPECT_EQ(printable("\x80"), "\\x80");
  EXPECT_EQ(printable("\xe2\x80"), "\\xe2\\x80");
  EXPECT_EQ(printable("\xc0\xaf"), "\\xc0\\xaf");
  EXPECT_EQ(printable("\xed\xa0\x80"), "\\xed\\xa0\\x80");
}

TEST(Printable, CutsAtTheLimitOnAWholeCharacter) {
  EXPECT_EQ(printable("abcdef", 4), "abcd…");
  EXPECT_EQ(printable("ab\x1b", 3), "ab…");  // the escape would cross the limit
  EXPECT_EQ(printable("aµµ", 4), "aµ…");     // never half of "µ"
  EXPECT_EQ(printable("abc", 3), "abc");
}

TEST(PrintableMessage, ShortMessagesAreOnlyEscaped) {
  EXPECT_EQ(printable_message("cannot read x\x1b.json: No such file"),
            "cannot read x\\e.json: No such file");
}

// A 100 KB argument used to come back as one 102 KB error line: the head and the tail (the
// reason) are kept, with how much was left out.
TEST(PrintableMessage, LongMessagesKeepHeadAndTail) {
  const std::string msg = "no lab matches '" + std::string(100000, 'x') + "'; run 'illusion list'";
  const std::string shown = printable_message(msg, 1000);
  EXPECT_LE(shown.size(), 1100u);
  EXPECT_EQ(shown.rfind("no lab matches 'xxx", 0), 0u) << shown.substr(0, 40);
  EXPECT_NE(shown.find("run 'illusion list'"), std::string::npos);
  EXPECT_NE(shown.find("bytes left out)…"), std::string::npos);
}
