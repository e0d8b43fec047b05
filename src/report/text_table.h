// Plain-text layout for the terminal: display width of UTF-8 text, truncation, word wrap and
// an aligned table.
//
// Widths count code points, not bytes: the glyphs we print ("µ", "—", "…", "█") are one
// column wide but two or three bytes long, and byte-based padding (printf's "%-10s") would
// shift every column after them.
#pragma once

#include <cstddef>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

namespace illusion::report {

// The console reports' line width (tables, headers), and the narrower width of their bulleted
// prose, which reads better a little short of the tables.
inline constexpr std::size_t kConsoleWidth = 118;
inline constexpr std::size_t kBulletWidth = 110;

// Columns `text` takes on a terminal (UTF-8 code points; every glyph we use is one column).
std::size_t display_width(std::string_view text);

// `text` cut to at most `width` columns, ending in "…" when something was cut.
std::string truncate_to_width(std::string_view text, std::size_t width);

// `text` padded with spaces to `width` columns, on the right (left-aligned) or on the left.
std::string pad_right(std::string_view text, std::size_t width);
std::string pad_left(std::string_view text, std::size_t width);

// The parts separated by `sep` ("a · b", "a, b").
std::string join(const std::vector<std::string>& parts, std::string_view sep);

// Splits `text` at spaces into lines of at most `width` columns (a longer word gets its own
// line). Empty text gives no lines.
std::vector<std::string> wrap_words(std::string_view text, std::size_t width);

// Writes "  • text", wrapped at words to `width` columns, continuation lines indented under
// the text.
void write_bullet(std::ostream& out, std::string_view text, std::size_t width = kBulletWidth);

enum class Align { left, right };

// A table whose columns are as wide as their widest cell. The last column is not padded and
// is truncated with "…" so that no line exceeds `max_line_width`. A row may carry a note: prose
// printed under it, indented and wrapped at words to the line width.
class TextTable {
 public:
  explicit TextTable(std::size_t max_line_width = kConsoleWidth)
      : max_line_width_(max_line_width) {}

  void add_column(std::string header, Align align);
  // A row with fewer cells than columns is padded with empty cells.
  void add_row(std::vector<std::string> cells, std::string note = "");
  // Writes the header, a rule of "─" under it, and the rows; each line starts with `indent`.
  void write(std::ostream& out, std::string_view indent = "  ") const;

 private:
  struct Column {
    std::string header;
    Align align;
  };
  std::size_t max_line_width_;
  std::vector<Column> columns_;
  struct Row {
    std::vector<std::string> cells;
    std::string note;
  };
  std::vector<Row> rows_;
};

}  // namespace illusion::report
