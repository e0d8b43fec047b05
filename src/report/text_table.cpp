#include "report/text_table.h"

#include <algorithm>

namespace illusion::report {
namespace {

constexpr std::string_view kColumnGap = "  ";

bool is_continuation_byte(char c) {
  return (static_cast<unsigned char>(c) & 0xC0) == 0x80;
}

}  // namespace

std::size_t display_width(std::string_view text) {
  return static_cast<std::size_t>(
      std::count_if(text.begin(), text.end(), [](char c) { return !is_continuation_byte(c); }));
}

std::string truncate_to_width(std::string_view text, std::size_t width) {
  if (display_width(text) <= width) return std::string(text);
  if (width == 0) return "";
  // Keep width-1 code points, then the ellipsis; never cut inside a multi-byte character.
  std::size_t kept = 0, end = 0;
  while (end < text.size()) {
    if (!is_continuation_byte(text[end])) {
      if (kept == width - 1) break;
      ++kept;
    }
    ++end;
  }
  std::string out(text.substr(0, end));
  while (!out.empty() && out.back() == ' ') out.pop_back();
  return out + "…";
}

std::string pad_right(std::string_view text, std::size_t width) {
  const std::size_t w = display_width(text);
  return std::string(text) + std::string(w < width ? width - w : 0, ' ');
}

std::string pad_left(std::string_view text, std::size_t width) {
  const std::size_t w = display_width(text);
  return std::string(w < width ? width - w : 0, ' ') + std::string(text);
}

std::string join(const std::vector<std::string>& parts, std::string_view sep) {
  std::string text;
  for (const std::string& p : parts) {
    if (!text.empty()) text += sep;
    text += p;
  }
  return text;
}

std::vector<std::string> wrap_words(std::string_view text, std::size_t width) {
  std::vector<std::string> lines;
  std::string line;
  std::size_t pos = 0;
  while (pos < text.size()) {
    const std::size_t space = text.find(' ', pos);
    const std::string_view word =
        text.substr(pos, space == std::string_view::npos ? std::string_view::npos : space - pos);
    pos = space == std::string_view::npos ? text.size() : space + 1;
    if (word.empty()) continue;
    if (!line.empty() && display_width(line) + 1 + display_width(word) > width) {
      lines.push_back(line);
      line.clear();
    }
    if (!line.empty()) line += ' ';
    line += word;
  }
  if (!line.empty()) lines.push_back(line);
  return lines;
}

void write_bullet(std::ostream& out, std::string_view text, std::size_t width) {
  constexpr std::string_view kFirst = "  • ", kNext = "    ";
  const std::size_t room = width > kNext.size() + 20 ? width - kNext.size() : 20;
  bool first = true;
  for (const std::string& line : wrap_words(text, room)) {
    out << (first ? kFirst : kNext) << line << '\n';
    first = false;
  }
}

void TextTable::add_column(std::string header, Align align) {
  columns_.push_back({std::move(header), align});
}

void TextTable::add_row(std::vector<std::string> cells, std::string note) {
  cells.resize(columns_.size());
  rows_.push_back({std::move(cells), std::move(note)});
}

void TextTable::write(std::ostream& out, std::string_view indent) const {
  if (columns_.empty()) return;
  std::vector<std::size_t> widths(columns_.size());
  for (std::size_t c = 0; c < columns_.size(); ++c) {
    widths[c] = display_width(columns_[c].header);
    for (const Row& row : rows_) widths[c] = std::max(widths[c], display_width(row.cells[c]));
  }
  // Everything before the last column is fixed; the last one gets what is left of the line.
  std::size_t fixed = display_width(indent);
  for (std::size_t c = 0; c + 1 < columns_.size(); ++c) fixed += widths[c] + kColumnGap.size();
  const std::size_t last_room =
      std::max<std::size_t>(max_line_width_ > fixed ? max_line_width_ - fixed : 0, 12);
  widths.back() = std::min(widths.back(), last_room);

  auto write_line = [&](const std::vector<std::string>& cells) {
    std::string line(indent);
    for (std::size_t c = 0; c < columns_.size(); ++c) {
      const bool last = c + 1 == columns_.size();
      if (last) {
        // Right-aligned last columns still need padding; left-aligned ones do not.
        const std::string cell = truncate_to_width(cells[c], widths[c]);
        line += columns_[c].align == Align::right ? pad_left(cell, widths[c]) : cell;
      } else {
        line += columns_[c].align == Align::right ? pad_left(cells[c], widths[c])
                                                  : pad_right(cells[c], widths[c]);
        line += kColumnGap;
      }
    }
    while (!line.empty() && line.back() == ' ') line.pop_back();
    out << line << '\n';
  };

  std::vector<std::string> header;
  for (const Column& col : columns_) header.push_back(col.header);
  write_line(header);
  std::string rule(indent);
  std::size_t rule_width = fixed - display_width(indent) + widths.back();
  for (std::size_t i = 0; i < rule_width; ++i) rule += "─";
  out << rule << '\n';
  const std::string note_indent = std::string(indent) + "    ";
  for (const Row& row : rows_) {
    write_line(row.cells);
    if (row.note.empty()) continue;
    const std::size_t room = max_line_width_ > display_width(note_indent)
                                 ? max_line_width_ - display_width(note_indent)
                                 : 20;
    // Wrapped, not cut: the note carries the experiment's meaning, with its numbers.
    // A single word longer than the room (a path, say) is still cut.
    for (const std::string& line : wrap_words(row.note, room))
      out << note_indent << truncate_to_width(line, room) << '\n';
  }
}

}  // namespace illusion::report
