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

bool has_word(std::string_view line, std::string_view word) {
  std::istringstream in{std::string(line)};
  std::string w;
  while (in >> w)
    if (w == word) return true;
  return false;
}

std::map<std::string, std::string> key_values(const std::string& path) {
  std::map<std::string, std::string> kv;
  const auto text = read_text(path);
  if (!text) return kv;
  std::istringstream in(*text);
  std::string line;
  while (std::getline(in, line)) {
    const auto colon = line.find(':');
    if (colon == std::string::npos) continue;
    kv.emplace(trim(line.substr(0, colon)), trim(line.substr(colon + 1)));
  }
  return kv;
}

}  // namespace illusion::core
