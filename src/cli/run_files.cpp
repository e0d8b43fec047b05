#include "cli/run_files.h"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <stdexcept>

#include <fmt/format.h>

#include "core/errors.h"
#include "core/resources.h"

namespace illusion::cli {

std::string test_file_parent(const std::string& dir) {
  std::string parent = dir;
  const char* what = "--dir";
  if (parent.empty()) {
    const char* env = std::getenv("TMPDIR");
    parent = (env && *env) ? env : "/tmp";
    what = (env && *env) ? "$TMPDIR" : "/tmp";
  }
  struct stat st {};
  if (::stat(parent.c_str(), &st) != 0)
    throw core::UsageError(fmt::format("{} {}: {}", what, parent, std::strerror(errno)));
  if (!S_ISDIR(st.st_mode))
    throw core::UsageError(fmt::format("{} {}: not a directory", what, parent));
  // access(2) says yes to root on any directory, and nothing about read-only mounts or
  // filesystems that refuse files (procfs): creating and removing a directory is the real test.
  std::string probe = parent + "/illusion-check-XXXXXX";
  if (!::mkdtemp(probe.data()))
    throw core::UsageError(
        fmt::format("{} {}: cannot create files there ({})", what, parent, std::strerror(errno)));
  ::rmdir(probe.c_str());
  return parent;
}

std::uint64_t parse_file_size(const std::string& text) {
  if (text.empty()) return 0;
  std::uint64_t bytes = 0;
  try {
    bytes = core::parse_size(text);
  } catch (const core::UsageError& e) {
    throw core::UsageError(fmt::format("--file-size: {}", e.what()));
  }
  constexpr std::uint64_t kMiB = 1u << 20;
  if (bytes < kMiB || bytes % kMiB != 0)
    throw core::UsageError(fmt::format(
        "--file-size {}: must be a whole number of MiB, at least 1M (e.g. 256M, 2G)", text));
  return bytes;
}

void check_disk_room(const std::string& parent, const std::vector<core::Selected>& selected,
                     const core::RunContext& ctx) {
  std::uint64_t need = 0;
  const core::Experiment* largest = nullptr;
  for (const core::Selected& s : selected) {
    if (!s.experiment->disk_bytes) continue;
    const std::uint64_t b = s.experiment->disk_bytes(ctx);
    if (b > need) {
      need = b;
      largest = s.experiment;
    }
  }
  if (need == 0) return;
  try {
    core::require_free_disk(parent, need, largest->id);
  } catch (const std::runtime_error& e) {
    throw core::UsageError(
        fmt::format("{} (--dir chooses the directory, --file-size the size)", e.what()));
  }
}

}  // namespace illusion::cli
