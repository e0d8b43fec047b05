// Error types shared by every part of illusion.
//
// Two kinds of trouble exist and they are kept apart on purpose:
//  - a mistake the user can fix (bad flag, bad size, unwritable --json path) is a UsageError,
//    thrown and caught once in main, exit status 2;
//  - a failure of the machine we cannot work around is a std::system_error / RuntimeError,
//    exit status 1.
// "Could not measure" is neither: it is a warning or a skip recorded on the Result.
#pragma once

#include <cerrno>
#include <stdexcept>
#include <string>
#include <system_error>

namespace illusion::core {

class UsageError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Throws std::system_error carrying errno and a message naming the object, in the manner of
// fmt's `system_error(errno, "cannot open file {}", name)`.
[[noreturn]] inline void throw_errno(const std::string& what) {
  throw std::system_error(errno, std::generic_category(), what);
}

// "Permission denied (EACCES)": the words for a reader, the name for a search engine. Every
// message that quotes an errno in this form says it through this function.
std::string errno_text(int err);

// Retries a POSIX call that failed with EINTR (a signal arrived, the call did nothing).
template <class Call>
auto retry_eintr(Call&& call) {
  decltype(call()) rc;
  do {
    rc = call();
  } while (rc == -1 && errno == EINTR);
  return rc;
}

}  // namespace illusion::core
