// core::read_untrusted: how the host reads files an agent wrote (its HOME, its workspace).
#include <sys/stat.h>

#include <gtest/gtest.h>

#include "core/fs.hpp"

namespace agentrace::core {
namespace {

class ReadUntrusted : public ::testing::Test {
 protected:
  TempDir agent_{"untrusted-agent"};
  TempDir host_{"untrusted-host"};
  const fs::path& home() const { return agent_.path(); }
  std::optional<std::string> read(const fs::path& rel, std::size_t cap = 100) {
    return read_untrusted(home(), rel, cap, why_);
  }
  std::string why_;
};

TEST_F(ReadUntrusted, RegularFileInAFolder) {
  write_file(home() / ".cfg" / "r.json", "{}");
  EXPECT_EQ(read(".cfg/r.json"), "{}");
  EXPECT_EQ(why_, "");
}

TEST_F(ReadUntrusted, MissingIsNoErrorAndNoNote) {
  EXPECT_EQ(read("r.json"), std::nullopt);
  EXPECT_EQ(read("no/r.json"), std::nullopt);
  EXPECT_EQ(why_, "");
}

TEST_F(ReadUntrusted, LinkToAHostFileIsRefused) {
  write_file(host_.path() / "secret", "host secret");
  fs::create_symlink(host_.path() / "secret", home() / "r.json");
  EXPECT_EQ(read("r.json"), std::nullopt);
  EXPECT_EQ(why_, (home() / "r.json").string() + ": a link");
}

TEST_F(ReadUntrusted, LinkedFolderOnTheWayIsRefused) {
  write_file(host_.path() / "r.json", "host secret");
  fs::create_directory_symlink(host_.path(), home() / ".cfg");
  EXPECT_EQ(read(".cfg/r.json"), std::nullopt);
  EXPECT_EQ(why_, (home() / ".cfg/r.json").string() + ": .cfg is a link or not a folder");
}

TEST_F(ReadUntrusted, FifoDoesNotBlock) {
  ASSERT_EQ(mkfifo((home() / "r.json").c_str(), 0600), 0);
  EXPECT_EQ(read("r.json"), std::nullopt);
  EXPECT_EQ(why_, (home() / "r.json").string() + ": not a regular file");
}

TEST_F(ReadUntrusted, TooBigIsRefused) {
  write_file(home() / "r.json", std::string(101, ' '));
  EXPECT_EQ(read("r.json"), std::nullopt);
  EXPECT_EQ(why_, (home() / "r.json").string() + ": 101 bytes, more than the 100 allowed");
  EXPECT_EQ(read("r.json", 101), std::string(101, ' '));
}

TEST_F(ReadUntrusted, DotDotIsRefused) {
  write_file(home() / "r.json", "{}");
  EXPECT_EQ(read("x/../r.json"), std::nullopt);
  EXPECT_NE(why_, "");
}

TEST(ResolvesInside, LinksAreFollowedBeforeTheCheck) {
  TempDir dir("inside"), other("outside");
  write_file(dir.path() / "a", "x");
  write_file(other.path() / "b", "y");
  fs::create_symlink(other.path() / "b", dir.path() / "out");
  fs::create_symlink("a", dir.path() / "in");
  EXPECT_TRUE(resolves_inside(dir.path(), dir.path() / "a"));
  EXPECT_TRUE(resolves_inside(dir.path(), dir.path() / "in"));
  EXPECT_FALSE(resolves_inside(dir.path(), dir.path() / "out"));
  EXPECT_FALSE(resolves_inside(dir.path(), dir.path() / ".." / "x"));
}

}  // namespace
}  // namespace agentrace::core
