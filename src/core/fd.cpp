#include "core/fd.h"

#include <unistd.h>

namespace illusion::core {

void Fd::reset(int fd) noexcept {
  if (fd_ >= 0 && fd_ != fd) ::close(fd_);
  fd_ = fd;
}

}  // namespace illusion::core
