// The one owner of a file descriptor (and, as a pair, of a pipe's two): closed when the owner
// goes, so every exit path (a throw, an early return) closes it. Move-only; -1 when empty.
#pragma once

#include <utility>

namespace illusion::core {

class Fd {
 public:
  Fd() = default;
  explicit Fd(int fd) noexcept : fd_(fd) {}
  Fd(Fd&& other) noexcept : fd_(other.release()) {}
  Fd& operator=(Fd&& other) noexcept {
    reset(other.release());
    return *this;
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  ~Fd() { reset(); }

  int get() const noexcept { return fd_; }
  bool valid() const noexcept { return fd_ >= 0; }
  // Gives the descriptor up without closing it; the owner is empty afterwards.
  int release() noexcept { return std::exchange(fd_, -1); }
  // Closes the descriptor held and holds `fd` instead. close(2)'s error is ignored: a caller
  // that must know its writes reached the file checks fsync(2)/fdatasync(2) before.
  void reset(int fd = -1) noexcept;

 private:
  int fd_ = -1;
};

// Both ends of a pipe(7), each owned. Created O_CLOEXEC, so a child that execs keeps neither.
struct Pipe {
  Fd read, write;
};

// Throws std::system_error naming `what` ("pipe2 (ready)") when pipe2(2) fails.
Pipe make_pipe(const char* what = "pipe2");

}  // namespace illusion::core
