#include "core/interrupts.h"

#include <sstream>

#include "core/text_file.h"

namespace illusion::core {

std::optional<std::uint64_t> interrupt_line_total(std::string_view text, std::string_view label) {
  std::istringstream in{std::string(text)};
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream words(line);
    std::string first;
    if (!(words >> first) || first != label) continue;
    // One count per CPU, then the description ("TLB shootdowns"), where parsing stops.
    std::uint64_t total = 0, count = 0;
    while (words >> count) total += count;
    return total;
  }
  return std::nullopt;
}

std::optional<std::uint64_t> tlb_shootdowns_total(const std::string& path) {
  const std::optional<std::string> text = read_text(path);
  if (!text) return std::nullopt;
  return interrupt_line_total(*text, "TLB:");
}

}  // namespace illusion::core
