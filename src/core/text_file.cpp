#include "core/text_file.h"

#include <fstream>
#include <sstream>

namespace illusion::core {

std::optional<std::string> read_text(const std::string& path) {
  std::ifstream in(path);
  if (!in) return std::nullopt;
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

std::string trim(std::string_view s) {
  const auto first = s.find_first_not_of(" \t\n\r");
  if (first == std::string_view::npos) return "";
  const auto last = s.find_last_not_of(" \t\n\r");
  return std::string(s.substr(first, last - first + 1));
}

std::string first_line(const std::string& path) {
  const auto text = read_text(path);
  if (!text) return "";
  return trim(text->substr(0, text->find('\n')));
}

}  // namespace illusion::core
