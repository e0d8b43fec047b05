#include "core/interrupts.h"

#include <fstream>
#include <sstream>

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
  std::ifstream in(path);
  if (!in) return std::nullopt;
  std::ostringstream text;
  text << in.rdbuf();
  return interrupt_line_total(text.str(), "TLB:");
}

}  // namespace illusion::core
