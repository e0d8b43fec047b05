#include "core/printable.h"

#include <fmt/format.h>

namespace illusion::core {
namespace {

// Length of the valid UTF-8 sequence starting at s[i] (1 to 4), or 0 when the bytes there are
// not one (a stray continuation byte, an overlong form, a surrogate, past U+10FFFF, cut short).
std::size_t utf8_length(std::string_view s, std::size_t i) {
  const auto b = [&](std::size_t k) { return static_cast<unsigned char>(s[i + k]); };
  const auto cont = [&](std::size_t k) { return i + k < s.size() && (b(k) & 0xc0) == 0x80; };
  const unsigned char c = b(0);
  if (c < 0x80) return 1;
  if (c >= 0xc2 && c <= 0xdf) return cont(1) ? 2 : 0;
  if (c >= 0xe0 && c <= 0xef) {
    if (!cont(1) || !cont(2)) return 0;
    if (c == 0xe0 && b(1) < 0xa0) return 0;   // overlong
    if (c == 0xed && b(1) >= 0xa0) return 0;  // UTF-16 surrogate
    return 3;
  }
  if (c >= 0xf0 && c <= 0xf4) {
    if (!cont(1) || !cont(2) || !cont(3)) return 0;
    if (c == 0xf0 && b(1) < 0x90) return 0;   // overlong
    if (c == 0xf4 && b(1) >= 0x90) return 0;  // past U+10FFFF
    return 4;
  }
  return 0;
}

// The escape for one unprintable byte.
std::string escaped(unsigned char c) {
  switch (c) {
    case '\n':
      return "\\n";
    case '\t':
      return "\\t";
    case '\r':
      return "\\r";
    case 0x1b:
      return "\\e";
    default:
      return fmt::format("\\x{:02x}", c);
  }
}

}  // namespace

std::string printable(std::string_view s, std::size_t limit) {
  std::string out;
  for (std::size_t i = 0; i < s.size();) {
    const auto c = static_cast<unsigned char>(s[i]);
    const std::size_t n = utf8_length(s, i);
    // C1 controls are U+0080–U+009F: the two bytes C2 80 to C2 9F.
    const bool c1 = n == 2 && c == 0xc2 && static_cast<unsigned char>(s[i + 1]) < 0xa0;
    const bool shown_as_is = (n == 1 && c >= 0x20 && c != 0x7f) || (n > 1 && !c1);
    const std::size_t taken = c1 ? 2 : (n == 0 ? 1 : n);
    std::string piece;
    if (shown_as_is) {
      piece.assign(s.data() + i, taken);
    } else {
      for (std::size_t k = 0; k < taken; ++k)
        piece.append(escaped(static_cast<unsigned char>(s[i + k])));
    }
    if (out.size() + piece.size() > limit) {
      out.append("…");
      return out;
    }
    out.append(piece);
    i += taken;
  }
  return out;
}

std::string printable_message(std::string_view s, std::size_t limit) {
  const std::string whole = printable(s, std::string::npos);
  if (whole.size() <= limit) return whole;
  // The head names what went wrong with what; the tail is usually the reason and the fix.
  const std::size_t tail_bytes = limit / 3, head_bytes = limit - tail_bytes;
  std::size_t head = head_bytes, tail = whole.size() - tail_bytes;
  // Cut at character boundaries: never inside a UTF-8 sequence.
  const auto continuation = [&](std::size_t i) {
    return (static_cast<unsigned char>(whole[i]) & 0xc0) == 0x80;
  };
  while (head > 0 && continuation(head)) --head;
  while (tail < whole.size() && continuation(tail)) ++tail;
  return fmt::format("{}…({} bytes left out)…{}", whole.substr(0, head), tail - head,
                     whole.substr(tail));
}

}  // namespace illusion::core
