// core::Fd, the one descriptor owner: closes once, on destruction or reset, never after a
// release or a move away.
#include "core/fd.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <utility>

#include <gtest/gtest.h>

using illusion::core::Fd;

namespace {

bool is_open(int fd) {
  return ::fcntl(fd, F_GETFD) != -1 || errno != EBADF;
}

// Two fresh descriptors (a pipe's ends).
std::pair<int, int> two_fds() {
  int p[2];
  EXPECT_EQ(::pipe2(p, O_CLOEXEC), 0);
  return {p[0], p[1]};
}

}  // namespace

TEST(Fd, ClosesOnDestruction) {
  const auto [a, b] = two_fds();
  {
    const Fd fa(a), fb(b);
    EXPECT_TRUE(fa.valid());
    EXPECT_EQ(fa.get(), a);
  }
  EXPECT_FALSE(is_open(a));
  EXPECT_FALSE(is_open(b));
}

TEST(Fd, EmptyIsMinusOne) {
  const Fd empty;
  EXPECT_FALSE(empty.valid());
  EXPECT_EQ(empty.get(), -1);
  const Fd refused(-1);  // what open(2) returned on failure
  EXPECT_FALSE(refused.valid());
}

TEST(Fd, ReleaseGivesUpWithoutClosing) {
  const auto [a, b] = two_fds();
  const Fd fb(b);
  int kept = -1;
  {
    Fd fa(a);
    kept = fa.release();
    EXPECT_FALSE(fa.valid());
  }
  EXPECT_EQ(kept, a);
  EXPECT_TRUE(is_open(a));
  ::close(a);
}

TEST(Fd, MoveTransfersOwnership) {
  const auto [a, b] = two_fds();
  Fd fa(a);
  Fd moved(std::move(fa));
  EXPECT_FALSE(fa.valid());  // a moved-from owner is empty, by definition
  EXPECT_EQ(moved.get(), a);
  Fd fb(b);
  moved = std::move(fb);  // closes a, takes b
  EXPECT_FALSE(is_open(a));
  EXPECT_EQ(moved.get(), b);
  EXPECT_TRUE(is_open(b));
}

TEST(Fd, ResetClosesTheOldOne) {
  const auto [a, b] = two_fds();
  Fd f(a);
  f.reset(b);
  EXPECT_FALSE(is_open(a));
  EXPECT_EQ(f.get(), b);
  f.reset(b);  // the same descriptor again: kept, not closed
  EXPECT_TRUE(is_open(b));
  f.reset();
  EXPECT_FALSE(is_open(b));
  EXPECT_FALSE(f.valid());
}
