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

core::DiskRoom test_file_parent(const std::string& dir) {
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
  return core::disk_room(parent);
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

namespace {

// Why the row's files do not fit `room`, or "" (also for a row that writes none).
std::string shortfall_of(const core::Selected& s, const core::DiskRoom& room,
                         const core::RunContext& ctx) {
  if (!s.experiment->disk) return "";
  const std::string why = core::disk_shortfall(s.experiment->disk(ctx), room);
  return why.empty() ? "" : why + " (--dir chooses the directory, --file-size the size)";
}

std::string id_list(const std::vector<std::string>& ids) {
  std::string out;
  const std::size_t shown = std::min<std::size_t>(ids.size(), 6);
  for (std::size_t i = 0; i < shown; ++i) out += (i ? ", " : "") + ids[i];
  if (shown < ids.size()) out += fmt::format(" and {} more", ids.size() - shown);
  return out;
}

}  // namespace

std::vector<std::string> skip_rows_without_room(const core::DiskRoom& room,
                                                std::vector<core::Selected>& selected,
                                                const core::RunContext& ctx) {
  std::vector<std::string> skipped;
  std::string first_reason;
  for (core::Selected& s : selected) {
    s.skip_reason = shortfall_of(s, room, ctx);
    if (s.skip_reason.empty()) continue;
    skipped.push_back(s.experiment->id);
    if (first_reason.empty()) first_reason = s.skip_reason;
  }
  if (!selected.empty() && skipped.size() == selected.size())
    throw core::UsageError(
        fmt::format("nothing to run: every selected row writes files, and "
                    "they cannot be written in {}: {} ({})",
                    room.dir, first_reason, id_list(skipped)));
  return skipped;
}

void require_room_for_all(const core::DiskRoom& room, const std::vector<core::Selected>& selected,
                          const core::RunContext& ctx) {
  for (const core::Selected& s : selected)
    if (const std::string why = shortfall_of(s, room, ctx); !why.empty())
      throw core::UsageError(fmt::format("{} {}", s.experiment->id, why));
}

std::string skipped_for_room_words(const std::vector<std::string>& ids, const core::DiskRoom& room,
                                   const std::vector<core::Selected>& selected) {
  if (ids.empty()) return "";
  std::string reason;
  for (const core::Selected& s : selected)
    if (!s.skip_reason.empty()) {
      reason = s.skip_reason;
      break;
    }
  return fmt::format("illusion: skipping {} row(s) whose files cannot be written in {} ({}): {}",
                     ids.size(), room.dir, id_list(ids), reason);
}

}  // namespace illusion::cli
