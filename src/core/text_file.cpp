#include "core/text_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include <fmt/format.h>

#include "core/errors.h"
#include "core/fd.h"

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

namespace {

// Reads block from here on: the descriptor was opened O_NONBLOCK only so that neither the open
// nor the first read of a FIFO could wait for a writer that may never come.
void make_blocking(int fd) {
  const int flags = fcntl(fd, F_GETFL);
  if (flags < 0 || fcntl(fd, F_SETFL, flags & ~O_NONBLOCK) != 0)
    throw_errno("fcntl(F_SETFL) on an input file");
}

}  // namespace

std::string read_input_file(const std::string& path, const InputFile& file) {
  const auto refuse = [&](const std::string& why) {
    throw UsageError(fmt::format("{}: {}", path, why));
  };
  const auto cannot_read = [&](int err) {
    refuse(fmt::format("cannot read the {}: {}", file.what, std::strerror(err)));
  };
  const auto too_large = [&] {
    refuse(fmt::format("larger than {} MiB, far more than {} writes; this is not a {}",
                       file.max_bytes >> 20, file.written_by, file.what));
  };
  // Always O_NONBLOCK: a blocking open of a FIFO waits for a writer, forever when none comes.
  const Fd fd(retry_eintr([&] { return open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK); }));
  if (fd.get() < 0) cannot_read(errno);
  struct stat st {};
  if (fstat(fd.get(), &st) != 0) cannot_read(errno);
  if (file.regular_only && !S_ISREG(st.st_mode))
    refuse(fmt::format("not a regular file; give a file written by {}", file.written_by));
  if (S_ISDIR(st.st_mode))
    refuse(fmt::format("cannot read the {}: it is a directory; give a file written by {}",
                       file.what, file.written_by));
  if (S_ISREG(st.st_mode) && static_cast<std::uint64_t>(st.st_size) > file.max_bytes) too_large();
  // A FIFO (or a pipe, as /dev/fd/63 of a process substitution) is read non-blocking until it
  // shows a writer; anything else (a terminal, /dev/zero) blocks as it always did.
  const bool fifo = S_ISFIFO(st.st_mode);
  bool blocking = !fifo;
  if (!fifo) make_blocking(fd.get());
  std::string data;
  if (S_ISREG(st.st_mode)) data.reserve(static_cast<std::size_t>(st.st_size));
  char buf[65536];
  for (;;) {
    const ssize_t n = retry_eintr([&] { return ::read(fd.get(), buf, sizeof buf); });
    if (n < 0 && errno == EAGAIN && !blocking) {
      // A writer is attached but has not written yet (or not all): wait for it as cat would.
      make_blocking(fd.get());
      blocking = true;
      continue;
    }
    if (n < 0) cannot_read(errno);
    if (n == 0) {
      // End of file before any byte and before any sign of a writer: a FIFO nobody writes to.
      // Waiting would hang until someone opens it, which is rarely what the user meant.
      if (!blocking && data.empty())
        refuse(
            fmt::format("a FIFO with no writer: nothing to read, and illusion does not "
                        "wait for one; give a regular file such as one written by {}",
                        file.written_by));
      break;
    }
    data.append(buf, static_cast<std::size_t>(n));
    if (data.size() > file.max_bytes) too_large();  // grew while being read, or has no size
  }
  return data;
}

}  // namespace illusion::core
