#include "report/output_paths.h"

#include <limits.h>
#include <sys/stat.h>

#include <cstdlib>
#include <optional>

#include <fmt/format.h>

#include "core/errors.h"

namespace illusion::report {
namespace {

// A directory entry: the directory's identity and the name in it. rename(2) replaces exactly
// this, whatever path spelled it.
struct Entry {
  dev_t dev = 0;
  ino_t ino = 0;
  std::string name;
  bool operator==(const Entry&) const = default;
};

std::optional<Entry> entry_of(const std::string& path) {
  const auto slash = path.find_last_of('/');
  const std::string dir =
      slash == std::string::npos ? "." : (slash == 0 ? "/" : path.substr(0, slash));
  const std::string name = slash == std::string::npos ? path : path.substr(slash + 1);
  struct stat st {};
  if (name.empty() || stat(dir.c_str(), &st) != 0) return std::nullopt;
  return Entry{st.st_dev, st.st_ino, name};
}

// The entry an input is finally read from: its symlinks resolved (realpath(3)).
std::optional<Entry> input_entry_of(const std::string& path) {
  char real[PATH_MAX];
  if (realpath(path.c_str(), real) == nullptr) return std::nullopt;
  return entry_of(real);
}

}  // namespace

void check_distinct_paths(const FlaggedPaths& outputs, const std::vector<std::string>& inputs) {
  std::vector<std::pair<std::string, Entry>> seen;  // (what, entry)
  for (const std::string& in : inputs)
    if (const auto e = input_entry_of(in)) seen.emplace_back(fmt::format("the input {}", in), *e);
  for (const auto& [flag, path] : outputs) {
    const auto e = entry_of(path);
    if (!e) continue;
    for (const auto& [what, other] : seen)
      if (other == *e)
        throw core::UsageError(fmt::format(
            "{} {}: the same file as {}; each output needs its own path (one would replace the "
            "other{})",
            flag, path, what,
            what.rfind("the input", 0) == 0 ? ", and the input would be lost" : ""));
    seen.emplace_back(fmt::format("{} {}", flag, path), *e);
  }
}

}  // namespace illusion::report
