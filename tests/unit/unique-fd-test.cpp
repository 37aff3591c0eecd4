// UniqueFd: closes what it owns exactly once, moves ownership, releases on request.
#include <gtest/gtest.h>

#include <fcntl.h>
#include <unistd.h>

#include <utility>

#include "core/unique-fd.hpp"

namespace agentrace::core {
namespace {

bool is_open(int fd) { return fcntl(fd, F_GETFD) != -1; }

TEST(UniqueFd, ClosesWhatItOwnsWhenItGoes) {
  int fd = -1;
  {
    const UniqueFd owned(open("/dev/null", O_RDONLY | O_CLOEXEC));
    fd = owned.get();
    ASSERT_TRUE(is_open(fd));
  }
  EXPECT_FALSE(is_open(fd));
}

TEST(UniqueFd, EmptyIsFalseAndClosesNothing) {
  const UniqueFd none;
  EXPECT_FALSE(none);
  EXPECT_EQ(none.get(), -1);
  const UniqueFd failed(open("/no/such/file", O_RDONLY));
  EXPECT_FALSE(failed);
}

TEST(UniqueFd, MoveHandsOverOwnership) {
  UniqueFd a(open("/dev/null", O_RDONLY | O_CLOEXEC));
  const int fd = a.get();
  UniqueFd b(std::move(a));
  EXPECT_FALSE(a);  // NOLINT(bugprone-use-after-move): the point of the test
  EXPECT_EQ(b.get(), fd);
  UniqueFd c(open("/dev/null", O_RDONLY | O_CLOEXEC));
  const int replaced = c.get();
  c = std::move(b);
  EXPECT_EQ(c.get(), fd);
  EXPECT_FALSE(is_open(replaced));
  EXPECT_TRUE(is_open(fd));
}

TEST(UniqueFd, ReleaseGivesUpWithoutClosing) {
  UniqueFd owned(open("/dev/null", O_RDONLY | O_CLOEXEC));
  const int fd = owned.release();
  EXPECT_FALSE(owned);
  EXPECT_TRUE(is_open(fd));
  close(fd);
}

TEST(UniqueFd, ResetClosesTheOldOne) {
  UniqueFd owned(open("/dev/null", O_RDONLY | O_CLOEXEC));
  const int old = owned.get();
  owned.reset();
  EXPECT_FALSE(owned);
  EXPECT_FALSE(is_open(old));
}

TEST(UniqueFd, MakePipeGivesBothEndsConnected) {
  auto pipe = make_pipe("test");
  ASSERT_TRUE(pipe.read);
  ASSERT_TRUE(pipe.write);
  ASSERT_EQ(write(pipe.write.get(), "x", 1), 1);
  pipe.write.reset();
  char c = 0;
  EXPECT_EQ(read(pipe.read.get(), &c, 1), 1);
  EXPECT_EQ(c, 'x');
  EXPECT_EQ(read(pipe.read.get(), &c, 1), 0);  // the only write end is closed
}

}  // namespace
}  // namespace agentrace::core
