#include "core/sizes.h"

#include <cctype>
#include <limits>

#include <fmt/format.h>

#include "core/errors.h"

namespace illusion::core {

std::uint64_t parse_size(std::string_view text, bool allow_zero) {
  const std::string shown(text);
  auto fail = [&](const std::string& why) -> std::uint64_t {
    throw UsageError(fmt::format(
        "invalid size '{}': {}. Use a whole number of bytes with an optional suffix K, M, G "
        "or T (powers of 1024), e.g. 64K, 512M, 1G",
        shown, why));
  };
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front())))
    text.remove_prefix(1);
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back())))
    text.remove_suffix(1);
  if (text.empty()) return fail("it is empty");
  if (text.front() == '-') return fail("sizes cannot be negative");
  std::size_t i = 0;
  std::uint64_t value = 0;
  while (i < text.size() && std::isdigit(static_cast<unsigned char>(text[i]))) {
    const std::uint64_t digit = static_cast<std::uint64_t>(text[i] - '0');
    if (value > (std::numeric_limits<std::uint64_t>::max() - digit) / 10)
      return fail("the number is too large");
    value = value * 10 + digit;
    ++i;
  }
  if (i == 0) return fail("it does not start with a number");
  std::string suffix(text.substr(i));
  for (char& c : suffix) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  int shift = 0;
  if (suffix.empty() || suffix == "B")
    shift = 0;
  else if (suffix == "K" || suffix == "KB" || suffix == "KIB")
    shift = 10;
  else if (suffix == "M" || suffix == "MB" || suffix == "MIB")
    shift = 20;
  else if (suffix == "G" || suffix == "GB" || suffix == "GIB")
    shift = 30;
  else if (suffix == "T" || suffix == "TB" || suffix == "TIB")
    shift = 40;
  else
    return fail(fmt::format("unknown suffix '{}'", std::string(text.substr(i))));
  if (shift > 0 && value > (std::numeric_limits<std::uint64_t>::max() >> shift))
    return fail("the size is too large");
  value <<= shift;
  if (value == 0 && !allow_zero) return fail("it must be greater than zero");
  return value;
}

std::string format_size(std::uint64_t bytes) {
  static const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  double v = static_cast<double>(bytes);
  int u = 0;
  while (v >= 1024 && u < 4) {
    v /= 1024;
    ++u;
  }
  if (u == 0) return fmt::format("{} B", bytes);
  if (v == static_cast<double>(static_cast<std::uint64_t>(v)))
    return fmt::format("{} {}", static_cast<std::uint64_t>(v), units[u]);
  return fmt::format("{:.1f} {}", v, units[u]);
}

}  // namespace illusion::core
