#include "core/errors.h"

#include <cstring>

#include <fmt/format.h>

namespace illusion::core {

std::string errno_text(int err) {
  // strerrorname_np (glibc 2.32) is null for a number that names no error.
  const char* name = strerrorname_np(err);
  return fmt::format("{} ({})", std::strerror(err), name ? name : std::to_string(err));
}

}  // namespace illusion::core
