// Column alignment must count what the terminal shows, not bytes.
#include "report/text_table.h"

#include <gtest/gtest.h>

#include <sstream>

using namespace illusion::report;

namespace {
std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}
}  // namespace

TEST(DisplayWidth, CountsCodePoints) {
  EXPECT_EQ(display_width("abc"), 3u);
  EXPECT_EQ(display_width("1.25 µs"), 7u);
  EXPECT_EQ(display_width("—"), 1u);
}

TEST(Truncate, EndsInEllipsisAndNeverSplitsACharacter) {
  EXPECT_EQ(truncate_to_width("short", 10), "short");
  EXPECT_EQ(truncate_to_width("abcdefghij", 5), "abcd…");
  EXPECT_EQ(truncate_to_width("µµµµµµ", 3), "µµ…");
  EXPECT_EQ(truncate_to_width("a long sentence here", 8), "a long…");  // no space before …
}

TEST(WrapWords, BreaksAtSpaces) {
  const auto lines = wrap_words("one two three four", 10);
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(lines[0], "one two");
  EXPECT_EQ(lines[1], "three four");
  EXPECT_TRUE(wrap_words("", 10).empty());
}

TEST(TextTable, AlignsColumnsWithMultiByteGlyphs) {
  TextTable t(80);
  t.add_column("name", Align::left);
  t.add_column("p50", Align::right);
  t.add_column("note", Align::left);
  t.add_row({"a", "1.25 µs", "x"});
  t.add_row({"longer", "—", "y"});
  std::ostringstream out;
  t.write(out, "");
  const auto lines = lines_of(out.str());
  ASSERT_EQ(lines.size(), 4u);  // header, rule, two rows
  // The note column starts at the same display column on every row.
  EXPECT_EQ(display_width(lines[2].substr(0, lines[2].rfind('x'))),
            display_width(lines[3].substr(0, lines[3].rfind('y'))));
}

TEST(TextTable, TruncatesTheLastColumnToTheLineWidth) {
  TextTable t(30);
  t.add_column("id", Align::left);
  t.add_column("meaning", Align::left);
  t.add_row({"x", std::string(100, 'm')});
  std::ostringstream out;
  t.write(out, "  ");
  for (const auto& line : lines_of(out.str())) EXPECT_LE(display_width(line), 30u) << line;
  EXPECT_NE(out.str().find("…"), std::string::npos);
}
