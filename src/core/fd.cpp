#include "core/fd.h"

#include <fcntl.h>
#include <unistd.h>

#include "core/errors.h"

namespace illusion::core {

void Fd::reset(int fd) noexcept {
  if (fd_ >= 0 && fd_ != fd) ::close(fd_);
  fd_ = fd;
}

Pipe make_pipe(const char* what) {
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) throw_errno(what);
  return Pipe{Fd(fds[0]), Fd(fds[1])};
}

}  // namespace illusion::core
